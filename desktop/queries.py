"""Questions to the Library asked off the GUI thread, with stale answers dropped.

Shaped like Anki's ``QueryOp``: a caller hands over what to ask (a function of the
:class:`~db.library.Library`) and what to do with the answer, and never waits. Requests share
a *channel* when only the newest one matters (search as you type, the class view being
chosen): an answer that arrives after a newer request on the same channel is dropped, so a slow
old query can never overwrite a newer screen. Answers and failures are delivered on the GUI
thread, through a queued signal.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from db.errors import LibraryError
from db.library import Library

T = TypeVar("T")


@dataclass(frozen=True)
class _Request(Generic[T]):
    channel: str
    generation: int
    ask: Callable[[Library], T]
    success: Callable[[T], None]
    failure: Callable[[LibraryError], None] | None


class _Relay(QObject):
    """Lives on the GUI thread; workers emit on it and Qt queues the call across threads."""

    answered = Signal(object, object)  # _Request, the answer or a LibraryError


class _Job(QRunnable):
    def __init__(self, library: Library, request: _Request[Any], relay: _Relay) -> None:
        super().__init__()
        self._library, self._request, self._relay = library, request, relay

    def run(self) -> None:
        try:
            answer: object = self._request.ask(self._library)
        except LibraryError as error:
            answer = error
        self._relay.answered.emit(self._request, answer)


class _WarmUp(QRunnable):
    """Opens the running thread's connection and prepares the search's statements; answers nothing."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library

    def run(self) -> None:
        with suppress(LibraryError):  # the next real request meets the same failure and reports it
            self._library.search("a", limit=1)


class Queries(QObject):
    """Runs :meth:`ask` requests on a small pool of worker threads, one Library for all of them.

    The Library gives each thread a connection of its own, so a worker's query never holds up
    one made on the GUI thread.
    """

    #: A request failed and had no failure handler of its own: the message, for the status bar.
    failed = Signal(str)

    def __init__(self, library: Library, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self._library = library
        self._generations: dict[str, int] = {}
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        # The threads stay for the window's life, each with the connection it opened (Library keeps one
        # per thread): let go after 30 s idle (Qt's default), a thread's successor opened its connection
        # again at its first search, unless it happened to get the same thread id.
        self._pool.setExpiryTimeout(-1)
        # No Qt parent: the relay lives as long as a Python reference does, each job's included. A job
        # still running when this object is deleted (a window closed mid-query) then emits on a live
        # relay, whose connection to the deleted receiver Qt has already dropped; with the relay as a
        # child it emitted on a deleted object, and the process crashed.
        self._relay = _Relay()
        self._relay.answered.connect(self._deliver)

    def ask(
        self,
        channel: str,
        ask: Callable[[Library], T],
        success: Callable[[T], None],
        failure: Callable[[LibraryError], None] | None = None,
    ) -> None:
        """Run ``ask(library)`` on a worker; call ``success(answer)`` on the GUI thread if still current.

        A later request on the same ``channel`` makes this one stale: its answer is dropped.
        """
        generation = self._generations.get(channel, 0) + 1
        self._generations[channel] = generation
        self._pool.start(_Job(self._library, _Request(channel, generation, ask, success, failure), self._relay))

    def warm_up(self) -> None:
        """Open every worker thread's connection now, off the GUI thread, not at the first search.

        Called right after the window's first paint (desktop.main_window): opening a connection and
        preparing the search's statements is about 1-3 ms that the session's first key otherwise
        waits for. On a pool with no thread busy each job starts a thread of its own; a thread
        that is busy is answering a request, and so has its connection already.
        """
        for _ in range(self._pool.maxThreadCount()):
            self._pool.start(_WarmUp(self._library))

    def cancel(self, channel: str) -> None:
        """Drop whatever is in flight on ``channel``."""
        self._generations[channel] = self._generations.get(channel, 0) + 1

    def _deliver(self, request: _Request[Any], answer: object) -> None:
        if self._generations.get(request.channel) != request.generation:
            return  # a newer request on this channel is in flight or answered
        if isinstance(answer, LibraryError):
            if request.failure is not None:
                request.failure(answer)
            else:
                self.failed.emit(str(answer))
            return
        request.success(answer)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until every running query is done (scripts and tests only: never on the GUI thread in the app).

        Their answers are then queued for the GUI thread's event loop.
        """
        return self._pool.waitForDone(timeout_ms)

    def shutdown(self, timeout_ms: int = 2000) -> None:
        """Drop every pending answer and wait (bounded) for running queries to end."""
        for channel in list(self._generations):
            self.cancel(channel)
        self._pool.waitForDone(timeout_ms)
