"""Starting the app the way a person does, for the desktop tests."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop.main_window import MainWindow
from desktop.startup import Startup
from tests.ui import child


@contextmanager
def running(qtbot: QtBot, db: Path | None, *, accept: bool = True) -> Iterator[Startup]:
    """Start ClinRef on ``db`` (None: what it finds itself) with the current (throwaway) profile; accept the
    disclaimer if asked."""
    # What earlier tests left is deleted here, on the GUI thread: their windows (closed and deleteLater()ed by qtbot)
    # and their Startup objects (kept in reference cycles). Were Python's collector to free those on a worker thread
    # that reads a page or a search, Qt would warn ("Timers cannot be stopped from another thread") or crash.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.freeze()  # what is still alive now lives long: later collections skip it, and this one stays quick
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
        # The home article and the tabs not shown are made right after the window's first paint (start-up
        # ends there), and the article is read off the GUI thread: wait for them as a person would (a
        # loaded CI machine may take seconds).
        shown = startup.window
        qtbot.waitUntil(lambda: shown.after_first_paint.done, timeout=30000)
        qtbot.waitUntil(lambda: shown.reader.page is not None, timeout=30000)
    try:
        yield startup
    finally:
        if startup.window is not None:
            startup.window.close()
        startup.bookmarks.shutdown()  # as at quit: the visits not yet written are written first
        startup.userdata.close()
        startup.library.close()


def window(startup: Startup) -> MainWindow:
    assert startup.window is not None
    return startup.window


@contextmanager
def page_shown(qtbot: QtBot, startup: Startup, url: str | None = None) -> Iterator[None]:
    """Wait, after the block, until the reader has laid out a page (``url``, when given), as a person waits to see it.

    Pages are read off the GUI thread: a loaded CI machine may take seconds (no timing is asserted).
    """
    reader = window(startup).reader
    check = None if url is None else (lambda shown: shown == url)
    with qtbot.waitSignal(reader.page_shown, timeout=30000, check_params_cb=check):
        yield


def open_page(qtbot: QtBot, startup: Startup, url: str) -> None:
    """Open ``url`` in the window, as the sidebar, a bookmark or a table row asks it to, and wait until it is shown."""
    with page_shown(qtbot, startup, url):
        window(startup).open_url(url)


def search_box(startup: Startup) -> QLineEdit:
    return child(window(startup), QLineEdit, "searchBox")


def article_text(startup: Startup) -> str:
    return child(window(startup), QTextBrowser, "articleView").toPlainText()


def results_view(startup: Startup) -> QAbstractItemView:
    return child(window(startup), QAbstractItemView, "searchResults")


def type_search(qtbot: QtBot, startup: Startup, text: str) -> QAbstractItemView:
    """Type into the search box and wait until the results view shows the answer for it."""
    box = search_box(startup)
    box.setFocus()
    box.clear()
    sidebar = window(startup).sidebar
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
