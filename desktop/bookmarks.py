"""Bookmarks and reading history as a service the window connects, not feature code inside it.

Wraps the user's store (:class:`db.userdata.UserData`). Keeps what the window shows after each
page (is this page bookmarked, the recent list) in memory, so opening a page costs one write to
the store (the visit) instead of a write and two reads. Every change is announced by signal;
every failure is reported as the write that failed, never cleared by a later read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from db.userdata import Bookmark, UserData, Visit
from desktop.pages import Page

RECENT_SHOWN = 15
_STATUS_MS = 4000
_ERROR_MS = 10000


class Bookmarks(QObject):
    """Toggle a bookmark, record a visit, and say what changed."""

    bookmarks_changed = Signal(object)  # tuple[Bookmark, ...], newest first
    recent_changed = Signal(object)  # tuple[Visit, ...], newest first
    #: A sentence for the status bar and how long to show it (ms).
    message = Signal(str, int)

    def __init__(self, store: UserData, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._bookmarks: tuple[Bookmark, ...] = ()
        self._recent: tuple[Visit, ...] = ()

    @property
    def store(self) -> UserData:
        return self._store

    @property
    def path(self) -> Path:
        """The file bookmarks and history are kept in."""
        return self._store.path

    @property
    def read_only(self) -> bool:
        """True when the saved bookmarks are shown but cannot be changed."""
        return self._store.read_only

    def load(self) -> None:
        """Read the saved bookmarks and recent pages once, and announce them."""
        self._bookmarks = self._store.bookmarks()
        self._report("read your bookmarks")
        self._recent = self._store.recent(RECENT_SHOWN)
        self._report("read your history")
        self.bookmarks_changed.emit(self._bookmarks)
        self.recent_changed.emit(self._recent)

    def bookmarks(self) -> tuple[Bookmark, ...]:
        return self._bookmarks

    def recent(self) -> tuple[Visit, ...]:
        return self._recent

    def bookmark_entries(self) -> list[tuple[str, str]]:
        """(address, title) of every bookmark, newest first, as menus list them."""
        return [(b.url, b.title) for b in self._bookmarks]

    def recent_entries(self) -> list[tuple[str, str]]:
        """(address, title) of the pages read last, newest first."""
        return [(v.url, v.title) for v in self._recent]

    def is_bookmarked(self, url: str) -> bool:
        return any(b.url == url for b in self._bookmarks)

    def page_shown(self, page: Page) -> None:
        """Note a page the reader now shows, as a visit in the reading history."""
        if not page.found:
            return
        self._store.record_visit(page.url, page.title)
        if self._report_write():
            return
        visit = Visit(page.url, page.title, datetime.now(UTC).isoformat(timespec="seconds"))
        self._recent = (visit, *(v for v in self._recent if v.url != page.url))[:RECENT_SHOWN]
        self.recent_changed.emit(self._recent)

    def toggle(self, url: str, title: str, *, found: bool = True) -> None:
        """Bookmark ``url`` (a page, or a class view), or remove its bookmark.

        ``found`` is False for an address with no page in this content (a bookmark a content
        update left behind): it can be removed, not added.
        """
        # Ask the store, not the list kept in memory: another ClinRef may have changed it since.
        bookmarked = self._store.is_bookmarked(url)
        if self._report("read your bookmarks"):
            return
        if bookmarked:
            removed = self._store.remove_bookmark(url)
            if not self._report_write(always=True) and removed:
                self.message.emit(f"Removed bookmark: {title}", _STATUS_MS)
        elif not found:
            self.message.emit("There is no page here to bookmark", _STATUS_MS)
        else:
            self._store.add_bookmark(url, title)
            if not self._report_write(always=True):
                self.message.emit(f"Bookmarked: {title}", _STATUS_MS)
        self._bookmarks = self._store.bookmarks()
        self._report("read your bookmarks")
        self.bookmarks_changed.emit(self._bookmarks)

    def _report_write(self, *, always: bool = False) -> bool:
        """Say so when the write just made failed (its own result, never a later read's); True when it did.

        A store that is not being kept at all says so in the window's store status the whole time,
        so a failed visit is not repeated at every page; a bookmark the person asked for always is.
        """
        error = self._store.last_write_error
        if not error:
            return False
        if always or self._store.persistent:
            # The store's sentence names what failed, the file and why ("the disk is full").
            self.message.emit(f"Bookmarks and history could not be saved: {error}", _ERROR_MS)
        return True

    def _report(self, doing: str) -> bool:
        """Say so when the store's last operation failed; True when it did."""
        error = self._store.last_error
        if not error:
            return False
        self.message.emit(f"Could not {doing}: {error}", _ERROR_MS)
        return True
