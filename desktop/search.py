"""Search as you type: debounced, run off the GUI thread, stale answers dropped."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from db.errors import LibraryError
from db.library import Library
from db.model import SearchResults

DEBOUNCE_MS = 120


class _Relay(QObject):
    """Lives in the GUI thread; a worker emits on it and Qt queues the call across threads."""

    finished = Signal(int, object)  # generation, SearchResults | LibraryError


class _SearchJob(QRunnable):
    def __init__(self, library: Library, text: str, generation: int, relay: _Relay) -> None:
        super().__init__()
        self._library, self._text, self._generation, self._relay = library, text, generation, relay

    def run(self) -> None:
        try:
            result: object = self._library.search(self._text)
        except LibraryError as exc:
            result = exc
        self._relay.finished.emit(self._generation, result)


class SearchRunner(QObject):
    """Runs the latest query once typing pauses; only the newest answer reaches ``results_ready``."""

    results_ready = Signal(object)  # SearchResults
    failed = Signal(str)

    def __init__(self, library: Library, parent: QObject | None = None, delay_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        # A connection of its own, so that opening a page never waits behind a search.
        try:
            self._library = Library(library.path)
            self._own_library = True
        except LibraryError:
            self._library, self._own_library = library, False
        self._pending = ""
        self._generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)

    def request(self, text: str) -> None:
        """Search for ``text`` once typing pauses; an empty text cancels what is pending."""
        self._pending = text
        self._generation += 1  # whatever is in flight is now stale
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()

    def search_now(self, text: str) -> None:
        """Search immediately (Enter pressed before the pause)."""
        self._timer.stop()
        self._pending = text
        self._generation += 1
        self._start()

    def _start(self) -> None:
        self._pool.start(_SearchJob(self._library, self._pending, self._generation, self._relay))

    def _on_finished(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return
        if isinstance(result, SearchResults):
            self.results_ready.emit(result)
        else:
            self.failed.emit(str(result))

    def shutdown(self) -> None:
        self._timer.stop()
        self._generation += 1
        self._pool.waitForDone(2000)
        if self._own_library:
            self._library.close()
