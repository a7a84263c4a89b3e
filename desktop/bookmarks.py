"""Bookmarks and reading history as a service the window connects, not feature code inside it.

Wraps the user's store (:class:`db.userdata.UserData`). Keeps what the window shows after each
page (is this page bookmarked, the recent list) in memory, so opening a page reads nothing from
the store, and its one write (the visit) is made by the service's own writer thread, in the
order the pages were shown: a write waiting for the disk (a WAL checkpoint, a network home
folder) never holds up the window. Every change is announced by signal; every failure is
reported on the GUI thread as the write that failed, never cleared by a later read or write.

The writer belongs to the service, which outlives the windows (a content reload makes a new
window): the visits of a window just closed are still written. At quit (:meth:`Bookmarks.shutdown`,
on the application's ``aboutToQuit``) the visits not yet written are flushed, waiting at most
:data:`SHUTDOWN_WAIT_S`. A disk that hangs longer loses those visits, never a bookmark (bookmarks
are written at once, on the GUI thread, and flushed to the disk): the writer is a daemon thread,
so ClinRef still quits, and the transaction it was in is rolled back by SQLite at the next start.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from db.userdata import Bookmark, UserData, Visit
from desktop.pages import Page

RECENT_SHOWN = 15
_STATUS_MS = 4000
_ERROR_MS = 10000
#: Seconds quitting waits for the visits not yet written (a disk that hangs longer loses them).
SHUTDOWN_WAIT_S = 5.0

log = logging.getLogger("clinref.userdata")


@dataclass(frozen=True)
class _Visit:
    url: str
    title: str
    visited: str


class _Failures(QObject):
    """Carries a failed visit's error from the writer thread to the GUI thread (a queued signal)."""

    failed = Signal(str)


class _VisitWriter:
    """One thread writing visits to the store in the order they were made (first in, first out).

    The thread starts when there is a visit to write and ends when there is none left, so an idle
    service holds no thread. It holds no reference to the service (only to the store and to a
    child object that carries failures), so the service is never freed on it.
    """

    def __init__(self, store: UserData, failed: Callable[[str], None]) -> None:
        self._store = store
        self._failed = failed
        self._lock = threading.Lock()
        self._queue: deque[_Visit | threading.Event] = deque()
        self._thread: threading.Thread | None = None

    def put(self, item: _Visit | threading.Event) -> None:
        with self._lock:
            self._queue.append(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="clinref-history", daemon=True)
                self._thread.start()

    def flush(self, timeout_s: float) -> bool:
        """Wait (at most ``timeout_s``) until every visit put so far has been written; True when it was."""
        with self._lock:
            if self._thread is None:
                return True
        written = threading.Event()
        self.put(written)
        return written.wait(timeout_s)

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                item = self._queue.popleft()
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                error = self._store.save_visit(item.url, item.title, item.visited)
            except Exception as exc:  # never let one visit stop the thread and strand the rest
                log.exception("recording a visit failed")
                error = f"Could not record the page in your history ({exc})."
            if error is not None:
                try:
                    self._failed(error)
                except RuntimeError:  # the service is gone (its window and app closed): nobody to tell
                    log.warning("a visit was not saved: %s", error)


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
        self._failures = _Failures(self)  # a child: freed with the service, on the GUI thread
        self._failures.failed.connect(self._visit_failed, Qt.ConnectionType.QueuedConnection)  # to the GUI thread
        self._writer = _VisitWriter(store, self._failures.failed.emit)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

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
        """Note a page the reader now shows, as a visit in the reading history.

        Recent changes at once; the visit is written by the writer thread, and a write that fails
        is reported when it does (:meth:`_visit_failed`). A read-only store keeps no visits.
        """
        if not page.found or self._store.read_only:
            return
        visit = Visit(page.url, page.title, datetime.now(UTC).isoformat(timespec="seconds"))
        self._writer.put(_Visit(visit.url, visit.title, visit.visited))
        self._recent = (visit, *(v for v in self._recent if v.url != page.url))[:RECENT_SHOWN]
        self.recent_changed.emit(self._recent)

    def flush(self, timeout_s: float = SHUTDOWN_WAIT_S) -> bool:
        """Wait (at most ``timeout_s``) until every visit noted so far is written; True when it was.

        A failure among them is reported once control returns to the event loop (a queued signal).
        """
        return self._writer.flush(timeout_s)

    @Slot()
    def shutdown(self) -> None:
        """At quit: write the visits not yet written, waiting at most :data:`SHUTDOWN_WAIT_S`."""
        if not self.flush(SHUTDOWN_WAIT_S):
            log.warning("the disk did not take the last visits within %s s: they are not kept", SHUTDOWN_WAIT_S)

    def _visit_failed(self, error: str) -> None:
        """A visit the writer could not save (on the GUI thread), reported as a failed write always was.

        A store that is not being kept at all says so in the window's store status the whole time,
        so a failed visit is not repeated at every page.
        """
        if self._store.persistent:
            # The store's sentence names what failed, the file and why ("the disk is full").
            self.message.emit(f"Bookmarks and history could not be saved: {error}", _ERROR_MS)

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
            if not self._report_write() and removed:
                self.message.emit(f"Removed bookmark: {title}", _STATUS_MS)
        elif not found:
            self.message.emit("There is no page here to bookmark", _STATUS_MS)
        else:
            self._store.add_bookmark(url, title)
            if not self._report_write():
                self.message.emit(f"Bookmarked: {title}", _STATUS_MS)
        self._bookmarks = self._store.bookmarks()
        self._report("read your bookmarks")
        self.bookmarks_changed.emit(self._bookmarks)

    def _report_write(self) -> bool:
        """Say so when the bookmark write just made failed (its own result, never a later read's); True when it did."""
        error = self._store.last_write_error
        if not error:
            return False
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
