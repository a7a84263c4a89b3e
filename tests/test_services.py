"""The window's services: questions asked off the GUI thread, and bookmarks as a service."""

from __future__ import annotations

import operator
import os
import shutil
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from db.errors import LibraryError
from db.library import Library
from db.model import SearchResults
from db.userdata import Bookmark, UserData, Visit
from desktop.bookmarks import Bookmarks
from desktop.pages import Page
from desktop.queries import Queries


@pytest.fixture
def own_library(built_db: Path) -> Library:
    return Library(built_db)


def test_an_answer_arrives_on_the_gui_thread(qtbot: QtBot, own_library: Library) -> None:
    queries = Queries(own_library)
    answers: list[tuple[SearchResults, bool]] = []
    asked_on: list[threading.Thread] = []

    def ask(library: Library) -> SearchResults:
        asked_on.append(threading.current_thread())
        return library.search("keppra")

    queries.ask("search", ask, lambda r: answers.append((r, threading.current_thread() is threading.main_thread())))
    qtbot.waitUntil(lambda: bool(answers))
    results, on_gui_thread = answers[0]
    assert results.hits[0].url == "drug:levetiracetam"
    assert on_gui_thread and asked_on[0] is not threading.main_thread()
    queries.shutdown()


def test_a_stale_answer_is_dropped(qtbot: QtBot, own_library: Library) -> None:
    """Two requests on one channel: only the newest answer is delivered, whatever order they finish in."""
    queries = Queries(own_library)
    release = threading.Event()
    delivered: list[str] = []

    def slow(library: Library) -> str:
        release.wait(5)
        return "old"

    queries.ask("classes", slow, delivered.append)
    queries.ask("classes", lambda library: "new", delivered.append)
    qtbot.waitUntil(lambda: delivered == ["new"])
    release.set()
    queries.shutdown()  # waits for the slow one to finish; its answer must not arrive
    qtbot.wait(0)  # deliver anything queued (no sleep: processes pending events once)
    assert delivered == ["new"]


def test_other_channels_are_not_dropped(qtbot: QtBot, own_library: Library) -> None:
    queries = Queries(own_library)
    delivered: list[str] = []
    queries.ask("a", lambda library: "a", delivered.append)
    queries.ask("b", lambda library: "b", delivered.append)
    qtbot.waitUntil(lambda: sorted(delivered) == ["a", "b"])
    queries.shutdown()


def test_a_failure_reaches_its_handler_or_the_window(qtbot: QtBot, own_library: Library) -> None:
    queries = Queries(own_library)
    handled: list[LibraryError] = []

    def broken(library: Library) -> None:
        raise LibraryError(library.path, "the content file is damaged", "Rebuild it.")

    queries.ask("x", broken, lambda _: None, handled.append)
    qtbot.waitUntil(lambda: bool(handled))
    assert "damaged" in handled[0].reason
    with qtbot.waitSignal(queries.failed) as told:
        queries.ask("y", broken, lambda _: None)
    assert "damaged" in told.args[0]
    queries.shutdown()


def test_each_thread_reads_on_a_connection_of_its_own(own_library: Library) -> None:
    seen: list[object] = []
    together = threading.Barrier(3)  # all alive at once: an ended thread's id (and connection) passes on

    def read() -> None:
        seen.append(own_library._connection())
        assert own_library.search("keppra").hits

    def read_together() -> None:
        read()
        together.wait(timeout=30)

    workers = [threading.Thread(target=read_together) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    read()
    assert len({id(conn) for conn in seen}) == 4
    own_library.close()
    with pytest.raises(LibraryError, match="closed"):
        own_library.search("keppra")


def _open_descriptors(path: Path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


def test_searches_on_the_worker_threads_reuse_their_connections(qtbot: QtBot, built_db: Path, tmp_path: Path) -> None:
    private = tmp_path / "clinref.db"  # a file only this test opens: its descriptors are this library's alone
    shutil.copyfile(built_db, private)
    own_library = Library(private)
    queries = Queries(own_library, threads=2)
    answered: list[str] = []

    def search(text: str) -> Callable[[Library], SearchResults]:
        return lambda library: library.search(text)

    texts = ["k", "ke", "kep", "kepp", "keppr", "keppra"]
    for count, text in enumerate(texts, start=1):
        queries.ask(f"search-{text}", search(text), lambda results: answered.append(results.query))
        assert queries.wait(30000)  # searched on a worker thread
        qtbot.waitUntil(partial(operator.ge, answered, texts[:count]))  # the answer delivered on the GUI thread
    assert answered == texts
    queries.shutdown()
    # The GUI thread's and at most one for each worker thread; was one more for every search (a descriptor each).
    assert 1 <= _open_descriptors(private) <= 3
    own_library.close()
    assert _open_descriptors(private) == 0


def test_the_worker_threads_open_their_connections_when_warmed_up(qtbot: QtBot, built_db: Path, tmp_path: Path) -> None:
    private = tmp_path / "clinref.db"  # its descriptors are this library's alone
    shutil.copyfile(built_db, private)
    own_library = Library(private)
    queries = Queries(own_library, threads=2)
    assert _open_descriptors(private) == 1  # the GUI thread's, opened to check the file
    queries.warm_up()
    qtbot.waitUntil(lambda: _open_descriptors(private) == 3)  # one for each worker thread, before any search
    answered: list[str] = []
    texts = ["k", "ke", "kep", "kepp", "keppr", "keppra"]
    for count, text in enumerate(texts, start=1):
        queries.ask("search", partial(Library.search, text=text), lambda results: answered.append(results.query))
        qtbot.waitUntil(partial(operator.eq, answered, texts[:count]))
    assert _open_descriptors(private) == 3  # the searches ran on the warmed connections
    queries.shutdown()
    own_library.close()
    assert _open_descriptors(private) == 0


class _CountingStore(UserData):
    """A real store that counts the reads made through it."""

    reads = 0

    def bookmarks(self) -> tuple[Bookmark, ...]:
        self.reads += 1
        return super().bookmarks()

    def recent(self, limit: int = 20) -> tuple[Visit, ...]:
        self.reads += 1
        return super().recent(limit)

    def is_bookmarked(self, url: str) -> bool:
        self.reads += 1
        return super().is_bookmarked(url)


def _page(url: str, title: str, found: bool = True) -> Page:
    return Page(url, title, "", "<p>x</p>", found)


def test_opening_a_page_reads_nothing_from_the_store(qtbot: QtBot, tmp_path: Path) -> None:
    store = _CountingStore(tmp_path / "userdata.db")
    bookmarks = Bookmarks(store)
    bookmarks.load()
    store.reads = 0
    recents: list[object] = []
    bookmarks.recent_changed.connect(recents.append)
    bookmarks.page_shown(_page("drug:clonazepam", "clonazepam"))
    bookmarks.page_shown(_page("drug:propofol", "propofol"))
    bookmarks.page_shown(_page("drug:clonazepam", "clonazepam"))
    assert store.reads == 0
    assert [v.url for v in bookmarks.recent()] == ["drug:clonazepam", "drug:propofol"]
    assert bookmarks.flush()
    assert [v.url for v in store.recent()] == ["drug:clonazepam", "drug:propofol"]
    store.close()


def test_toggling_bookmarks_says_what_happened(qtbot: QtBot, tmp_path: Path) -> None:
    store = UserData(tmp_path / "userdata.db")
    bookmarks = Bookmarks(store)
    bookmarks.load()
    messages: list[str] = []
    bookmarks.message.connect(lambda text, _ms: messages.append(text))
    bookmarks.toggle("drug:clonazepam", "clonazepam")
    assert messages[-1] == "Bookmarked: clonazepam" and bookmarks.is_bookmarked("drug:clonazepam")
    assert [b.url for b in store.bookmarks()] == ["drug:clonazepam"]
    bookmarks.toggle("drug:clonazepam", "clonazepam")
    assert messages[-1] == "Removed bookmark: clonazepam" and not bookmarks.is_bookmarked("drug:clonazepam")
    bookmarks.toggle("drug:gone", "Not found", found=False)
    assert messages[-1] == "There is no page here to bookmark" and not store.bookmarks()
    store.close()


def test_a_bookmark_that_was_not_saved_is_never_reported_saved(qtbot: QtBot, tmp_path: Path) -> None:
    store = UserData(tmp_path / "userdata.db")
    bookmarks = Bookmarks(store)
    bookmarks.load()
    messages: list[str] = []
    bookmarks.message.connect(lambda text, _ms: messages.append(text))
    store.close()  # every write now fails
    bookmarks.toggle("drug:clonazepam", "clonazepam")
    assert messages and all(not m.startswith("Bookmarked") for m in messages)
    assert messages[-1].startswith("Could not")
