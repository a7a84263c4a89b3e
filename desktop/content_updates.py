"""New content while ClinRef runs: look for it off the GUI thread, offer it, reload the whole window.

- At start and every few minutes a worker runs :class:`db.library.updates.SharePoller` (the Qt-free
  logic) on the configured ``content_source`` folder and ``database`` file. A newer genuine file is
  installed and offered in the status bar: "New content X is ready — reload". Nothing changes
  until the person clicks it, so a page is never swapped under them.
- When start-up trusted the content on its installation record alone, the full re-hash runs here,
  off the GUI thread; should it fail, ClinRef reopens (falling back to the bundled content) and says so.
- Every few seconds, and whenever a page could not be read, the open file is checked against the
  one opened (size, mtime, inode); if it changed, ClinRef reopens whole and says
  "the content file changed; ClinRef reopened content X".
- Past the content's ``review_by`` date an amber "content due for review since ..." notice shows
  in the status bar. It is a notice, never a lockout.

Reloading builds a new main window on the new content (same settings, bookmarks, layout and
page) and closes the old one, so no page is ever assembled from two files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton

from db.content_signature import version_key
from db.errors import LibraryError
from db.library.content_cache import ContentCache, Installed
from db.library.locate import OpenedContent, open_content, open_installed
from db.library.updates import PollResult, SharePoller

if TYPE_CHECKING:
    from desktop.main_window import MainWindow
    from desktop.startup import Startup

log = logging.getLogger("clinref.content")

POLL_MS = 5 * 60 * 1000
CHANGE_CHECK_MS = 3000
#: The re-hash and the first look at the share load the cryptography library on a worker thread: not
#: while the window is being shown for the first time (2 cores, one GIL).
AFTER_START_MS = 1500
REVIEW_STYLE = "QLabel { background: #f5b700; color: #000; padding: 1px 6px; border-radius: 3px; }"


class _Relay(QObject):
    """Lives in the GUI thread; a worker emits on it and Qt queues the call across threads."""

    done = Signal(object, object)  # which job, its result (or the exception it raised)


class _Job(QRunnable):
    def __init__(self, name: str, work: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self._name, self._work, self._relay = name, work, relay

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # reported on the GUI thread, never lost
            result = exc
        self._relay.done.emit(self._name, result)


class ContentUpdates(QObject):
    """Owned by :class:`desktop.startup.Startup`: watches, offers and reloads content for its window."""

    reloaded = Signal(str)  # the notice shown after a reload
    polled = Signal(object)  # PollResult, for tests and the status entry

    def __init__(self, startup: Startup, opened: OpenedContent, *, poll_ms: int = POLL_MS) -> None:
        super().__init__(startup)
        self._startup = startup
        self.opened = opened
        self.status_entries: list[str] = []
        self.offered: Installed | None = None
        config = opened.config
        folder = config.content_source_path()
        named = config.database_path()
        self.poller: SharePoller | None = None
        if startup_db(startup) is None and (folder or named):
            self.poller = SharePoller(
                folder[0] if folder else None,
                named[0] if named else None,
                ContentCache(),
                opened.keys,
                self._current_version,
                config.allow_downgrade,
            )
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        # No Qt parent: the relay lives as long as a Python reference does, each job's included. A job
        # still running when this object is deleted (a window closed mid-query) then emits on a live
        # relay, whose connection to the deleted receiver Qt has already dropped; with the relay as a
        # child it emitted on a deleted object, and the process crashed.
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(poll_ms)
        self._poll_timer.timeout.connect(self.poll_now)
        self._change_timer = QTimer(self)
        self._change_timer.setInterval(CHANGE_CHECK_MS)
        self._change_timer.timeout.connect(self.check_open_file)
        self._attach()

    # -- starting --------------------------------------------------------------------------

    def start(self) -> None:
        """Begin watching; the first full check and poll wait until the window has had time to paint."""
        self._change_timer.start()
        QTimer.singleShot(AFTER_START_MS, self._first_checks)

    def _alive(self) -> bool:
        """False once the window was closed for good (the app is ending): then stop watching."""
        window = self._startup.window
        if window is not None and shiboken6.isValid(window) and window.isVisible():
            return True
        self._poll_timer.stop()
        self._change_timer.stop()
        return False

    def _first_checks(self) -> None:
        if not self._alive():
            return
        if self.opened.pending_check is not None:
            item, keys = self.opened.pending_check, self.opened.keys
            self._pool.start(_Job("full-check", lambda: item.full_check(keys), self._relay))
        if self.poller is not None:
            self.poll_now()
            self._poll_timer.start()

    def poll_now(self) -> None:
        """Look for new content now (on the worker thread)."""
        if self.poller is not None and self._alive():
            poller = self.poller
            self._pool.start(_Job("poll", poller.poll, self._relay))

    def shutdown(self) -> None:
        self._poll_timer.stop()
        self._change_timer.stop()
        self._pool.waitForDone(5000)

    def _current_version(self) -> str:
        return self.opened.library.manifest.content_version

    # -- results ---------------------------------------------------------------------------

    def _on_done(self, name: object, result: object) -> None:
        if not self._alive():
            return
        if name == "full-check":
            if isinstance(result, LibraryError):
                if self.opened.pending_check is not None:
                    ContentCache().forget(self.opened.pending_check)
                self.reopen(f"The content file in use failed its full check: {result}", fatal=True)
            elif isinstance(result, Exception):
                log.warning("full check of %s could not run: %s", self.opened.library.path, result)
            return
        if isinstance(result, Exception):
            self._add_status(f"checking for new content failed: {result}")
            return
        assert isinstance(result, PollResult)
        self._status_label.setText(
            f"Updates last checked {result.checked_at:%H:%M}" + ("" if result.reachable else " (not reachable)")
        )
        self._add_status(result.status)
        for entry in result.skipped:
            self._add_status(entry)
        item = result.installed
        if item is not None and version_key(item.version) != version_key(self._current_version()):
            self.offer(item)
        self.polled.emit(result)

    def _add_status(self, entry: str) -> None:
        self.status_entries.append(entry)
        del self.status_entries[:-20]
        self._status_label.setToolTip("\n".join(self.status_entries))

    def offer(self, item: Installed) -> None:
        """Show "New content X is ready — reload" in the status bar."""
        self.offered = item
        self._reload_button.setText(f"New content {item.version} is ready — reload")
        self._reload_button.setToolTip(f"Installed from {item.source}\n{item.path}")
        self._reload_button.show()
        self._window().statusBar().showMessage(f"New content {item.version} is ready", 15000)

    def check_open_file(self) -> bool:
        """Reopen whole if the open file changed; True when it did."""
        if not self._alive() or not self.opened.library.changed():
            return False
        self.reopen(None)
        return True

    # -- reloading -------------------------------------------------------------------------

    def reload_offered(self) -> None:
        if self.offered is not None:
            item, self.offered = self.offered, None
            self._switch(lambda: open_installed(item, self.opened), None)

    def reopen(self, reason: str | None, *, fatal: bool = False) -> None:
        """Open the content afresh (the newest verified file) in a new window, and say why.

        ``fatal``: the content shown now must not stay on screen; if nothing else can be opened, ClinRef
        closes its window and says why instead.
        """
        self._switch(lambda: open_content(startup_db(self._startup), install=True), reason, fatal=fatal)

    def _switch(self, open_new: Callable[[], OpenedContent], reason: str | None, *, fatal: bool = False) -> None:
        old_window = self._window()
        try:
            opened = open_new()
        except LibraryError as exc:
            if fatal or self.opened.library.changed():
                self.shutdown()
                old_window.hide()
                self._startup._fatal(exc)  # the same message box as a failed start-up
            else:
                old_window.statusBar().showMessage(f"ClinRef could not open new content: {exc}", 15000)
            return
        page = old_window.reader.page
        version = opened.library.manifest.content_version
        notice = (
            f"{reason}\n\nClinRef reopened content {version}."
            if reason
            else (
                f"The content file changed; ClinRef reopened content {version}."
                if self.opened.library.changed()
                else f"ClinRef now shows content {version}."
            )
        )
        old_library = self.opened.library
        self.opened = opened
        startup = self._startup
        window = startup.make_window(opened)
        if page is not None and page.found:
            window.reader.open(page.url)
        window.tabs.setCurrentIndex(old_window.tabs.currentIndex())
        old_window.save_layout()
        window.show()
        old_window.close()
        old_window.deleteLater()
        old_library.close()
        self._attach()
        window.statusBar().showMessage(notice.replace("\n\n", " "), 30000)
        log.warning("%s", notice.replace("\n\n", " "))
        self.reloaded.emit(notice)

    # -- the status bar --------------------------------------------------------------------

    def _window(self) -> MainWindow:
        window = self._startup.window
        assert window is not None
        return window

    def _attach(self) -> None:
        """Put the update button, the update status and (past its date) the review notice in the window's status bar."""
        window = self._window()
        # Every page shown (an unreadable one too) is followed by a check that the file is still the one opened.
        window.reader.page_changed.connect(lambda _page: QTimer.singleShot(0, self.check_open_file))
        bar = window.statusBar()
        self._reload_button = QPushButton(bar)
        self._reload_button.setObjectName("contentReload")
        self._reload_button.hide()
        self._reload_button.clicked.connect(self.reload_offered)
        bar.addPermanentWidget(self._reload_button)
        self._status_label = QLabel("", bar)
        self._status_label.setObjectName("contentUpdates")
        bar.addPermanentWidget(self._status_label)
        if self.poller is None:
            self._status_label.hide()
        review = self.opened.review_notice()
        due = self.opened.library.manifest.review_by
        self.review_label = QLabel(f"Content due for review since {due}" if review else "", bar)
        self.review_label.setToolTip(review or "")
        self.review_label.setObjectName("contentReview")
        self.review_label.setStyleSheet(REVIEW_STYLE)
        self.review_label.setVisible(bool(review))
        bar.addPermanentWidget(self.review_label)


def startup_db(startup: Startup) -> Path | None:
    """The ``--db`` the app was started with (None: it follows the machine's content)."""
    db: Path | None = startup._db
    return db
