"""Reading on a night shift: forgiving search, citations that keep your place, bookmarks at hand.

Driven as a person drives it: keys typed into the focused widget, clicks on what is drawn.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QLabel, QTableView, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop.article_view import ArticleView
from desktop.startup import Startup
from tests.desktop_helpers import article_text, open_page, page_shown, press, running, search_box, type_search, window
from tests.ui import child

pytestmark = pytest.mark.usefixtures("profile")

ARTICLE = "article:post-hypoxic-myoclonus-treatment"


def article_view(app: Startup) -> ArticleView:
    return child(window(app), ArticleView, "articleView")


def citation_point(view: ArticleView, number: int, occurrence: int = 0) -> QPoint:
    """Where a citation link is drawn in the viewport (scrolled into view first)."""
    found = 0
    block = view.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().anchorHref() == f"#ref-{number}":
                if found == occurrence:
                    cursor = QTextCursor(view.document())
                    cursor.setPosition(fragment.position() + fragment.length() // 2)
                    view.setTextCursor(cursor)
                    view.ensureCursorVisible()
                    return view.cursorRect(cursor).center()
                found += 1
            iterator += 1
        block = block.next()
    raise AssertionError(f"no citation {number}")


# -- search as clinicians type ----------------------------------------------------------------


def test_propofol_dose_enter_opens_propofol_at_its_dose(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        assert search_box(app).hasFocus()  # at start-up: typing goes straight to search
        view = type_search(qtbot, app, "propofol dose")
        assert view.model().index(0, 0).data() == "propofol"
        with page_shown(qtbot, app, "drug:propofol#dose"):
            press(qtbot, Qt.Key.Key_Return)
        assert article_text(app).startswith("propofol")
        assert window(app).reader.current_url == "drug:propofol#dose"
        article = article_view(app)
        caret = article.cursorRect()
        assert 0 <= caret.top() < article.viewport().height()  # the caret is at the dose row, in view
        assert article.textCursor().block().text().startswith("Dose range")


def test_a_page_opened_at_its_dose_keeps_the_drug_name_in_view(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        window(app).resize(900, 420)
        open_page(qtbot, app, "drug:levetiracetam#dose")
        view = article_view(app)
        assert view.cursorRect().bottom() < view.viewport().height()
        name = QTextCursor(view.document())  # the page's first line: the drug's name
        assert view.cursorRect(name).bottom() > 0 or view.verticalScrollBar().value() == 0


def test_keppra_dose_lists_levetiracetam_first(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = type_search(qtbot, app, "keppra dose")
        assert view.model().index(0, 0).data() == "levetiracetam"


def test_four_keystrokes_from_a_fresh_window(qtbot: QtBot, built_db: Path) -> None:
    """The README's count: k, e, p, Enter (the search box has focus at start-up)."""
    with running(qtbot, built_db) as app:
        focus = QApplication.focusWidget()
        assert focus is search_box(app)
        qtbot.keyClicks(focus, "kep")
        qtbot.keyClick(focus, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: article_text(app).startswith("levetiracetam"), timeout=5000)


def test_a_corrected_name_is_offered_never_opened_by_enter(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        sidebar = window(app).sidebar
        before = article_text(app)
        with qtbot.waitSignal(sidebar.announcer.announced) as spoken:
            type_search(qtbot, app, "levitiracetam")
        assert "Did you mean levetiracetam" in spoken.args[0]
        press(qtbot, Qt.Key.Key_Return)
        assert article_text(app) == before  # Enter alone does not open a guess
        press(qtbot, Qt.Key.Key_Down)  # the person chooses it
        with page_shown(qtbot, app):
            press(qtbot, Qt.Key.Key_Return)
        assert article_text(app).startswith("levetiracetam")


def test_results_and_the_chosen_one_are_announced(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        sidebar = window(app).sidebar
        with qtbot.waitSignal(sidebar.announcer.announced) as spoken:
            type_search(qtbot, app, "clonazepam")
        assert spoken.args[0].startswith(f"{sidebar.results.rowCount()} results. First: clonazepam")
        with qtbot.waitSignal(sidebar.announcer.announced) as chosen:
            press(qtbot, Qt.Key.Key_Down)
        assert chosen.args[0].endswith(f"2 of {sidebar.results.rowCount()}")
        reader = window(app).reader
        with qtbot.waitSignal(reader.announcer.announced, timeout=30000) as opened:
            press(qtbot, Qt.Key.Key_Return)
        assert opened.args[0].startswith("Opened ")


# -- pages arrive off the GUI thread; the newest one asked for wins ---------------------------


HOME = "article:myoclonus-treatment-options"


def test_only_the_page_asked_for_last_is_shown_and_remembered(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        reader = main.reader
        assert reader.current_url == HOME
        shown: list[str] = []
        reader.page_changed.connect(lambda page: shown.append(page.url))
        # Two clicks before the first page arrives (its answer can only come through the event loop).
        main.open_url("drug:clonazepam")
        with page_shown(qtbot, app, "drug:levetiracetam"):
            main.open_url("drug:levetiracetam")
        assert main.queries.wait()  # clonazepam's answer is in too by now...
        QApplication.processEvents()  # ...and delivered: it is dropped
        assert shown == ["drug:levetiracetam"]
        assert article_text(app).startswith("levetiracetam")
        assert main.windowTitle().startswith("levetiracetam")
        recent = [url for url, _title in main.bookmarks.recent_entries()]
        assert "drug:levetiracetam" in recent and "drug:clonazepam" not in recent
        with page_shown(qtbot, app, HOME):  # Back skips the page never shown
            qtbot.keyClick(main, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert not reader.can_go_back()


def test_back_pressed_twice_before_a_page_arrives_goes_two_steps(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        open_page(qtbot, app, "drug:clonazepam")
        open_page(qtbot, app, "drug:levetiracetam")
        with page_shown(qtbot, app, HOME):
            qtbot.keyClick(main, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
            qtbot.keyClick(main, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert article_text(app).startswith("What are the treatment options")
        with page_shown(qtbot, app, "drug:clonazepam"):
            qtbot.keyClick(main, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        assert article_text(app).startswith("clonazepam")


def test_a_missing_page_says_so_in_the_page_and_the_status_bar(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, "drug:no-such-drug")
        assert article_text(app).startswith("Not found")
        assert "No page drug:no-such-drug in this content" in window(app).statusBar().currentMessage()


# -- citations keep your place ---------------------------------------------------------------


def test_citation_click_then_back_restores_the_place(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        window(app).resize(1000, 600)
        open_page(qtbot, app, ARTICLE)
        view = article_view(app)
        point = citation_point(view, 2)
        place = view.verticalScrollBar().value()
        assert place > 0
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert window(app).reader.current_url == f"{ARTICLE}#ref-2"
        assert view.verticalScrollBar().value() != place
        assert view.target_text().startswith("[2] Myoclonus.")  # the reference is highlighted
        bar = child(window(app), QLabel, "citationTarget")
        assert bar.isVisible() and "Current opinion in neurology" in bar.text()
        qtbot.keyClick(window(app), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert window(app).reader.current_url == ARTICLE
        assert view.verticalScrollBar().value() == place
        assert not bar.isVisible()
        qtbot.keyClick(window(app), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        assert view.target_text().startswith("[2]")


def test_back_to_text_button_returns_to_the_sentence(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        window(app).resize(1000, 600)
        open_page(qtbot, app, ARTICLE)
        view = article_view(app)
        point = citation_point(view, 4)
        place = view.verticalScrollBar().value()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
        reader = window(app).reader
        assert "Cited in the source but not in its reference list" in reader.back_to_text.label.text()
        qtbot.mouseClick(reader.back_to_text.button, Qt.MouseButton.LeftButton)
        assert view.verticalScrollBar().value() == place


def test_back_and_forward_restore_every_pages_scroll(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        window(app).resize(1000, 500)
        view = article_view(app)
        view.verticalScrollBar().setValue(300)
        open_page(qtbot, app, "drug:clonazepam")
        assert view.verticalScrollBar().value() == 0
        view.verticalScrollBar().setValue(120)
        with page_shown(qtbot, app):
            qtbot.keyClick(window(app), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert view.verticalScrollBar().value() == 300
        with page_shown(qtbot, app, "drug:clonazepam"):
            qtbot.keyClick(window(app), Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        assert article_text(app).startswith("clonazepam") and view.verticalScrollBar().value() == 120


def test_hovering_a_citation_shows_its_reference(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, ARTICLE)
        view = article_view(app)
        assert view.tooltip_at(citation_point(view, 3)) == (
            "[3] Treatment of myoclonus. Neurotherapeutics : the journal of the American Society for "
            "Experimental NeuroTherapeutics. 2014."
        )
        assert (
            view.tooltip_at(citation_point(view, 5)) == "[5] Cited in the source but not listed in its reference list."
        )


def test_citation_targets_are_at_least_a_word_wide(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, ARTICLE)
        view = article_view(app)
        text = view.document().toPlainText()
        word = text.index("setting")  # "... shown to work in this setting [1]."
        cursor = QTextCursor(view.document())
        cursor.setPosition(word)
        left = view.cursorRect(cursor).left()
        cursor.setPosition(word + len("this"))
        word_width = view.cursorRect(cursor).left() - left
        link = text.index("[1]", word)
        cursor.setPosition(link - 1)
        start = view.cursorRect(cursor).left()
        cursor.setPosition(link + len("[1]") + 1)
        assert view.cursorRect(cursor).left() - start >= word_width


# -- notes on the source ---------------------------------------------------------------------


def test_source_notes_are_behind_a_disclosure(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, ARTICLE)
        text = article_text(app)
        assert "Notes on the source (" in text
        assert "bare '152'" not in text and "Taken from" not in text
        assert "does not answer this question" not in text
        assert "Cited in the source but not in its reference list" in text  # clinical: stays in view
        with page_shown(qtbot, app):  # the article again, its notes open
            qtbot.keyClick(
                window(app), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
            )
        text = article_text(app)
        assert "bare '152'" in text and "Taken from: Export 002" in text
        assert "From the drug label: The FDA drug label does not answer this question." in text
        printed = window(app).reader.printable_document().toPlainText()
        assert "bare '152'" in printed
        view = article_view(app)
        with page_shown(qtbot, app):
            view.anchorClicked.emit(QUrl("notes:hide"))  # the disclosure's link, as a click on it sends
        assert "bare '152'" not in article_text(app)


# -- zoom ------------------------------------------------------------------------------------


def test_zoom_changes_the_tables_font(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        table = child(window(app), QTableView, "drugTable")
        results = child(window(app), QTextBrowser, "articleView")
        size = table.font().pointSizeF()
        qtbot.keyClick(window(app), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert table.font().pointSizeF() == size + 1
        assert search_box(app).font().pointSizeF() == size + 1
        assert results.document().defaultFont().pointSizeF() > size


def test_a_page_is_laid_out_at_the_width_it_is_shown_at(qtbot: QtBot) -> None:
    """The scroll bar is kept while a page is laid out (ArticleView._set_html): a long page has
    it, a short page shown after a long one loses it, and either fills the width left to it."""
    view = ArticleView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    long_page, short_page = "<p>words and words</p>" * 200, "<p>A short page.</p>"
    for html, scrolls in ((long_page, True), (short_page, False), (long_page, True), (long_page, True)):
        view.show_html(html)
        view.document().size()
        assert view.verticalScrollBar().isVisible() == scrolls
        assert view.document().textWidth() == view.viewport().width()
