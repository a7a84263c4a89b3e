"""Class views read off the GUI thread through the window's :class:`~desktop.queries.Queries`.

A class view of a large corpus merges a thousand entries or more (about 170 ms for one class at
20,000 recommendations), so choosing a class must not freeze the window. The newest request wins:
they share one channel, so an answer for classes chosen before is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from db.errors import LibraryError
from db.model import ClassView
from desktop.queries import Queries

_CHANNEL = "class-view"


class ClassViewRunner(QObject):
    """Reads the class view of the latest chosen classes; only the newest answer reaches ``ready``."""

    ready = Signal(object)  # ClassView
    failed = Signal(object)  # LibraryError

    def __init__(self, queries: Queries, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queries = queries

    def request(self, slugs: Sequence[str]) -> None:
        chosen = tuple(slugs)
        self._queries.ask(_CHANNEL, lambda library: library.class_view(chosen), self._ready, self._failed)

    def _ready(self, view: ClassView) -> None:
        self.ready.emit(view)

    def _failed(self, error: LibraryError) -> None:
        self.failed.emit(error)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until pending reads are done (for scripts that drive the window; never in the app)."""
        return self._queries.wait(msecs)

    def shutdown(self) -> None:
        self._queries.cancel(_CHANNEL)
