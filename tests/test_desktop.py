"""The desktop app, driven as a person drives it: type, press keys, click, read what is on screen."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QMessageBox, QTableView, QTextBrowser
from pytestqt.qtbot import QtBot

import desktop.startup
from desktop.resources import Disclaimer, load_disclaimer
from desktop.roles import URL_ROLE
from desktop.startup import EXIT_UNUSABLE, Startup
from tests.desktop_helpers import article_text, open_page, page_shown, press, running, search_box, type_search, window
from tests.ui import child

pytestmark = pytest.mark.usefixtures("profile")


# -- first launch and the disclaimer -------------------------------------------------------


def test_first_launch_asks_before_showing_anything(qtbot: QtBot, built_db: Path) -> None:
    startup = Startup(built_db)
    assert startup.begin() is None
    assert startup.dialog is not None and startup.window is None
    qtbot.addWidget(startup.dialog)
    assert startup.dialog.objectName() == "disclaimerDialog" and startup.dialog.isVisible()
    assert "healthcare professionals" in child(startup.dialog, QTextBrowser, "disclaimerText").toPlainText()
    with qtbot.waitSignal(startup.finished) as finished:
        startup.dialog.reject()
    assert finished.args == [0]
    assert startup.window is None
    assert not any(w.objectName() == "mainWindow" for w in QApplication.topLevelWidgets() if w.isVisible())


def test_accepting_is_remembered(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as first:
        assert window(first).isVisible()
        assert first.settings.accepted_disclaimer_version() == load_disclaimer().version
        assert first.settings.accepted_disclaimer_at()
    second = Startup(built_db)
    second.begin()
    assert second.dialog is None and second.window is not None
    qtbot.addWidget(second.window)
    second.window.close()
    second.userdata.close()


def test_a_new_disclaimer_version_asks_again(qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running(qtbot, built_db):
        pass
    current = load_disclaimer()
    bumped = Disclaimer(current.version + 1, current.title, current.text + "\n\nNew.", current.notice)
    monkeypatch.setattr(desktop.startup, "load_disclaimer", lambda: bumped)
    again = Startup(built_db)
    again.begin()
    assert again.dialog is not None and again.window is None
    qtbot.addWidget(again.dialog)
    again.dialog.accept()
    assert again.window is not None and again.settings.accepted_disclaimer_version() == current.version + 1
    qtbot.addWidget(again.window)
    again.window.close()
    again.userdata.close()


def test_every_page_carries_the_verify_notice(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        notice = load_disclaimer().notice
        for url in ("article:post-hypoxic-myoclonus-treatment", "drug:clonazepam", "class:cortical"):
            open_page(qtbot, app, url)
            assert notice in article_text(app)


# -- search ----------------------------------------------------------------------------------


def test_type_keppra_open_the_hit_read_the_dose(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        qtbot.keyClick(window(app), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert search_box(app).hasFocus()
        view = type_search(qtbot, app, "keppra")
        assert view.model().index(0, 0).data() == "levetiracetam"
        with page_shown(qtbot, app, "drug:levetiracetam"):
            press(qtbot, Qt.Key.Key_Return)
        text = article_text(app)
        assert text.startswith("levetiracetam")
        assert "Brand names: Keppra" in text
        assert "500-3000 mg/day" in text
        assert "Treatment options for myoclonus" in text or "treatment options for myoclonus" in text


def test_enter_before_results_arrive_still_opens_the_top_hit(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        box = search_box(app)
        box.setFocus()
        qtbot.keyClicks(box, "klonopin")
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: article_text(app).startswith("clonazepam"), timeout=5000)
        assert "1.5-15 mg/day" in article_text(app)


def test_misspelling_offers_its_correction(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = type_search(qtbot, app, "levitiracetam")
        status = child(window(app), QLabel, "searchStatus")
        assert "Did you mean" in status.text() and "levetiracetam" in status.text()
        assert view.model().index(0, 0).data() == "levetiracetam"


def test_no_results_says_so(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = type_search(qtbot, app, "zzzzqqq")
        assert view.model().rowCount() == 0
        assert "No results" in child(window(app), QLabel, "searchStatus").text()


@pytest.mark.parametrize("text", ['"', "AND (", "*", 'x" OR 1=1 --', "<script>", "💊 ✓"])
def test_strange_characters_in_the_search_box(qtbot: QtBot, built_db: Path, text: str) -> None:
    with running(qtbot, built_db) as app:
        view = type_search(qtbot, app, text)
        status = child(window(app), QLabel, "searchStatus").text()
        rows = view.model().rowCount()
        # The text is searched as words (or finds nothing), and says which; every hit opens a page.
        assert search_box(app).text() == text
        assert ("No results" in status or "Did you mean" in status) if rows == 0 else f"{rows} result" in status
        for row in range(rows):
            assert str(view.model().index(row, 0).data(URL_ROLE)).split(":")[0] in ("article", "drug", "class")


def test_escape_clears_the_search_and_shows_topics_again(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        type_search(qtbot, app, "valpro")
        qtbot.keyClick(search_box(app), Qt.Key.Key_Escape)
        assert search_box(app).text() == ""
        assert child(window(app), QAbstractItemView, "topicTree").isVisible()


def test_arrow_keys_choose_among_results(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = type_search(qtbot, app, "clonazepam")
        assert view.model().rowCount() > 1
        second = view.model().index(1, 0).data(Qt.ItemDataRole.DisplayRole)
        qtbot.keyClick(search_box(app), Qt.Key.Key_Down)
        with page_shown(qtbot, app):
            qtbot.keyClick(search_box(app), Qt.Key.Key_Return)
        assert article_text(app).startswith(second)


# -- the article pane --------------------------------------------------------------------------


def test_topic_tree_opens_an_article_with_its_references(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        tree = child(window(app), QAbstractItemView, "topicTree")
        model = tree.model()
        hits = model.match(
            model.index(0, 0),
            Qt.ItemDataRole.DisplayRole,
            "Treatment of post-hypoxic myoclonus",
            1,
            Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive,
        )
        assert hits
        tree.scrollTo(hits[0])
        with page_shown(qtbot, app, "article:post-hypoxic-myoclonus-treatment"):
            qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(hits[0]).center())
        text = article_text(app)
        assert "Last updated 18 Apr 2025" in text
        assert "Review status: pending human review" in text
        assert "References" in text and "Current opinion in neurology. 2003" in text
        assert "Cited in the source but not in its reference list" in text


def test_citation_link_jumps_to_the_reference(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = child(window(app), QTextBrowser, "articleView")
        view.resize(800, 400)
        view.anchorClicked.emit(QUrl("#ref-7"))
        assert view.verticalScrollBar().value() > 0


def test_links_between_pages_and_back_forward(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = child(window(app), QTextBrowser, "articleView")
        with page_shown(qtbot, app, "drug:piracetam"):
            view.anchorClicked.emit(QUrl("drug:piracetam"))
        assert article_text(app).startswith("piracetam") and "8-24 g/day" in article_text(app)
        with page_shown(qtbot, app, "class:cortical"):
            view.anchorClicked.emit(QUrl("class:cortical"))
        assert article_text(app).startswith("Cortical")
        with page_shown(qtbot, app, "drug:piracetam"):
            qtbot.keyClick(window(app), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert article_text(app).startswith("piracetam")
        with page_shown(qtbot, app):
            qtbot.keyClick(window(app), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert article_text(app).startswith("What are the treatment options")
        with page_shown(qtbot, app, "drug:piracetam"):
            qtbot.keyClick(window(app), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        assert article_text(app).startswith("piracetam")


def test_external_links_are_never_followed_without_asking(
    qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    asked: list[str] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)

    def answer(box: QMessageBox) -> int:
        asked.append(box.informativeText())
        return int(QMessageBox.StandardButton.Cancel)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    with running(qtbot, built_db) as app:
        before = article_text(app)
        child(window(app), QTextBrowser, "articleView").anchorClicked.emit(QUrl("https://example.org/x"))
        assert asked == ["https://example.org/x"] and opened == []
        assert article_text(app) == before


def test_find_in_page_counts_matches(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        qtbot.keyClick(window(app), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        field = child(window(app), QLabel, "findCount")
        find = QApplication.focusWidget()
        assert find is not None and find.objectName() == "findField"
        qtbot.keyClicks(find, "clonazepam")
        expected = article_text(app).lower().count("clonazepam")
        assert field.text() == f"1 of {expected}"
        qtbot.keyClick(find, Qt.Key.Key_Return)
        assert field.text() == f"2 of {expected}"
        qtbot.keyClick(find, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        assert field.text() == f"1 of {expected}"
        qtbot.keyClicks(find, "zzz")
        assert field.text() == "No matches"


def test_zoom_is_remembered_across_starts(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = child(window(app), QTextBrowser, "articleView")
        size = view.document().defaultFont().pointSizeF()
        qtbot.keyClick(window(app), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window(app), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert view.document().defaultFont().pointSizeF() == size + 2
    with running(qtbot, built_db) as again:
        view = child(window(again), QTextBrowser, "articleView")
        assert view.document().defaultFont().pointSizeF() == size + 2
        qtbot.keyClick(window(again), Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
        assert view.document().defaultFont().pointSizeF() == size


def test_bookmark_with_ctrl_d_survives_a_restart(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, "drug:perampanel")
        qtbot.keyClick(window(app), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    with running(qtbot, built_db) as again:
        tree = child(window(again), QAbstractItemView, "topicTree")
        model = tree.model()
        bookmarks = model.match(
            model.index(0, 0), Qt.ItemDataRole.DisplayRole, "Bookmarks", 1, Qt.MatchFlag.MatchExactly
        )
        group = bookmarks[0]
        assert [model.index(r, 0, group).data() for r in range(model.rowCount(group))] == ["perampanel"]


def test_window_layout_is_restored(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        window(app).resize(760, 560)  # within the offscreen screen, which restoreGeometry clamps to
        splitter = window(app).splitter
        splitter.setSizes([300, 460])
        sizes = splitter.sizes()
    with running(qtbot, built_db) as again:
        assert window(again).splitter.sizes() == sizes


def test_status_bar_shows_content_version(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        label = child(window(app), QLabel, "contentVersion")
        assert label.text() == "Content 2025.04.18-3 · latest article 18 Apr 2025"


def test_export_pdf_of_the_open_page(qtbot: QtBot, built_db: Path, tmp_path: Path) -> None:
    with running(qtbot, built_db) as app:
        out = tmp_path / "page.pdf"
        assert window(app).export_pdf_to(out)
        assert out.read_bytes().startswith(b"%PDF")


# -- the drug filter by class ------------------------------------------------------------------


def _table_rows(table: QTableView) -> list[list[str]]:
    model = table.model()
    return [[str(model.index(r, c).data()) for c in range(model.columnCount())] for r in range(model.rowCount())]


def _click_class(
    qtbot: QtBot, app: Startup, name: str, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> QTableView:
    qtbot.keyClick(window(app), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    classes = child(window(app), QAbstractItemView, "classFilter")
    model = classes.model()
    found = model.match(
        model.index(0, 0), Qt.ItemDataRole.DisplayRole, name, 1, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    )
    assert found, name
    classes.scrollTo(found[0])
    panel = window(app).treatments
    with qtbot.waitSignal(panel.view_changed, timeout=5000):  # the view is read off the GUI thread
        qtbot.mouseClick(classes.viewport(), Qt.MouseButton.LeftButton, modifier, classes.visualRect(found[0]).center())
    table = child(window(app), QTableView, "drugTable")
    assert table.isVisible()
    return table


def test_pick_cortical_and_read_the_table(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        rows = _table_rows(_click_class(qtbot, app, "Cortical"))
        first_line = {r[0]: r for r in rows if r[1] == "first-line"}
        assert {"levetiracetam", "valproic acid", "clonazepam"} <= set(first_line)
        zonisamide = next(r for r in rows if r[0] == "zonisamide")
        assert zonisamide[2].startswith("100-400 mg/day · alternative, Cortical")
        assert "uncited in source" in zonisamide[2]
        assert all("Cortical" in r[4] or "said of" in r[4] for r in rows)


def test_post_hypoxic_lists_subclasses_and_puts_ineffective_last(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        table = _click_class(qtbot, app, "Post-hypoxic myoclonus")
        rows = _table_rows(table)
        assert rows[-1][0] == "phenytoin" and "reported ineffective" in rows[-1][1]
        said_of = "; ".join(r[4] for r in rows)
        assert "Lance-Adams syndrome" in said_of and "Acute post-hypoxic myoclonus" in said_of
        piracetam = next(r for r in rows if r[0] == "piracetam")
        assert piracetam[2].startswith("8-24 g/day · adjunct, Post-hypoxic myoclonus")
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            table.sortByColumn(0, order)
            assert _table_rows(table)[-1][0] == "phenytoin"


def test_ctrl_click_combines_classes(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        _click_class(qtbot, app, "Cortical")
        rows = _table_rows(_click_class(qtbot, app, "Reticular reflex myoclonus", Qt.KeyboardModifier.ControlModifier))
        said_of = "; ".join(r[4] for r in rows)
        assert "Cortical" in said_of and "Reticular reflex myoclonus" in said_of


def test_double_click_opens_the_drug_page(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        table = _click_class(qtbot, app, "Cortical")
        model = table.model()
        row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "perampanel")
        rect = table.visualRect(model.index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        with page_shown(qtbot, app, "drug:perampanel"):
            qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        text = article_text(app)
        assert text.startswith("perampanel") and "4-12 mg/day" in text
        assert "Used for" in text and "Chronic post-hypoxic myoclonus" in text


# -- content that cannot be used --------------------------------------------------------------


def test_broken_content_file_falls_back_to_bundled_with_a_notice(
    qtbot: QtBot, built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    monkeypatch.setattr("db.library.locate.default_database", lambda: built_db)
    with running(qtbot, broken) as app:
        assert window(app).isVisible()
        notice = window(app).findChild(QMessageBox, "startupNotice")
        assert notice is not None and str(broken) in notice.text() and "bundled content" in notice.text()
        notice.accept()


def test_no_usable_content_shows_what_is_wrong(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from db.errors import LibraryError

    missing = tmp_path / "gone.db"

    def nothing(_db: object, **_options: object) -> object:
        raise LibraryError(missing, "the content file does not exist", "Reinstall ClinRef.")

    monkeypatch.setattr(desktop.startup, "open_content", nothing)
    startup = Startup(None)
    assert startup.begin() == EXIT_UNUSABLE
    box = startup.error_box
    assert box is not None and box.isVisible()
    qtbot.addWidget(box)
    assert str(missing) in box.text() and "does not exist" in box.text() and "Reinstall" in box.text()
    assert startup.window is None and startup.dialog is None
    with qtbot.waitSignal(startup.finished):
        box.close()


def test_self_test_passes_on_good_content(built_db: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--self-test", "--db", str(built_db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "self-test passed" in out.stdout


def test_self_test_fails_on_a_foreign_file(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--self-test", "--db", str(other)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert str(other) in out.stderr and "not ClinRef content" in out.stderr


def test_version(built_db: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--version", "--db", str(built_db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "ClinRef 0.1.0" in out.stdout and "content 2025.04.18-3" in out.stdout


def test_a_dose_is_never_shown_beside_citations_that_do_not_give_it(qtbot: QtBot, built_db: Path) -> None:
    """Piracetam's 8-24 g/day is stated for post-hypoxic myoclonus, cited 1; its cortical row cites others.

    In Cortical the dose cell carries the use and citation of the dose itself, apart from the row's sources.
    """
    with running(qtbot, built_db) as app:
        rows = _table_rows(_click_class(qtbot, app, "Cortical"))
        piracetam = next(r for r in rows if r[0] == "piracetam")
        assert piracetam[2] == (
            "8-24 g/day · at higher doses, as part of a combination for post-hypoxic myoclonus · "
            "Treatment options for myoclonus [1]"
        )
        assert "[4, 5, 3, 6, 7]" in piracetam[5] and "[1]" not in piracetam[5]
        open_page(qtbot, app, "drug:piracetam")
        text = article_text(app)
        assert "8-24 g/day" in text and "at higher doses, as part of a combination for post-hypoxic myoclonus" in text


def test_a_bookmark_whose_page_is_gone_can_be_removed(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        app.userdata.add_bookmark("drug:levetiracetam", "levetiracetam")
        app.userdata.add_bookmark("drug:withdrawn", "a drug a content update removed")
        open_page(qtbot, app, "drug:withdrawn")
        assert article_text(app).startswith("Not found")
        qtbot.keyClick(window(app), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        assert [b.url for b in app.userdata.bookmarks()] == ["drug:levetiracetam"]
        assert "drug:withdrawn" not in [v.url for v in app.userdata.recent()]


def test_enter_for_earlier_text_does_not_open_a_later_search(qtbot: QtBot, built_db: Path) -> None:
    opened: list[str] = []
    with running(qtbot, built_db) as app:
        sidebar = window(app).sidebar
        sidebar.open_requested.connect(opened.append)
        box = search_box(app)
        box.setFocus()
        qtbot.keyClicks(box, "keppra")
        qtbot.keyClick(box, Qt.Key.Key_Escape)  # before the results arrive
        type_search(qtbot, app, "clonaz")
        assert opened == []


def test_a_double_click_opens_a_page_once(qtbot: QtBot, built_db: Path) -> None:
    changes: list[object] = []
    with running(qtbot, built_db) as app:
        window(app).reader.page_changed.connect(changes.append)
        table = _click_class(qtbot, app, "Cortical")
        rect = table.visualRect(table.model().index(0, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        with page_shown(qtbot, app):
            qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window(app).queries.wait()  # anything else asked for is in...
        QApplication.processEvents()  # ...and delivered
        assert len(changes) == 1


def test_content_that_breaks_while_open_shows_what_is_wrong(
    qtbot: QtBot, built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.errors import LibraryError

    with running(qtbot, built_db) as app:

        def broken(_slug: str) -> object:
            raise LibraryError(built_db, "the content file is damaged (database disk image is malformed)", "Reinstall.")

        monkeypatch.setattr(app.library, "treatment", broken)
        open_page(qtbot, app, "drug:clonazepam")
        text = article_text(app)
        assert text.startswith("The content cannot be read") and str(built_db) in text and "malformed" in text
        assert window(app).isVisible()


def test_printing_uses_light_colours_on_a_dark_theme(qtbot: QtBot, built_db: Path) -> None:
    from PySide6.QtGui import QColor, QPalette

    with running(qtbot, built_db) as app:
        dark = QPalette()
        dark.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
        dark.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
        view = child(window(app), QTextBrowser, "articleView")
        view.setPalette(dark)
        open_page(qtbot, app, "drug:piracetam")
        assert "#1e3a5f" in view.document().defaultStyleSheet()  # the screen follows the dark theme
        printable = window(app).reader.printable_document()
        assert "#1e3a5f" not in printable.defaultStyleSheet() and "#e8f0fe" in printable.defaultStyleSheet()
        assert "8-24 g/day" in printable.toPlainText()
