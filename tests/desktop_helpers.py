"""Starting the app the way a person does, for the desktop tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QMainWindow, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop.startup import Startup


@contextmanager
def running(qtbot: QtBot, db: Path, *, accept: bool = True) -> Iterator[Startup]:
    """Start ClinRef on ``db`` with the current (throwaway) profile; accept the disclaimer if asked."""
    startup = Startup(db)
    assert startup.begin() is None
    if accept and startup.dialog is not None:
        qtbot.addWidget(startup.dialog)
        startup.dialog.accept()
    if startup.window is not None:
        qtbot.addWidget(startup.window)
        qtbot.waitExposed(startup.window)
        startup.window.activateWindow()
        qtbot.waitUntil(startup.window.isActiveWindow)
        # The home article and the tabs not shown are made right after the window's first paint
        # (start-up ends there), as a person sees the article appear: wait for them as they would.
        shown = startup.window
        qtbot.waitUntil(lambda: shown.after_first_paint.done)  # type: ignore[attr-defined]
    try:
        yield startup
    finally:
        if startup.window is not None:
            startup.window.close()
        startup.userdata.close()
        startup.library.close()


def window(startup: Startup) -> QMainWindow:
    assert startup.window is not None
    return startup.window


def search_box(startup: Startup) -> QLineEdit:
    found = window(startup).findChild(QLineEdit, "searchBox")
    assert found is not None
    return found


def article_text(startup: Startup) -> str:
    view = window(startup).findChild(QTextBrowser, "articleView")
    assert view is not None
    return view.toPlainText()


def results_view(startup: Startup) -> QAbstractItemView:
    view = window(startup).findChild(QAbstractItemView, "searchResults")
    assert view is not None
    return view


def type_search(qtbot: QtBot, startup: Startup, text: str) -> QAbstractItemView:
    """Type into the search box and wait until the results view shows the answer for it."""
    box = search_box(startup)
    box.setFocus()
    box.clear()
    sidebar = window(startup).sidebar  # type: ignore[attr-defined]
    # Searched off the GUI thread: a loaded CI machine may take seconds (no timing is asserted anywhere).
    with qtbot.waitSignal(sidebar.results_shown, timeout=30000, check_params_cb=lambda r: r.query == text):
        if all(ord(c) < 0x10000 for c in text):
            qtbot.keyClicks(box, text)
        else:  # QTest cannot type characters outside the BMP (it aborts); paste them as a person would
            box.insert(text)
    return results_view(startup)


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, key, modifier)
