"""The bookmarks store tells the truth: a lock is waited for, a lost store says so and retries, a full disk is
called full, a read-only store is shown read-only, a network share gets a rollback journal.

Each test fails if the handling it covers is removed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import db.userdata.store
from db.userdata import UserData
from db.userdata.filesystems import linux_type, network_file_system
from db.userdata.migration import migrate_store
from db.userdata.recovery import DISK_FULL, diagnose, orphan_journal
from db.userdata.store import SETUP_RETRY_DELAYS_S
from tests.unprivileged import REPO_ROOT, give_back, run_python, take_away


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "ClinRef" / "userdata.db"


def _holder_mid_setup(path: Path) -> sqlite3.Connection:
    """Another ClinRef, creating the same new store: it holds the write lock while it makes the tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute(
        "CREATE TABLE IF NOT EXISTS bookmarks (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, "
        "title TEXT NOT NULL, created TEXT NOT NULL)"
    )
    return holder


def _urls(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT url FROM bookmarks ORDER BY id")]
    finally:
        conn.close()


# -- two ClinRefs starting at once ------------------------------------------------------------------------


def test_setup_waits_for_another_clinref_holding_the_lock(store_path: Path) -> None:
    holder = _holder_mid_setup(store_path)
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # instead of sleeping, the other ClinRef finishes during the second pause
        pauses.append(seconds)
        if len(pauses) == 2:
            holder.execute("COMMIT")

    try:
        with UserData(store_path, sleep=pause) as store:
            assert store.persistent and store.unsaved is None, store.reset_reason
            assert store.journal_mode == "wal"
            store.add_bookmark("drug:clonazepam", "clonazepam")
            assert store.last_error is None
    finally:
        holder.close()
    assert pauses == list(SETUP_RETRY_DELAYS_S[:2])
    assert _urls(store_path) == ["drug:clonazepam"]


def test_a_lock_held_throughout_gives_a_store_that_says_so_and_retry_keeps_what_was_added(store_path: Path) -> None:
    holder = _holder_mid_setup(store_path)
    pauses: list[float] = []
    try:
        store = UserData(store_path, sleep=pauses.append)
        assert pauses == list(SETUP_RETRY_DELAYS_S), "the retries are bounded"
        assert not store.persistent and store.can_retry
        assert store.unsaved is not None and "not being saved" in store.unsaved
        assert store.reset_reason is not None and "locked" in store.reset_reason
        store.add_bookmark("drug:clonazepam", "clonazepam")
        assert not store.retry()  # still held: nothing lost, and it says why
        assert store.last_error is not None and "locked" in store.last_error
        assert [b.url for b in store.bookmarks()] == ["drug:clonazepam"]
    finally:
        holder.execute("COMMIT")
        holder.close()
    try:
        assert store.retry()
        assert store.persistent and store.unsaved is None
        store.add_bookmark("drug:levetiracetam", "levetiracetam")
    finally:
        store.close()
    assert _urls(store_path) == ["drug:clonazepam", "drug:levetiracetam"]


# -- the write that failed, and a full disk ----------------------------------------------------------------


def test_a_full_disk_is_named_full_and_the_failed_write_is_not_cleared_by_a_read(store_path: Path) -> None:
    # Simulated with SQLite's own limit (PRAGMA max_page_count), which fails a write as a full disk does.
    with UserData(store_path) as store:
        store.add_bookmark("drug:clonazepam", "clonazepam")
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]  # one connection: the limit is per connection
        store._conn.execute(f"PRAGMA max_page_count = {pages}")
        saved = store.add_bookmark("drug:valproic-acid", "valproic acid " + "x" * 20_000)
        assert store.last_write_error is not None and DISK_FULL in store.last_write_error
        assert store.is_bookmarked(saved.url) is False
        assert store.last_error is None  # the read succeeded ...
        assert store.last_write_error is not None  # ... and the failed write is still what the window reports
        store.record_visit("drug:valproic-acid", "valproic acid " + "y" * 20_000)
        assert store.last_write_error is not None and "history" in store.last_write_error


@contextlib.contextmanager
def _tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 192 KiB tmpfs, when this machine lets us mount one (root in CI); skips otherwise."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(mount_point)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.decode().strip()}); the max_page_count test stands")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_a_really_full_disk_is_named_full_at_start_up_and_on_a_write(tmp_path: Path) -> None:
    with _tiny_disk(tmp_path) as disk:
        path = disk / "ClinRef" / "userdata.db"
        with UserData(path) as store:
            assert store.persistent
            store.add_bookmark("drug:clonazepam", "clonazepam")
            filler = disk / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as handle:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
            store.add_bookmark("drug:valproic-acid", "valproic acid " + "x" * 60_000)
            assert store.last_write_error is not None and DISK_FULL in store.last_write_error, store.last_write_error
        path.unlink()
        for sidecar in ("-wal", "-shm"):
            Path(f"{path}{sidecar}").unlink(missing_ok=True)
        with contextlib.suppress(OSError), (disk / "filler2").open("wb") as handle:
            while True:
                handle.write(b"\0" * 512)
                handle.flush()
        with UserData(path) as store:  # a new store on a full disk, as at a first start
            assert not store.persistent
            assert store.reset_reason is not None and DISK_FULL in store.reset_reason, store.reset_reason


# -- read-only stores, as a user file modes bind ------------------------------------------------------------

_STORE_CHILD = """
import json, sys
from pathlib import Path
from db.userdata import UserData
with UserData(Path(sys.argv[1])) as store:
    report = {"persistent": store.persistent, "read_only": store.read_only, "unsaved": store.unsaved,
              "reason": store.reset_reason, "before": [b.url for b in store.bookmarks()]}
    store.add_bookmark("drug:new", "new")
    report["write_error"] = store.last_write_error
    report["after"] = [b.url for b in store.bookmarks()]
print(json.dumps(report))
"""


def _saved_store(path: Path) -> bytes:
    with UserData(path) as store:
        store.add_bookmark("drug:clonazepam", "clonazepam")
    return path.read_bytes()


def test_a_store_in_a_folder_that_takes_no_writes_is_shown_read_only(store_path: Path) -> None:
    original = _saved_store(store_path)
    take_away(store_path.parent, 0o555)
    try:
        report = run_python(_STORE_CHILD, str(store_path))
    finally:
        give_back(store_path.parent)
    assert report["before"] == ["drug:clonazepam"], report  # was hidden ("attempt to write a readonly database")
    assert report["read_only"] and not report["persistent"]
    assert report["unsaved"] and "read-only" in report["unsaved"]
    assert report["after"] == ["drug:clonazepam"] and "read-only" in report["write_error"]
    assert store_path.read_bytes() == original


def test_a_read_only_store_file_is_shown_read_only(store_path: Path) -> None:
    original = _saved_store(store_path)
    take_away(store_path, 0o444)
    try:
        report = run_python(_STORE_CHILD, str(store_path))
    finally:
        give_back(store_path)
    assert report["before"] == ["drug:clonazepam"] and report["read_only"], report
    assert report["after"] == ["drug:clonazepam"] and "read-only" in report["write_error"]
    assert str(store_path) in report["reason"]
    assert store_path.read_bytes() == original


# -- network file systems ------------------------------------------------------------------------------------

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /home rw,relatime shared:20 - nfs4 server:/home rw,vers=4.2
41 40 0:36 / /home/ward\\040PCs/local rw,relatime shared:21 - ext4 /dev/sdb1 rw
42 22 0:37 / /mnt/share rw,relatime shared:22 - cifs //server/profiles rw
"""


@pytest.mark.parametrize(
    ("folder", "kind"),
    [
        ("/home/alice/.local/share/ClinRef", "nfs4"),
        ("/home/ward PCs/local/ClinRef", "ext4"),
        ("/mnt/share/alice", "cifs"),
        ("/var/lib/x", "ext4"),
        ("/homework", "ext4"),
    ],
)
def test_the_file_system_of_a_folder_is_read_from_mountinfo(folder: str, kind: str) -> None:
    assert linux_type(Path(folder), MOUNTINFO) == kind


def test_a_store_on_a_network_share_keeps_a_rollback_journal(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _saved_store(store_path)  # an existing store in WAL mode, as a local folder has it
    monkeypatch.setattr(db.userdata.store, "network_file_system", lambda folder: "nfs4")
    with UserData(store_path) as store:
        assert store.persistent and store.journal_mode == "delete"
        assert [b.url for b in store.bookmarks()] == ["drug:clonazepam"]
        store.add_bookmark("drug:valproic-acid", "valproic acid")
    conn = sqlite3.connect(store_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_a_local_folder_is_not_taken_for_a_share(tmp_path: Path) -> None:
    assert network_file_system(tmp_path) is None


# -- Windows: the store leaves the roaming profile -----------------------------------------------------------


def test_a_store_in_the_roaming_folder_moves_to_the_local_one(tmp_path: Path) -> None:
    roaming = tmp_path / "Roaming" / "ClinRef" / "userdata.db"
    local = tmp_path / "Local" / "ClinRef" / "userdata.db"
    _saved_store(roaming)
    notice = migrate_store(roaming, local)
    assert notice is not None and str(local.parent) in notice
    assert _urls(local) == ["drug:clonazepam"]
    assert not roaming.exists() and roaming.with_name("userdata.db.moved").exists()  # kept, never deleted
    assert migrate_store(roaming, local) is None  # once only
    with UserData(local) as store:
        assert store.reset_reason is None and [b.url for b in store.bookmarks()] == ["drug:clonazepam"]


def test_nothing_moves_when_the_local_store_exists_or_they_are_one_folder(tmp_path: Path) -> None:
    roaming, local = tmp_path / "a" / "userdata.db", tmp_path / "b" / "userdata.db"
    _saved_store(roaming)
    _saved_store(local)
    assert migrate_store(roaming, local) is None and roaming.exists()
    assert migrate_store(local, local) is None


# -- the real race, as two ClinRefs started at once on a new profile -------------------------------------------

_RACER = """
import json, sys
from pathlib import Path
from db.userdata import UserData
with UserData(Path(sys.argv[1])) as store:
    store.add_bookmark(sys.argv[2], sys.argv[2])
    print(json.dumps({"persistent": store.persistent, "error": store.last_write_error, "reason": store.reset_reason}))
"""

RACES = 10


@pytest.mark.slow
def test_two_clinrefs_starting_at_once_on_a_new_profile_both_keep_their_bookmarks(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}
    for race in range(RACES):
        path = tmp_path / f"profile{race}" / "ClinRef" / "userdata.db"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", _RACER, str(path), f"drug:{name}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for name in ("a", "b")
        ]
        for racer in racers:
            out, err = racer.communicate(timeout=60)
            report = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"stderr": err}
            assert report.get("persistent") and not report["error"] and not report["reason"], (race, report)
        assert sorted(_urls(path)) == ["drug:a", "drug:b"], race


def test_a_store_made_by_another_clinref_while_this_one_looks_is_not_taken_for_an_orphan_journal(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This one sees no file; the other then makes it and writes its tables to the WAL; this one then sees the WAL.
    store_path.parent.mkdir(parents=True)
    real = orphan_journal
    other: list[UserData] = []
    started: list[bool] = []

    def the_other_clinref_starts_meanwhile(path: Path) -> bool:
        if not started:
            started.append(True)
            other.append(UserData(store_path))  # not patched for it: it finds no journal
            other[0].add_bookmark("drug:a", "a")
        return real(path)

    monkeypatch.setattr(db.userdata.store, "orphan_journal", the_other_clinref_starts_meanwhile)
    # Across processes the setup lock makes the other wait for this one; here it runs inside this one's setup,
    # as where no lock file can be made (some network shares): it gives up on the lock at once.
    monkeypatch.setattr(db.userdata.store, "SETUP_LOCK_TIMEOUT_S", 0.01)
    try:
        with UserData(store_path) as store:
            assert store.reset_reason is None, store.reset_reason  # was: "its journal was left behind", moved aside
            assert store.persistent
            store.add_bookmark("drug:b", "b")
    finally:
        other[0].close()
    assert sorted(_urls(store_path)) == ["drug:a", "drug:b"]
    assert list(store_path.parent.glob("*.broken-*")) == []


def test_a_store_that_looks_foreign_while_another_clinref_sets_it_up_is_not_moved_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race seen twice in 60: the other ClinRef's half-made file first reads as foreign, then as its own."""
    import db.userdata.store as store_module

    path = tmp_path / "userdata.db"
    with UserData(path) as first:
        first.add_bookmark("drug:a", "a")
    looks = iter(["could not be used (it is a SQLite database from another program, not a ClinRef bookmarks file)"])
    real = diagnose
    monkeypatch.setattr(store_module, "diagnose", lambda *args: next(looks, None) or real(*args))
    monkeypatch.setattr(store_module, "DAMAGE_RECHECK_DELAYS_S", (0.0,))
    with UserData(path, sleep=lambda _s: None) as second:
        assert second.reset_reason is None and second.persistent
        assert [b.url for b in second.bookmarks()] == ["drug:a"]
    assert not list(tmp_path.glob("userdata.db.broken-*"))
    # Damage that stays after the second look is moved aside, as before.
    monkeypatch.setattr(store_module, "diagnose", lambda *args: "was damaged (not a database)")
    with UserData(path, sleep=lambda _s: None) as third:
        assert third.reset_reason is not None and "was damaged" in third.reset_reason
    assert list(tmp_path.glob("userdata.db.broken-*"))
