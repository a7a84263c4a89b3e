"""`db.userdata.UserData`: bookmarks and history, every way the file can be unusable, and crash safety."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import db.userdata.store
from db.schema import APPLICATION_ID as CONTENT_APPLICATION_ID
from db.userdata import HISTORY_LIMIT, Bookmark, UserData, Visit
from db.userdata.store import APPLICATION_ID, SCHEMA_VERSION
from tests.kill_mid_write import run_and_kill
from tests.unprivileged import give_back, run_python, take_away

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where the app would keep the store, in a folder that does not exist yet."""
    return tmp_path / "data" / "ClinRef" / "userdata.db"


def _kept_copies(path: Path) -> list[Path]:
    """The moved-aside copies of ``path`` (not their sidecars)."""
    return sorted(p for p in path.parent.glob(f"{path.name}.broken-*") if not p.name.endswith(("-wal", "-shm")))


def _scalar(path: Path, sql: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# -- bookmarks ---------------------------------------------------------------------------


def test_bookmarks_survive_reopening(store_path: Path) -> None:
    with UserData(store_path) as store:
        assert store.reset_reason is None
        assert store.persistent
        saved = store.add_bookmark("clinref://drug/levetiracetam", "Levetiracetam")
        assert store.last_error is None
    assert saved.url == "clinref://drug/levetiracetam"
    assert saved.title == "Levetiracetam"
    with UserData(store_path) as store:
        assert store.bookmarks() == (saved,)
        assert store.is_bookmarked("clinref://drug/levetiracetam")
        assert not store.is_bookmarked("clinref://drug/clonazepam")
        assert store.reset_reason is None


def test_the_file_is_stamped_as_a_user_store_in_wal_mode(store_path: Path) -> None:
    with UserData(store_path):
        pass
    assert store_path.is_file()
    assert _scalar(store_path, "PRAGMA application_id") == APPLICATION_ID == 0x436C6E55
    assert APPLICATION_ID != CONTENT_APPLICATION_ID
    assert _scalar(store_path, "PRAGMA user_version") == SCHEMA_VERSION == 2
    assert _scalar(store_path, "PRAGMA journal_mode") == "wal"


def test_created_is_iso_8601_utc(store_path: Path) -> None:
    from datetime import datetime, timedelta

    with UserData(store_path) as store:
        created = datetime.fromisoformat(store.add_bookmark("u", "t").created)
    assert created.utcoffset() == timedelta(0)


def test_adding_again_updates_the_title_and_keeps_created_and_place(store_path: Path) -> None:
    with UserData(store_path) as store:
        first = store.add_bookmark("a", "Old title")
        store.add_bookmark("b", "B")
        again = store.add_bookmark("a", "New title")
        assert again == Bookmark("a", "New title", first.created)
        assert [b.url for b in store.bookmarks()] == ["b", "a"]
        assert store.bookmarks()[1].title == "New title"
        assert len(store.bookmarks()) == 2


def test_bookmarks_are_newest_first(store_path: Path) -> None:
    urls = [f"clinref://article/{i}" for i in range(12)]
    with UserData(store_path) as store:
        for url in urls:
            store.add_bookmark(url, url.upper())
        assert [b.url for b in store.bookmarks()] == urls[::-1]
    with UserData(store_path) as store:
        assert [b.url for b in store.bookmarks()] == urls[::-1]


def test_remove_bookmark(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.add_bookmark("a", "A")
        store.add_bookmark("b", "B")
        assert store.remove_bookmark("a") is True
        assert store.remove_bookmark("a") is False
        assert store.remove_bookmark("never") is False
        assert not store.is_bookmarked("a")
        assert [b.url for b in store.bookmarks()] == ["b"]
    with UserData(store_path) as store:
        assert [b.url for b in store.bookmarks()] == ["b"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.text(max_size=200), title=st.text(max_size=200))
def test_any_text_round_trips(tmp_path: Path, url: str, title: str) -> None:
    with UserData(tmp_path / "userdata.db") as store:
        saved = store.add_bookmark(url, title)
        assert store.last_error is None
        assert (saved.url, saved.title) == (url, title)
        assert store.is_bookmarked(url)
        assert saved in store.bookmarks()
        store.record_visit(url, title)
        [visit] = store.recent(1)
        assert (visit.url, visit.title) == (url, title)
        assert store.remove_bookmark(url)


# -- history -----------------------------------------------------------------------------


def test_recent_lists_distinct_pages_most_recent_first_with_latest_title(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.record_visit("a", "A v1")
        store.record_visit("b", "B")
        store.record_visit("c", "C")
        store.record_visit("a", "A v2")
        recent = store.recent()
        assert [(v.url, v.title) for v in recent] == [("a", "A v2"), ("c", "C"), ("b", "B")]
        assert all(isinstance(v, Visit) and v.visited.endswith("+00:00") for v in recent)
        assert [v.url for v in store.recent(2)] == ["a", "c"]
        assert store.recent(0) == ()
        assert store.recent(-1) == ()
    with UserData(store_path) as store:
        assert [v.url for v in store.recent()] == ["a", "c", "b"]


def test_recent_defaults_to_twenty(store_path: Path) -> None:
    with UserData(store_path) as store:
        for i in range(30):
            store.record_visit(f"page/{i}", f"Page {i}")
        assert [v.url for v in store.recent()] == [f"page/{i}" for i in range(29, 9, -1)]


def test_reloading_a_page_updates_its_visit_instead_of_adding_rows(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.record_visit("a", "A")
        for _ in range(5):
            store.record_visit("b", "B")
        store.record_visit("b", "B renamed")
        assert [(v.url, v.title) for v in store.recent()] == [("b", "B renamed"), ("a", "A")]
    assert _scalar(store_path, "SELECT count(*) FROM history") == 2


def test_history_keeps_the_newest_500_rows(store_path: Path) -> None:
    total = HISTORY_LIMIT + 37
    with UserData(store_path) as store:
        for i in range(total):
            store.record_visit(f"page/{i}", f"Page {i}")
        assert store.last_error is None
        recent = store.recent(limit=10_000)
    assert HISTORY_LIMIT == 500
    assert len(recent) == HISTORY_LIMIT
    assert recent[0].url == f"page/{total - 1}"
    assert recent[-1].url == f"page/{total - HISTORY_LIMIT}"
    assert _scalar(store_path, "SELECT count(*) FROM history") == HISTORY_LIMIT
    assert _scalar(store_path, "SELECT min(url = 'page/0') FROM history") == 0


def test_clear_history_keeps_bookmarks(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.add_bookmark("a", "A")
        store.record_visit("a", "A")
        store.record_visit("b", "B")
        store.clear_history()
        assert store.recent() == ()
        assert [b.url for b in store.bookmarks()] == ["a"]
        store.record_visit("c", "C")
        assert [v.url for v in store.recent()] == ["c"]
    with UserData(store_path) as store:
        assert [v.url for v in store.recent()] == ["c"]


# -- unusable files: moved aside, never deleted, never raised ---------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 40)


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('someone else''s data')")
    conn.commit()
    conn.close()


def _content_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {CONTENT_APPLICATION_ID}")
    conn.execute("CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.commit()
    conn.close()


def _filled_store(path: Path) -> None:
    with UserData(path) as store:
        for i in range(150):
            store.add_bookmark(f"clinref://article/{i}", "A question-style title " * 8)
    assert not Path(f"{path}-wal").exists()


def _newer_version(path: Path) -> None:
    _filled_store(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


def _truncated(path: Path) -> None:
    _filled_store(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damaged_page(path: Path) -> None:
    _filled_store(path)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[2 * page_size : 4 * page_size] = b"\xa5" * (2 * page_size)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make_bad_file", "what"),
    [
        (_garbage, "not a database"),
        (_foreign_sqlite, "another program"),
        (_content_database, "content database"),
        (_truncated, "damaged"),
        (_damaged_page, "damaged"),
    ],
    ids=["garbage", "foreign-sqlite", "content-db", "truncated", "damaged-page"],
)
def test_an_unusable_file_is_kept_aside_and_a_fresh_store_starts(
    store_path: Path, make_bad_file: Callable[[Path], None], what: str
) -> None:
    store_path.parent.mkdir(parents=True)
    make_bad_file(store_path)
    original = store_path.read_bytes()

    with UserData(store_path) as store:
        assert store.persistent
        assert store.reset_reason is not None
        [kept] = _kept_copies(store_path)
        assert kept.read_bytes() == original
        assert str(store_path) in store.reset_reason
        assert str(kept) in store.reset_reason
        assert what in store.reset_reason
        assert store.bookmarks() == ()
        store.add_bookmark("clinref://drug/clonazepam", "Clonazepam")
        assert store.last_error is None

    with UserData(store_path) as store:
        assert store.reset_reason is None
        assert [b.url for b in store.bookmarks()] == ["clinref://drug/clonazepam"]
    assert kept.read_bytes() == original


def test_a_file_from_a_newer_clinref_is_left_untouched_and_shown(store_path: Path) -> None:
    """A downgrade (or two versions side by side) must not take the newer version's bookmarks away."""
    store_path.parent.mkdir(parents=True)
    _newer_version(store_path)
    original = store_path.read_bytes()
    with UserData(store_path) as store:
        assert not store.persistent
        assert store.reset_reason is not None and "newer version of ClinRef" in store.reset_reason
        assert str(store_path) in store.reset_reason
        assert len(store.bookmarks()) == 150
        store.add_bookmark("clinref://drug/clonazepam", "Clonazepam")
    assert store_path.read_bytes() == original
    assert _kept_copies(store_path) == []


def test_an_empty_file_is_a_fresh_store(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.touch()
    with UserData(store_path) as store:
        assert store.reset_reason is None
        assert store.persistent
        store.add_bookmark("a", "A")
    assert _kept_copies(store_path) == []
    assert _scalar(store_path, "PRAGMA application_id") == APPLICATION_ID


def test_the_journal_files_move_with_the_broken_file_untouched(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    _garbage(store_path)
    Path(f"{store_path}-wal").write_bytes(b"wal bytes")
    Path(f"{store_path}-shm").write_bytes(b"shm bytes")
    with UserData(store_path) as store:
        assert store.reset_reason is not None
        [kept] = _kept_copies(store_path)
        assert Path(f"{kept}-wal").read_bytes() == b"wal bytes"
        assert Path(f"{kept}-shm").read_bytes() == b"shm bytes"
        store.add_bookmark("a", "A")
    with UserData(store_path) as store:
        assert [b.url for b in store.bookmarks()] == ["a"]


def test_a_second_reset_in_the_same_second_keeps_both_copies(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"first")
    UserData(store_path).close()
    store_path.unlink()
    store_path.write_bytes(b"second")
    UserData(store_path).close()
    kept = _kept_copies(store_path)
    assert sorted(p.read_bytes() for p in kept) == [b"first", b"second"]


def test_a_journal_left_without_its_file_is_kept_aside_not_replayed(store_path: Path, tmp_path: Path) -> None:
    # A live store's WAL, copied beside an empty folder, must not become the new store's contents.
    donor = tmp_path / "donor" / "userdata.db"
    with UserData(donor) as store:
        store.add_bookmark("stale", "Stale")
        store_path.parent.mkdir(parents=True)
        shutil.copyfile(f"{donor}-wal", f"{store_path}-wal")
    wal = Path(f"{store_path}-wal").read_bytes()
    with UserData(store_path) as store:
        assert store.reset_reason is not None
        assert str(store_path) in store.reset_reason
        assert store.bookmarks() == ()
        assert store.last_error is None
    kept_wal = [p for p in store_path.parent.glob("userdata.db.broken-*-wal")]
    assert [p.read_bytes() for p in kept_wal] == [wal]
    assert str(kept_wal[0]) in (store.reset_reason or "")


def test_a_file_locked_by_another_program_is_left_alone(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "database is locked" says nothing about the contents: the file must not be moved aside.
    with UserData(store_path) as store:
        store.add_bookmark("a", "A")
    monkeypatch.setattr(db.userdata.store, "BUSY_TIMEOUT_S", 0.0)
    holder = sqlite3.connect(store_path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        pauses: list[float] = []  # the waits for the lock to go, taken without sleeping
        with UserData(store_path, sleep=pauses.append) as store:
            assert pauses == list(db.userdata.store.SETUP_RETRY_DELAYS_S)
            assert not store.persistent
            assert store.reset_reason is not None
            assert str(store_path) in store.reset_reason
            assert "will not be kept this session" in store.reset_reason
            store.add_bookmark("b", "B")
            assert [b.url for b in store.bookmarks()] == ["b"]
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert _kept_copies(store_path) == []
    with UserData(store_path) as store:
        assert store.reset_reason is None
        assert [b.url for b in store.bookmarks()] == ["a"]


def test_a_folder_that_cannot_be_created_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    path = blocker / "ClinRef" / "userdata.db"
    with UserData(path) as store:
        assert not store.persistent
        assert store.reset_reason is not None
        assert "will not be kept this session" in store.reset_reason
        assert str(blocker) in store.reset_reason
        saved = store.add_bookmark("a", "A")
        store.record_visit("a", "A")
        assert store.last_error is None
        assert store.bookmarks() == (saved,)
        assert [v.url for v in store.recent()] == ["a"]
    assert blocker.read_text() == "a file where the data folder should be"


_READ_ONLY_CHILD = """
import json, sys
from pathlib import Path
from db.userdata import UserData
with UserData(Path(sys.argv[1])) as store:
    report = {"persistent": store.persistent, "read_only": store.read_only, "reason": store.reset_reason,
              "unsaved": store.unsaved}
    store.add_bookmark("a", "A")
    report["error"] = store.last_error
    report["urls"] = [b.url for b in store.bookmarks()]
print(json.dumps(report))
"""


def test_a_read_only_folder_falls_back_to_memory(tmp_path: Path) -> None:
    # Run without root's power over file modes (tests/unprivileged.py), so this runs in CI too.
    folder = tmp_path / "read-only"
    folder.mkdir()
    path = folder / "userdata.db"
    take_away(folder, 0o555)
    try:
        report = run_python(_READ_ONLY_CHILD, str(path))
    finally:
        give_back(folder)
    assert not report["persistent"] and not report["read_only"]
    assert str(path) in report["reason"] and "will not be kept this session" in report["reason"]
    assert report["unsaved"] and "not being saved" in report["unsaved"]
    assert report["error"] is None and report["urls"] == ["a"]
    assert list(folder.iterdir()) == []


def test_a_read_only_file_shows_its_bookmarks_but_takes_no_changes(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.add_bookmark("a", "A")
    original = store_path.read_bytes()
    take_away(store_path, 0o444)
    try:
        report = run_python(_READ_ONLY_CHILD, str(store_path))
    finally:
        give_back(store_path)
    assert not report["persistent"] and report["read_only"]
    assert str(store_path) in report["reason"] and "read-only" in report["reason"]
    assert report["urls"] == ["a"]
    assert report["error"] is not None and "read-only" in report["error"]
    assert store_path.read_bytes() == original
    assert _kept_copies(store_path) == []


# -- errors after opening are reported, never raised -------------------------------------


def test_operations_after_close_report_instead_of_raising(store_path: Path) -> None:
    store = UserData(store_path)
    store.close()
    unsaved = store.add_bookmark("a", "A")
    assert unsaved.url == "a"
    assert store.last_error is not None
    assert str(store_path) in store.last_error
    assert store.bookmarks() == ()
    assert store.is_bookmarked("a") is False
    assert store.remove_bookmark("a") is False
    assert store.recent() == ()
    store.record_visit("a", "A")
    store.clear_history()
    assert store.last_error is not None
    store.close()


def test_a_failed_operation_sets_last_error_and_the_next_success_clears_it(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.add_bookmark("a", "A")
        saboteur = sqlite3.connect(store_path)
        saboteur.execute("DROP TABLE history")
        saboteur.commit()
        saboteur.close()
        store.record_visit("a", "A")
        assert store.last_error is not None
        assert "history" in store.last_error
        assert str(store_path) in store.last_error
        assert store.recent() == ()
        assert store.last_error is not None
        assert [b.url for b in store.bookmarks()] == ["a"]
        assert store.last_error is None


def test_text_sqlite_cannot_store_is_reported_not_raised(store_path: Path) -> None:
    with UserData(store_path) as store:
        store.add_bookmark("\ud800", "a lone surrogate, as a broken QString can give")
        assert store.last_error is not None
        store.record_visit("a", "\udc00")
        assert store.last_error is not None
        assert store.bookmarks() == ()
        assert store.recent() == ()


def test_threads_share_one_store(store_path: Path) -> None:
    with UserData(store_path) as store:

        def add(worker: int) -> None:
            for i in range(40):
                store.add_bookmark(f"w{worker}/{i}", "T")
                store.record_visit(f"w{worker}/{i}", "T")

        threads = [threading.Thread(target=add, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.last_error is None
        assert len(store.bookmarks()) == 160


# -- crash safety ------------------------------------------------------------------------


def test_the_files_as_a_crash_leaves_them_open_cleanly(store_path: Path, tmp_path: Path) -> None:
    # Copying the files while the store is open is exactly what a kill leaves on disk.
    crashed = tmp_path / "crashed" / "userdata.db"
    crashed.parent.mkdir()
    with UserData(store_path) as store:
        for i in range(30):
            store.add_bookmark(f"u{i}", "T")
        for suffix in ("", "-wal", "-shm"):
            shutil.copyfile(f"{store_path}{suffix}", f"{crashed}{suffix}")
    with UserData(crashed) as store:
        assert store.reset_reason is None
        assert len(store.bookmarks()) == 30


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from db.userdata import UserData

    store = UserData(Path(sys.argv[1]))
    if store.reset_reason is not None:
        print("RESET", store.reset_reason, flush=True)
        sys.exit(3)
    i = 0
    while True:
        url = f"clinref://{sys.argv[2]}/{i}"
        store.add_bookmark(url, "A question-style title " * (i % 7))
        if store.last_error is not None:
            print("ERROR", store.last_error, flush=True)
            sys.exit(4)
        print(url, flush=True)
        if i % 3 == 0:
            store.record_visit(url, "visited")
        i += 1
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_every_reported_bookmark_survives_sigkill(tmp_path: Path) -> None:
    schedule = {  # store -> the number of reported bookmarks after which each run is killed
        "a": [1, 5, 17, 40, 2],
        "b": [5, 17, 40, 3, 11],
        "c": [17, 40, 1, 29, 5],
        "d": [40, 8, 17, 5, 23],
        "e": [3, 5, 17, 40, 13],
    }
    assert sum(len(ns) for ns in schedule.values()) == 25
    for name, counts in schedule.items():
        path = tmp_path / name / "userdata.db"
        committed: set[str] = set()
        for run, lines in enumerate(counts):
            committed.update(run_and_kill(_CHILD, [str(path), f"{name}{run}"], lines))
            with UserData(path) as store:
                assert store.reset_reason is None, store.reset_reason
                assert store.persistent
                present = {b.url for b in store.bookmarks()}
                assert store.last_error is None
            assert committed <= present, sorted(committed - present)[:5]
            conn = sqlite3.connect(path)
            try:
                assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            finally:
                conn.close()
