"""Class views read off the GUI thread: the newest request wins, stale answers are dropped.

A class view of a large corpus merges a thousand entries or more (about 170 ms for one class at
20,000 recommendations, see the commit that added this), so choosing a class must not freeze the
window. Same pattern as :mod:`desktop.search`: a one-thread pool, a relay object living in the GUI
thread, a generation number per request.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from db.errors import LibraryError
from db.library import Library
from db.model import ClassView


class _Relay(QObject):
    """Lives in the GUI thread; a worker emits on it and Qt queues the call across threads."""

    finished = Signal(int, object)  # generation, ClassView | LibraryError


class _ViewJob(QRunnable):
    def __init__(self, library: Library, slugs: tuple[str, ...], generation: int, relay: _Relay) -> None:
        super().__init__()
        self._library, self._slugs, self._generation, self._relay = library, slugs, generation, relay

    def run(self) -> None:
        try:
            result: object = self._library.class_view(self._slugs)
        except LibraryError as exc:
            result = exc
        self._relay.finished.emit(self._generation, result)


class ClassViewRunner(QObject):
    """Reads the class view of the latest chosen classes; only the newest answer reaches ``ready``."""

    ready = Signal(object)  # ClassView
    failed = Signal(object)  # LibraryError

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)

    def request(self, slugs: Sequence[str]) -> None:
        self._generation += 1  # whatever is in flight is now stale
        self._pool.start(_ViewJob(self._library, tuple(slugs), self._generation, self._relay))

    def _on_finished(self, generation: int, result: object) -> None:
        if generation != self._generation:
            return
        if isinstance(result, ClassView):
            self.ready.emit(result)
        else:
            self.failed.emit(result)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until the pending read is done (for scripts that drive the window; never in the app)."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._generation += 1
        self._pool.waitForDone(2000)
