"""The Treatments tab driven as a clinician drives it: pick a class, read the rows, print, export, bookmark."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFileDialog, QTableView, QTextBrowser, QTreeView
from pytestqt.qtbot import QtBot

from db.library import Library
from desktop.roles import URL_ROLE
from desktop.startup import Startup
from desktop.treatment_table import COLUMNS, DOSE_COLUMN, contrast_ratio, fit_lines
from tests.desktop_helpers import article_text, open_page, running, window
from tests.ui import child
from tools.palettes import dark_palette

DOSE_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*-\s*\d+(?:\.\d+)?\s*(?:mg|g|mcg|IU|units)/")
CITED = re.compile(r"\[\d+(?:, \d+)*\]|uncited in source")
LABELS = [c.label for c in COLUMNS]

pytestmark = pytest.mark.usefixtures("profile")  # a throwaway profile for every test: bookmarks start empty


def _table(app: Startup) -> QTableView:
    table = window(app).findChild(QTableView, "drugTable")
    assert table is not None
    return table


def _rows(app: Startup) -> list[dict[str, str]]:
    model = _table(app).model()
    return [
        {LABELS[c]: str(model.index(r, c).data()) for c in range(model.columnCount())} for r in range(model.rowCount())
    ]


def _class_names(app: Startup) -> list[str]:
    """Every class in the filter, as a person reads them down the list."""
    classes = child(window(app), QAbstractItemView, "classFilter")
    model = classes.model()
    names = []

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if str(index.data(URL_ROLE) or "").startswith("class:"):
                names.append(str(index.data()))
            walk(index)

    walk(QModelIndex())
    return names


def _pick(
    qtbot: QtBot, app: Startup, name: str, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> list[dict[str, str]]:
    qtbot.keyClick(window(app), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    classes = child(window(app), QAbstractItemView, "classFilter")
    model = classes.model()
    found = model.match(
        model.index(0, 0), Qt.ItemDataRole.DisplayRole, name, 1, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    )
    assert found, name
    classes.scrollTo(found[0])
    panel = window(app).treatments
    # The view is read off the GUI thread; a loaded CI machine may take seconds (no timing is asserted).
    with qtbot.waitSignal(panel.view_changed, timeout=30000):
        qtbot.mouseClick(classes.viewport(), Qt.MouseButton.LeftButton, modifier, classes.visualRect(found[0]).center())
    assert _table(app).isVisible()
    return _rows(app)


def test_acute_post_hypoxic_shows_the_phenytoin_warning_last_and_inherited(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        rows = _pick(qtbot, app, "Acute post-hypoxic myoclonus")
        last = rows[-1]
        assert last["Treatment"] == "phenytoin" and "reported ineffective" in last["Role"]
        assert last["Said of"] == "said of Post-hypoxic myoclonus"
        assert last["Dose (use · source)"] == "no dose in the sources"
        assert "guideline" in last["Evidence"] and "often" in last["Evidence"]
        assert sum("reported ineffective" in r["Role"] for r in rows) == 1
        for column in range(len(COLUMNS)):
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                _table(app).sortByColumn(column, order)
                assert _rows(app)[-1]["Treatment"] == "phenytoin", (column, order)


def test_lance_adams_shows_the_phenytoin_warning_too(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        rows = _pick(qtbot, app, "Lance-Adams syndrome")
        assert rows[-1]["Treatment"] == "phenytoin" and rows[-1]["Said of"] == "said of Post-hypoxic myoclonus"
        valproate = next(r for r in rows if r["Treatment"] == "valproic acid")
        assert "Lance-Adams syndrome" in valproate["Said of"]


def test_cortical_levetiracetam_dose_says_its_use_and_that_it_is_uncited(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        rows = _pick(qtbot, app, "Cortical")
        levetiracetam = next(r for r in rows if r["Treatment"] == "levetiracetam")
        dose = levetiracetam["Dose (use · source)"]
        assert dose.startswith("500-3000 mg/day")
        assert "first-line, Myoclonus (any type)" in dose and "uncited in source" in dose
        assert levetiracetam["Role"] == "first-line"
        # The pane below reads every entry in full, with the other roles it has.
        detail = child(window(app), QTextBrowser, "treatmentDetail")
        table = _table(app)
        row = next(i for i in range(table.model().rowCount()) if table.model().index(i, 0).data() == "levetiracetam")
        qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(table.model().index(row, 0)).center()
        )
        text = detail.toPlainText()
        assert "mainstay" in text and "Named among the most effective drugs for cortical myoclonus" in text


def test_every_class_lists_each_treatment_once_and_every_dose_with_use_and_source(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        names = _class_names(app)
        assert len(names) == len(app.library.classes())
        for name in names:
            rows = _pick(qtbot, app, name)
            assert rows, name
            treatments = [r["Treatment"] for r in rows]
            assert len(treatments) == len(set(treatments)), name
            for row in rows:
                dose = row["Dose (use · source)"]
                assert "\u2014" not in dose and dose.strip(), (name, row)
                if DOSE_NUMBER.search(dose):
                    _number, use, source = dose.split(" · ")
                    assert use and CITED.search(source), (name, row)
                else:
                    assert dose == "no dose in the sources", (name, row)
            flags = ["reported ineffective" in r["Role"] for r in rows]
            assert flags == sorted(flags), name


def test_ctrl_e_on_the_treatments_tab_exports_the_table(
    qtbot: QtBot, built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "handover.pdf"
    asked: list[str] = []

    def save_as(_parent: object, _caption: str, proposed: str, _filter: str) -> tuple[str, str]:
        asked.append(proposed)
        return str(out), "PDF (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    with running(qtbot, built_db) as app:
        _pick(qtbot, app, "Acute post-hypoxic myoclonus")
        qtbot.keyClick(window(app), Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
        assert asked and asked[0].endswith("classes-post-hypoxic-acute.pdf")
        pdf = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True)
    text = " ".join(unicodedata.normalize("NFKC", pdf.stdout).split())  # NFKC: the PDF's "ﬁ" ligatures
    assert text.startswith("Treatments for Acute post-hypoxic myoclonus")
    for words in ("propofol", "phenytoin", "reported ineffective", "no dose in the sources", "Evidence", "Said of"):
        assert words in text, words
    assert "said of Post-hypoxic" in text and "first-line, Myoclonus (any" in text
    assert "ClinRef content 2025.04.18-3" in text and "page 1 of" in text
    # The article last read on the Reading tab is not what was exported.
    assert "What are the treatment options" not in text and "TELSTAR" not in text


def test_ctrl_d_bookmarks_the_class_view_and_reopening_restores_it(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        _pick(qtbot, app, "Cortical")
        _pick(qtbot, app, "Reticular reflex myoclonus", Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window(app), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        bookmarks = app.userdata.bookmarks()
        assert [(b.url, b.title) for b in bookmarks] == [
            ("classes:cortical,reticular-reflex", "Treatments: Cortical, Reticular reflex myoclonus")
        ]
        assert window(app).act_bookmark.isChecked()
        # The drug page last read was not bookmarked.
        assert not app.userdata.is_bookmarked("article:myoclonus-treatment-options")
    with running(qtbot, built_db) as again:
        tree = child(window(again), QTreeView, "topicTree")
        model = tree.model()
        group = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, "Bookmarks", 1, Qt.MatchFlag.MatchExactly)[
            0
        ]
        entry = model.index(0, 0, group)
        assert entry.data() == "Treatments: Cortical, Reticular reflex myoclonus"
        tree.expand(group)
        tree.scrollTo(entry)
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(entry).center())
        qtbot.waitUntil(lambda: _table(again).isVisible())
        panel = window(again).treatments
        assert sorted(panel.class_filter.selected_slugs()) == ["cortical", "reticular-reflex"]
        qtbot.waitUntil(lambda: panel.class_view.class_slugs == ("cortical", "reticular-reflex"))
        said_of = "; ".join(r["Said of"] for r in _rows(again))
        assert "Cortical" in said_of and "Reticular reflex myoclonus" in said_of
        assert window(again).act_bookmark.isChecked()


def test_on_the_reading_tab_ctrl_d_still_bookmarks_the_page(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        _pick(qtbot, app, "Cortical")
        open_page(qtbot, app, "drug:zonisamide")
        qtbot.keyClick(window(app), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        assert [b.url for b in app.userdata.bookmarks()] == ["drug:zonisamide"]


def _light() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f0f0f0"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#000000"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#a0a0a0"))  # too faint on its own: 2.6:1
    return palette


@pytest.mark.parametrize("palette", [_light, dark_palette], ids=["light", "dark"])
def test_warning_and_no_dose_cells_reach_4_5_to_1_in_light_and_dark(
    qtbot: QtBot, built_db: Path, palette: Callable[[], QPalette]
) -> None:
    with running(qtbot, built_db) as app:
        panel = window(app).treatments
        chosen = palette()
        panel.setPalette(chosen)
        _pick(qtbot, app, "Acute post-hypoxic myoclonus")
        model = _table(app).model()
        backgrounds = [chosen.color(QPalette.ColorRole.Base), chosen.color(QPalette.ColorRole.AlternateBase)]
        seen = {"warning": 0, "no dose": 0}
        for row in range(model.rowCount()):
            warning = "reported ineffective" in str(model.index(row, 1).data())
            for column in range(model.columnCount()):
                no_dose = column == DOSE_COLUMN and model.index(row, column).data() == "no dose in the sources"
                brush = model.index(row, column).data(Qt.ItemDataRole.ForegroundRole)
                if warning or no_dose:
                    assert brush is not None, (row, column)
                    seen["warning" if warning else "no dose"] += 1
                    for back in backgrounds:
                        assert contrast_ratio(brush.color(), back) >= 4.5, (row, column, brush.color().name())
        assert seen["warning"] and seen["no dose"]


def test_contrast_ratio_is_the_wcag_formula() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("size", [(1024, 768), (800, 600)])
def test_the_table_fits_its_width_without_horizontal_scrolling(
    qtbot: QtBot, built_db: Path, size: tuple[int, int]
) -> None:
    with running(qtbot, built_db) as app:
        window(app).resize(*size)
        rows = _pick(qtbot, app, "Post-hypoxic myoclonus")
        assert rows
        table = _table(app)
        # The sidebar gives way to the class filter once the tab's layout has settled.
        qtbot.waitUntil(lambda: window(app).splitter.sizes()[0] == 0)
        header = table.horizontalHeader()
        widths = [header.sectionSize(c) for c in range(header.count())]
        assert sum(widths) <= table.viewport().width()
        assert table.horizontalScrollBar().maximum() == 0
        for column in range(4):  # treatment, role, dose, evidence: visible, and wide enough to read a word
            assert not header.isSectionHidden(column) and widths[column] >= 60, (column, widths)
        # A wrapped cell is laid out on as many lines as it needs: its row is taller than one line.
        dose_row = next(i for i, r in enumerate(rows) if r["Dose (use · source)"].startswith("8-24 g/day"))
        assert table.rowHeight(dose_row) > table.fontMetrics().height() * 1.5


def test_class_page_shows_inherited_rows_and_dose_provenance(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, "class:post-hypoxic-acute")
        text = article_text(app)
        assert "phenytoin" in text and "said of Post-hypoxic myoclonus" in text
        assert text.index("phenytoin") > text.index("propofol")
        assert "500-3000 mg/day" in text and "\u2014" not in text.split("Treatments", 1)[1]


def test_every_class_name_in_the_filter_has_a_tooltip(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        classes = child(window(app), QAbstractItemView, "classFilter")
        model = classes.model()
        found = 0
        for name in _class_names(app):
            index = model.match(
                model.index(0, 0),
                Qt.ItemDataRole.DisplayRole,
                name,
                1,
                Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
            )[0]
            assert index.data(Qt.ItemDataRole.ToolTipRole) == name
            found += 1
        assert found == len(app.library.classes())


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=300), width=st.integers(min_value=20, max_value=400), lines=st.integers(1, 6))
def test_a_capped_cell_never_shows_more_lines_or_wider_text_than_it_has(
    qapp: object, text: str, width: int, lines: int
) -> None:
    from PySide6.QtGui import QFont, QFontMetricsF

    font = QFont()
    metrics = QFontMetricsF(font)
    height = metrics.height() + (lines - 1) * metrics.lineSpacing()
    shown = fit_lines(text, font, width, height)
    rows = shown.split("\n")
    assert len(rows) <= lines
    if all(ord(c) < 0x250 for c in text):  # glyphs of the cell's own font (others come from fallback fonts)
        for row in rows:
            # A word longer than the cell is broken anywhere; no line runs past the cell by more than a glyph.
            assert metrics.horizontalAdvance(row) <= width + metrics.maxWidth()
    if "\u2026" not in shown:
        visible = [c for c in text if c.isprintable() and not c.isspace()]  # control characters show nothing
        assert [c for c in shown if c.isprintable() and not c.isspace()] == visible  # nothing dropped that fits


def test_ctrl_p_on_the_treatments_tab_prints_the_table(
    qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QTextDocument

    import desktop.printing
    from desktop.printing import PrintFooter

    printed: list[tuple[str, PrintFooter]] = []

    def print_document(document: QTextDocument, _parent: object, footer: PrintFooter) -> bool:
        printed.append((document.toPlainText(), footer))  # what the printer dialog would be given
        return True

    monkeypatch.setattr(desktop.printing, "print_document", print_document)
    with running(qtbot, built_db) as app:
        _pick(qtbot, app, "Cortical")
        qtbot.keyClick(window(app), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window(app), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window(app), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    (table, table_footer), (article, article_footer) = printed
    assert table.startswith("Treatments for Cortical") and "500-3000 mg/day" in table
    assert table_footer.title == "Treatments: Cortical" and table_footer.page_date == "18 Apr 2025"
    assert table_footer.content_version == "2025.04.18-3" and "Verify" in table_footer.notice
    assert article.startswith("What are the treatment options") and article_footer.title != table_footer.title


def test_content_that_breaks_while_the_tab_is_open_says_so_instead_of_a_stale_table(
    qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.errors import LibraryError

    with running(qtbot, built_db) as app:
        assert _pick(qtbot, app, "Cortical")

        def broken(_slugs: object) -> object:
            raise LibraryError(built_db, "the content file is damaged (database disk image is malformed)", "Reinstall.")

        monkeypatch.setattr(app.library, "class_view", broken)
        assert _pick(qtbot, app, "Segmental") == []
        caption = window(app).treatments.caption.text()
        assert "cannot be read" in caption and str(built_db) in caption and "malformed" in caption
        assert window(app).isVisible()


def test_only_the_newest_class_view_reaches_the_table(qtbot: QtBot, library: Library) -> None:
    from desktop.class_view_runner import ClassViewRunner
    from desktop.queries import Queries

    runner = ClassViewRunner(Queries(library))
    seen: list[tuple[str, ...]] = []
    runner.ready.connect(lambda view: seen.append(view.class_slugs))
    with qtbot.waitSignal(runner.ready, timeout=5000):
        runner.request(["cortical"])
        runner.request(["segmental"])  # chosen before the first answer arrived
    runner.wait()  # both jobs done: any answer of theirs is now queued in this thread
    QApplication.processEvents()  # deliver it, to see the stale one dropped
    runner.shutdown()
    assert seen == [("segmental",)]
