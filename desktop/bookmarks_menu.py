"""The Bookmarks menu: the toggle, then every bookmark and the recent pages, each one opening its page."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

Entries = Callable[[], Iterable[tuple[str, str]]]  # (url, title) pairs, newest first


class BookmarksMenu(QMenu):
    """Filled each time it opens, from what the user store holds then; emits the address chosen."""

    open_requested = Signal(str)
    TITLE_CHARS = 70

    def __init__(self, toggle: QAction, bookmarks: Entries, recent: Entries, parent: QWidget | None = None) -> None:
        super().__init__("&Bookmarks", parent)
        self.setObjectName("bookmarksMenu")
        self._toggle, self._bookmarks, self._recent = toggle, bookmarks, recent
        self.recent_menu = QMenu("&Recent", self)
        self.recent_menu.setObjectName("recentMenu")
        self.aboutToShow.connect(self.refresh)
        self.refresh()

    def _entry(self, menu: QMenu, url: str, title: str) -> None:
        text = title if len(title) <= self.TITLE_CHARS else title[: self.TITLE_CHARS - 1] + "…"
        action = menu.addAction(text.replace("&", "&&"))
        action.setToolTip(f"{title}\n{url}")
        action.setStatusTip(url)
        action.triggered.connect(lambda _checked=False, url=url: self.open_requested.emit(url))

    def refresh(self) -> None:
        self.clear()
        self.recent_menu.clear()
        self.addAction(self._toggle)
        self.addSeparator()
        bookmarks = list(self._bookmarks())
        for url, title in bookmarks:
            self._entry(self, url, title)
        if not bookmarks:
            self.addAction("No bookmarks yet (Ctrl+D bookmarks a page)").setEnabled(False)
        self.addSeparator()
        recent = list(self._recent())
        for url, title in recent:
            self._entry(self.recent_menu, url, title)
        if not recent:
            self.recent_menu.addAction("Nothing opened yet").setEnabled(False)
        self.addMenu(self.recent_menu)
