"""What a screen reader gets: names, the caret, the Tab order, announcements, the list of links.

Checked through Qt's accessibility interfaces (QAccessible), the ones Qt's AT-SPI and UI
Automation bridges read from, and by keyboard as a person without a mouse drives the app.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QLineEdit,
    QListWidget,
    QTabBar,
    QTextBrowser,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.focus import contrast, ring_colour
from desktop.startup import Startup
from tests.desktop_helpers import article_text, open_page, page_shown, press, running, search_box, type_search, window
from tests.ui import child

pytestmark = pytest.mark.usefixtures("profile")


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return interface.text(QAccessible.Text.Name)


def test_panes_and_controls_have_names(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        main.open_find()
        assert accessible_name(child(main, QTextBrowser, "articleView")) == "Article"
        assert accessible_name(child(main, QTextBrowser, "treatmentDetail"))
        assert accessible_name(child(main, QLineEdit, "findField")) == "Find:"
        names = {b.objectName(): accessible_name(b) for b in main.findChildren(QAbstractButton) if b.objectName()}
        assert names["findPrevious"] == "Previous match"
        assert names["findNext"] == "Next match"
        assert names["findClose"] == "Close find"
        unnamed = [
            w.objectName() or type(w).__name__
            for w in main.findChildren(QWidget)
            if isinstance(w, (QAbstractButton, QLineEdit)) and w.isVisible() and not accessible_name(w).strip()
        ]
        assert unnamed == []


def test_article_reads_line_by_line_with_the_caret(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = child(window(app), QTextBrowser, "articleView")
        view.setFocus()
        assert view.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard
        start = view.textCursor().position()
        qtbot.keyClick(view, Qt.Key.Key_Down)
        qtbot.keyClick(view, Qt.Key.Key_Down)
        moved = view.textCursor().position()
        assert moved > start
        text = QAccessible.queryAccessibleInterface(view).textInterface()
        assert text is not None and text.cursorPosition() == moved  # what the screen reader is told
        assert text.text(0, text.characterCount()).startswith("What are the treatment options")


def test_enter_on_a_link_under_the_caret_follows_it(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        open_page(qtbot, app, "article:post-hypoxic-myoclonus-treatment")
        view = child(window(app), QTextBrowser, "articleView")
        view.setFocus()
        cursor = QTextCursor(view.document())
        cursor.setPosition(view.document().toPlainText().index("propofol to suppress") + 2)
        view.setTextCursor(cursor)
        assert view.textCursor().charFormat().fontUnderline()  # links are underlined, not colour alone
        with page_shown(qtbot, app, "drug:propofol"):
            qtbot.keyClick(view, Qt.Key.Key_Return)
        assert article_text(app).startswith("propofol")


def test_tab_bar_comes_before_its_page_and_one_tab_leaves_the_article(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        order: list[QWidget] = []
        search_box(app).setFocus()
        for _ in range(12):
            focus = QApplication.focusWidget()
            assert focus is not None
            order.append(focus)
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
        article = child(main, QTextBrowser, "articleView")
        tab_bar = child(main, QTabBar)
        assert tab_bar in order and article in order
        assert order.index(tab_bar) < order.index(article)
        after = order[order.index(article) + 1]
        assert after is not article  # one Tab, out of the ~80 links


def test_contents_and_links_list_follows_a_link(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        open_page(qtbot, app, "article:post-hypoxic-myoclonus-treatment")
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        dialog = main.findChild(QDialog, "pageOutline")
        assert dialog is not None and dialog.isVisible()
        qtbot.waitUntil(dialog.isActiveWindow)
        listing = child(dialog, QListWidget, "outlineList")
        assert accessible_name(listing) == "Contents and links of this page"
        labels = [listing.item(r).text() for r in range(listing.count())]
        assert "Heading 2: From the guidelines" in [label.strip() for label in labels]
        assert any(label.startswith("Citation [4] Cited in the source but not listed") for label in labels)
        assert any(label.startswith("Link: Notes on the source") for label in labels)
        qtbot.keyClicks(child(dialog, QLineEdit, "outlineFilter"), "link: propofol")
        assert listing.currentItem().text() == "Link: propofol (treatment page)"
        with page_shown(qtbot, app, "drug:propofol"):
            press(qtbot, Qt.Key.Key_Return)
        assert article_text(app).startswith("propofol")
        outline = main.findChild(QDialog, "pageOutline")
        assert outline is None or not outline.isVisible()  # closed (and deleted once closed)
        qtbot.waitUntil(main.isActiveWindow)  # keys go to the window again
        assert QApplication.focusWidget() is child(main, QTextBrowser, "articleView")


def test_bookmarks_menu_lists_a_new_bookmark_and_opens_it(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        open_page(qtbot, app, "drug:perampanel")
        qtbot.keyClick(main, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        open_page(qtbot, app, "class:cortical")
        menu = main.bookmarks_menu
        menu.aboutToShow.emit()
        texts = [a.text() for a in menu.actions()]
        assert "perampanel" in texts
        recent = [a.text() for a in menu.recent_menu.actions()]
        assert recent[:2] == ["Cortical", "perampanel"]
        with page_shown(qtbot, app, "drug:perampanel"):
            next(a for a in menu.actions() if a.text() == "perampanel").trigger()
        assert article_text(app).startswith("perampanel")
        model = child(main, QAbstractItemView, "topicTree").model()
        assert model.index(0, 0).data() == "Bookmarks"  # at the top of the sidebar
        assert model.index(0, 0, model.index(0, 0)).data() == "perampanel"


def test_find_count_is_announced(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        qtbot.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        bar = main.reader.find_bar
        with qtbot.waitSignal(bar.announcer.announced) as spoken:
            qtbot.keyClicks(bar.field, "levetiracetam")
        assert spoken.args[0].startswith("1 of ")


def test_focus_ring_on_the_results_list_meets_3_to_1(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        results = type_search(qtbot, app, "clonazepam")
        results.setFocus()
        ring = window(app).focus_ring
        assert ring.target is results
        pane = QAccessible.queryAccessibleInterface(results)
        children = [pane.child(i).object() for i in range(pane.childCount())]
        assert ring not in children  # nothing unnamed for a screen reader inside the pane
        palette = results.palette()
        assert contrast(ring_colour(palette), palette.color(palette.ColorRole.Base)) >= 3.0
        results.clearFocus()
        article: QWidget = child(window(app), QTextBrowser, "articleView")
        article.setFocus()
        assert ring.target is article


# -- the disclaimer --------------------------------------------------------------------------


def test_disclaimer_enter_in_its_text_does_not_accept(qtbot: QtBot, built_db: Path) -> None:
    startup = Startup(built_db)
    assert startup.begin() is None
    dialog = startup.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    focus = QApplication.focusWidget()
    assert focus is child(dialog, QTextBrowser, "disclaimerText")
    assert accessible_name(focus) == "Before you use ClinRef"
    qtbot.keyClick(focus, Qt.Key.Key_Return)
    qtbot.keyClick(focus, Qt.Key.Key_Enter)
    assert dialog.isVisible() and startup.window is None
    decline = child(dialog, QAbstractButton, "declineButton")
    decline.setFocus()
    with qtbot.waitSignal(startup.finished):
        qtbot.keyClick(decline, Qt.Key.Key_Return)  # Enter on a button presses that button
    assert startup.window is None
    startup.userdata.close()


def test_disclaimer_accepts_by_its_mnemonic(qtbot: QtBot, built_db: Path) -> None:
    startup = Startup(built_db)
    startup.begin()
    dialog = startup.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: startup.window is not None)  # a mnemonic presses the button (animated)
    assert startup.window is not None
    qtbot.addWidget(startup.window)
    startup.window.close()
    startup.userdata.close()


def test_treatments_caption_is_announced(qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import desktop.treatments

    said: list[str] = []
    monkeypatch.setattr(desktop.treatments, "send_announcement", lambda _source, text, **_: said.append(text))
    with running(qtbot, built_db) as app:
        main = window(app)
        qtbot.keyClick(main, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        main.treatments.class_filter.select_slug("post-hypoxic")
        qtbot.waitUntil(lambda: any("Post-hypoxic myoclonus" in text for text in said))  # read off the GUI thread
        assert "treatments for Post-hypoxic myoclonus" in said[-1]
        assert "<b>" not in said[-1]
