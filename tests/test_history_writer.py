"""Reading history is written off the GUI thread, in the order pages were shown, and never lost at quit."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

import desktop.bookmarks
import desktop.startup
from db.userdata import HISTORY_LIMIT, UserData
from desktop.bookmarks import Bookmarks
from desktop.pages import Page
from tests.desktop_helpers import open_page, running, window
from tests.kill_mid_write import REPO_ROOT, run_and_kill
from tests.ui import child

_T = TypeVar("_T")


class _WatchedStore(UserData):
    """A store that notes the thread and the purpose of every write made to it."""

    writes: list[tuple[threading.Thread, str]]

    def _attempt(
        self, operation: Callable[[sqlite3.Connection], _T], failed: _T, doing: str, *, write: bool, durable: bool
    ) -> tuple[_T, str | None]:
        if write:
            if not hasattr(self, "writes"):
                self.writes = []
            self.writes.append((threading.current_thread(), doing))
        return super()._attempt(operation, failed, doing, write=write, durable=durable)


def _page(url: str, title: str) -> Page:
    return Page(url, title, "", "<p>x</p>", True)


def _recent_titles(view: QAbstractItemView) -> list[str]:
    """The titles in the sidebar's Recent group, as a person reads them."""
    model: QAbstractItemModel = view.model()
    for row in range(model.rowCount()):
        group = model.index(row, 0)
        if group.data() == "Recent":
            return [str(model.index(r, 0, group).data()) for r in range(model.rowCount(group))]
    raise AssertionError("no Recent group in the sidebar")


def _history(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [url for (url,) in conn.execute("SELECT url FROM history ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.usefixtures("profile")
def test_opening_pages_writes_no_history_on_the_gui_thread(
    qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desktop.startup, "UserData", _WatchedStore)
    pages = ["drug:clonazepam", "drug:levetiracetam", "drug:propofol", "drug:clonazepam"]
    titles: list[str] = []
    with running(qtbot, built_db) as app:
        store = app.userdata
        assert isinstance(store, _WatchedStore)
        assert app.bookmarks.flush()  # the home article's visit
        store.writes = []
        tree = child(window(app), QAbstractItemView, "topicTree")
        for url in pages:
            open_page(qtbot, app, url)
            page = window(app).reader.page
            assert page is not None
            titles.append(page.title)
            # Recent changes at once, before the visit is written.
            assert _recent_titles(tree)[0] == page.title
        qtbot.waitUntil(lambda: len(store.writes) == len(pages), timeout=30000)
        gui = threading.main_thread()
        assert [doing for _, doing in store.writes] == ["record the page in your history"] * len(pages)
        assert all(thread is not gui for thread, _ in store.writes), store.writes
        assert _recent_titles(tree)[:3] == [titles[3], titles[2], titles[1]]
    with running(qtbot, built_db) as again:  # what Recent showed was written, in order
        tree = child(window(again), QAbstractItemView, "topicTree")
        assert titles[1] in _recent_titles(tree)
        shown = _recent_titles(tree)
        assert shown.index(titles[3]) < shown.index(titles[2]) < shown.index(titles[1])


def test_visits_are_written_in_the_order_they_were_made(qtbot: QtBot, tmp_path: Path) -> None:
    store = UserData(tmp_path / "userdata.db")
    bookmarks = Bookmarks(store)
    bookmarks.load()
    order = [f"drug:{i % 7}" for i in range(60)]
    for url in order:
        bookmarks.page_shown(_page(url, url))
    assert bookmarks.flush()
    assert _history(store.path) == order
    assert [v.url for v in store.recent(7)] == [v.url for v in bookmarks.recent()]
    store.close()


def test_a_visit_written_off_the_gui_thread_keeps_its_error_to_itself(tmp_path: Path) -> None:
    with UserData(tmp_path / "userdata.db") as store:
        store.add_bookmark("drug:clonazepam", "clonazepam")
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")
        store.add_bookmark("drug:valproic-acid", "valproic acid " + "x" * 20_000)
        bookmark_error = store.last_write_error
        assert bookmark_error is not None and "bookmark" in bookmark_error
        assert store.save_visit("drug:a", "A", "2026-12-01T00:00:00+00:00") is None  # a small one fits
        assert store.last_write_error == bookmark_error and store.last_error == bookmark_error
        error = store.save_visit("drug:b", "B " + "y" * 20_000, "2026-12-01T00:00:01+00:00")
        assert error is not None and "history" in error and "full" in error
        assert store.last_write_error == bookmark_error and store.last_error == bookmark_error


def test_a_failed_visit_is_reported_on_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    store = UserData(tmp_path / "userdata.db")
    bookmarks = Bookmarks(store)
    bookmarks.load()
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    conn.close()
    heard: list[tuple[str, threading.Thread]] = []
    bookmarks.message.connect(lambda text, _ms: heard.append((text, threading.current_thread())))
    bookmarks.page_shown(_page("drug:clonazepam", "clonazepam"))
    assert [v.url for v in bookmarks.recent()] == ["drug:clonazepam"]  # shown at once, saved or not
    with qtbot.waitSignal(bookmarks.message, timeout=30000):
        pass
    assert len(heard) == 1
    text, thread = heard[0]
    assert text.startswith("Bookmarks and history could not be saved: Could not record the page in your history")
    assert "disk I/O error" in text
    assert thread is threading.main_thread()
    store.close()


def test_a_store_that_is_read_only_keeps_no_visits_and_says_nothing_per_page(qtbot: QtBot, tmp_path: Path) -> None:
    store = _WatchedStore(tmp_path / "userdata.db")
    store.read_only = True  # as when the file takes no writes (tests/test_store_faults.py opens such files)
    bookmarks = Bookmarks(store)
    messages: list[str] = []
    bookmarks.message.connect(lambda text, _ms: messages.append(text))
    bookmarks.page_shown(_page("drug:clonazepam", "clonazepam"))
    assert bookmarks.flush()
    assert getattr(store, "writes", []) == [] and bookmarks.recent() == () and messages == []
    store.close()


class _HungDisk(UserData):
    """A store whose history writes wait until the test lets them go, as on a disk that stopped answering."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.release = threading.Event()
        self.entered = threading.Event()

    def save_visit(self, url: str, title: str, visited: str) -> str | None:
        self.entered.set()
        self.release.wait(60)  # only so a test that fails cannot hang the suite
        return super().save_visit(url, title, visited)


def test_quitting_waits_a_bounded_time_for_a_hung_disk_and_loses_only_visits(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _HungDisk(tmp_path / "userdata.db")
    bookmarks = Bookmarks(store)
    bookmarks.page_shown(_page("drug:clonazepam", "clonazepam"))
    bookmarks.page_shown(_page("drug:propofol", "propofol"))
    qtbot.waitUntil(store.entered.is_set, timeout=30000)
    bookmarks.toggle("drug:clonazepam", "clonazepam")  # a bookmark is saved at once, the disk queue aside
    assert [b.url for b in store.bookmarks()] == ["drug:clonazepam"]
    monkeypatch.setattr(desktop.bookmarks, "SHUTDOWN_WAIT_S", 0.01)
    bookmarks.shutdown()  # returns although the disk does not answer
    assert _history(store.path) == []
    store.release.set()  # the disk answers again (in the app, the process has ended by now)
    assert bookmarks.flush()
    assert _history(store.path) == ["drug:clonazepam", "drug:propofol"]
    store.close()


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication
    from db.userdata import UserData
    from desktop.bookmarks import Bookmarks
    from desktop.pages import Page

    app = QCoreApplication([])
    store = UserData(Path(sys.argv[1]))
    if store.reset_reason:
        print("RESET", store.reset_reason, flush=True)
    bookmarks = Bookmarks(store)
    bookmarks.message.connect(lambda text, _ms: print("ERROR", text, flush=True))
    i = 0
    while True:
        batch = [f"page/{n}" for n in range(i, i + 5)]
        for url in batch:
            bookmarks.page_shown(Page(url, url, "", "<p>x</p>", True))
        if not bookmarks.flush():
            print("ERROR flush", flush=True)
        app.processEvents()  # a failure is reported here, on this thread
        for url in batch:
            print(url, flush=True)
        i += 5
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_every_visit_written_survives_a_kill_mid_write_in_order(tmp_path: Path) -> None:
    path = tmp_path / "userdata.db"
    for lines in (3, 40, 120):
        path.unlink(missing_ok=True)
        for sidecar in ("-wal", "-shm"):
            Path(f"{path}{sidecar}").unlink(missing_ok=True)
        reported = run_and_kill(_CHILD, [str(path)], lines)
        last = int(reported[-1].split("/")[1])
        with UserData(path) as store:
            assert store.reset_reason is None and store.persistent, store.reset_reason
        history = _history(path)
        newest = int(history[-1].split("/")[1])
        assert newest >= last  # every visit reported written is there (and maybe a few more)
        oldest = max(0, newest + 1 - HISTORY_LIMIT)
        assert history == [f"page/{n}" for n in range(oldest, newest + 1)]  # in the order shown, none missing
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        finally:
            conn.close()


_QUITTING_CHILD = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication, QTimer
    from db.userdata import UserData
    from desktop.bookmarks import Bookmarks
    from desktop.pages import Page

    class SlowDisk(UserData):
        release = threading.Event()

        def save_visit(self, url, title, visited):
            self.release.wait(60)
            return super().save_visit(url, title, visited)

    app = QCoreApplication([])
    store = SlowDisk(Path(sys.argv[1]))
    bookmarks = Bookmarks(store)
    for n in range(200):
        bookmarks.page_shown(Page(f"page/{n}", "t", "", "<p>x</p>", True))

    def quit():
        store.release.set()  # the disk answers as the person quits
        app.quit()

    QTimer.singleShot(0, quit)
    sys.exit(app.exec())
    """
)


def test_quitting_writes_the_visits_not_yet_written(tmp_path: Path) -> None:
    path = tmp_path / "userdata.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", _QUITTING_CHILD, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert _history(path) == [f"page/{n}" for n in range(200)]
