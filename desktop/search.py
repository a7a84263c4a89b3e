"""Search as you type: debounced, asked off the GUI thread through :class:`Queries`, stale answers dropped."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from db.errors import LibraryError
from db.model import SearchResults
from desktop.queries import Queries

DEBOUNCE_MS = 120
_CHANNEL = "search"


class SearchRunner(QObject):
    """Runs the latest query once typing pauses; only the newest answer reaches ``results_ready``."""

    results_ready = Signal(object)  # SearchResults
    failed = Signal(str)

    def __init__(self, queries: Queries, parent: QObject | None = None, delay_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._queries = queries
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)

    def request(self, text: str) -> None:
        """Search for ``text`` once typing pauses; an empty text cancels what is pending."""
        self._pending = text
        self._queries.cancel(_CHANNEL)  # whatever is in flight is now stale
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()

    def search_now(self, text: str) -> None:
        """Search immediately (Enter pressed before the pause)."""
        self._timer.stop()
        self._pending = text
        self._start()

    def _start(self) -> None:
        text = self._pending
        self._queries.ask(_CHANNEL, lambda library: library.search(text), self._answered, self._failed)

    def _answered(self, results: SearchResults) -> None:
        self.results_ready.emit(results)

    def _failed(self, error: LibraryError) -> None:
        self.failed.emit(str(error))

    def shutdown(self) -> None:
        self._timer.stop()
        self._queries.cancel(_CHANNEL)
