"""The per-user store: bookmarks and reading history, in a SQLite file of their own.

What belongs to the user lives apart from the content, so a content update never touches it.
The app passes a path under its per-user data folder; this module creates the folder, keeps
the file in WAL mode with ``synchronous=FULL`` for bookmark commits (a committed bookmark
survives the process being killed at any instant, and a power cut), and never raises to
the GUI: a file that cannot be used is moved aside (never deleted) and a fresh store is
started, and a failed operation is recorded in :attr:`UserData.last_error`.

It never pretends: a store that cannot be kept says so in :attr:`UserData.unsaved` for as long
as it lasts (and :meth:`UserData.retry` tries again, keeping what was done meanwhile), a
read-only store is shown read-only, and a full disk is called full. On a network file system
(a redirected profile) the store keeps a rollback journal, as WAL is unsafe there.

Standard library only; nothing here imports Qt.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from db.userdata.filesystems import network_file_system
from db.userdata.recovery import (
    NewerFormat,
    diagnose,
    is_busy,
    is_cant_open,
    move_aside,
    orphan_journal,
    os_reason,
    read_only_uri,
    sidecar,
    sqlite_reason,
)

#: Stored in ``PRAGMA application_id``: "ClnU". Tells the user store from content ("ClnR") and other files.
APPLICATION_ID = 0x436C6E55

#: Stored in ``PRAGMA user_version``. A file with a newer version is moved aside, not read.
#: 2 added the study tables (:mod:`db.userdata.reviews`); a version-1 file gains them when opened.
SCHEMA_VERSION = 2

#: History rows kept; older visits are pruned on each new one.
HISTORY_LIMIT = 500

#: Seconds an operation waits for another ClinRef (another window, another session) to finish writing.
BUSY_TIMEOUT_S = 2.0

#: Pauses between attempts to set the file up while another ClinRef holds it. SQLite does not wait on its own
#: for the lock ``PRAGMA journal_mode = WAL`` needs, so two ClinRefs starting at once on a new profile made one
#: of them give up at once. About 3 s in all, then the store says it is not being kept and offers to retry.
SETUP_RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)

#: Seconds between second looks at a file that seems damaged or foreign before it is moved aside: one
#: that another ClinRef is setting up right now is valid within milliseconds; real damage stays.
DAMAGE_RECHECK_DELAYS_S = (0.05, 0.1, 0.2)
#: The lock file beside the store that one ClinRef holds while it sets the store up, and how long another waits.
SETUP_LOCK_SUFFIX = ".setup-lock"
SETUP_LOCK_TIMEOUT_S = 10.0

#: The files SQLite keeps beside the database; they belong to it and move with it.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bookmarks (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS history (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        visited TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS history_by_url ON history (url, id)",
    # Study mode (format 2): a card's schedule (an fsrs card as JSON) and its answer's fingerprint.
    """CREATE TABLE IF NOT EXISTS study_cards (
        card_id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        schedule TEXT NOT NULL,
        due TEXT NOT NULL,
        reviews INTEGER NOT NULL,
        retired INTEGER NOT NULL,
        updated_in TEXT NOT NULL,
        content_version TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS study_log (
        id INTEGER PRIMARY KEY,
        card_id TEXT NOT NULL,
        rating INTEGER NOT NULL,
        reviewed TEXT NOT NULL,
        fingerprint TEXT NOT NULL
    )""",
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class Bookmark:
    """A page the user chose to keep: its address, title, and when it was first bookmarked (ISO-8601, UTC)."""

    url: str
    title: str
    created: str


@dataclass(frozen=True)
class Visit:
    """The last time the user read a page: its address, title then, and when (ISO-8601, UTC)."""

    url: str
    title: str
    visited: str


class UserData:
    """The user's bookmarks and reading history, kept in one SQLite file.

    Opening never raises for a bad file. A file that is not a SQLite database, belongs to
    another program, was written by a newer ClinRef, or fails ``PRAGMA quick_check`` is
    renamed to ``<name>.broken-YYYYmmdd-HHMMSS`` (local time; with its ``-wal``/``-shm``)
    and a fresh store is started. A file that cannot be created or written (read-only
    folder, locked by another program) is left alone and the store lives in memory for this
    session. Either way :attr:`reset_reason` says, in a sentence for the user, what happened.

    After opening, public methods never raise on database errors: they return an empty or
    unsaved result and set :attr:`last_error` to a sentence naming the file. Safe to share
    between threads: operations are serialised on one connection.
    """

    def __init__(self, path: Path, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(path)
        #: Why the store was reset or is not being kept, for the user; None when all is well.
        self.reset_reason: str | None = None
        #: What went wrong in the most recent operation, for the user; None when it succeeded.
        self.last_error: str | None = None
        #: What went wrong in the most recent write (a read never clears it); None when it was saved.
        self.last_write_error: str | None = None
        #: False when nothing done this session is kept: the store lives in memory, or is read-only.
        self.persistent = True
        #: True when the saved bookmarks are shown but cannot be changed (the file or its folder takes no writes).
        self.read_only = False
        #: While :attr:`persistent` is False: one sentence saying so and why, for the window to keep showing.
        self.unsaved: str | None = None
        #: Whether trying again (:meth:`retry`) may help: not for a file a newer ClinRef wrote.
        self.can_retry = False
        #: ``"wal"``, or ``"delete"`` on a network file system; ``"memory"`` when not kept.
        self.journal_mode = "memory"
        self._sleep = sleep
        self._lock = threading.Lock()
        self._conn = self._open()

    # -- opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        """The connection to use: the file when it can be used, a fresh file, or memory."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            is_dir = self.path.is_dir()
        except OSError as exc:
            return self._in_memory(
                f"the folder {self.path.parent} for your bookmarks file cannot be created ({os_reason(exc)}); "
                "check that you can write there"
            )
        if is_dir:
            return self._in_memory(f"{self.path} is a folder, not a file")
        if self._in_use():
            return self._set_up(healthy=True)  # a store already set up: nothing is made or moved aside, no lock
        # Two ClinRefs starting at once on one profile: the second waits while the first looks at, moves
        # aside or sets up the file, so it never sees (and resets) a store half made. Pauses alone were not
        # enough on a loaded machine (1 race in 60 lost a bookmark). A folder that takes no lock file
        # (read-only, some network shares) goes on without one: nothing is set up there.
        from filelock import FileLock  # only here: importing it costs start-up time (decimal, platform, secrets)
        from filelock import Timeout as FileLockTimeout

        try:
            lock = FileLock(sidecar(self.path, SETUP_LOCK_SUFFIX), timeout=SETUP_LOCK_TIMEOUT_S)
            lock.acquire()
        except (FileLockTimeout, OSError):
            return self._set_up()
        try:
            return self._set_up()
        finally:
            lock.release()

    def _in_use(self) -> bool:
        """Whether the file is there and a healthy store of this format (the usual start: one quick look)."""
        if not os.path.lexists(self.path):
            return False
        try:
            return diagnose(self.path, APPLICATION_ID, SCHEMA_VERSION, BUSY_TIMEOUT_S) is None
        except (sqlite3.Error, NewerFormat):
            return False  # looked at again, under the lock, by the full set-up

    def _set_up(self, *, healthy: bool = False) -> sqlite3.Connection:
        """Use the file as found (looked at again now: another ClinRef may have just made it), else start afresh.

        ``healthy``: :meth:`_in_use` has just found the file a sound store of this format; it is not looked at again.
        """
        exists = healthy or os.path.lexists(self.path)
        if not exists and orphan_journal(self.path):
            # A journal without its database would be replayed into the new, empty file; but another ClinRef
            # starting now makes the file before its journal, so a file there now means it was only just made.
            exists = os.path.lexists(self.path)
        damage: str | None = None
        if exists and not healthy:
            try:
                damage = self._diagnose_with_retries()
            except NewerFormat as newer:
                # Another ClinRef (newer) owns this file: never move it aside or write to it.
                return self._in_memory(
                    f"your bookmarks file {self.path} was written by a newer version of ClinRef (format "
                    f"{newer.version}; this version reads format {SCHEMA_VERSION}); it is left untouched for that "
                    "version, and changes made in this one are not kept",
                    copy_of=self.path,
                    retry=False,
                )
            except sqlite3.Error as exc:
                return self._in_memory(
                    f"the bookmarks file {self.path} cannot be opened ({sqlite_reason(exc, self.path.parent)})",
                    copy_of=self.path,
                    read_only=True,
                )
        elif not exists:
            damage = "was missing but its journal was left behind" if orphan_journal(self.path) else None

        if damage is not None:
            try:
                kept = move_aside(self.path)
            except OSError as exc:
                return self._in_memory(
                    f"the bookmarks file {self.path} {damage} and could not be moved aside ({os_reason(exc)}); "
                    "move it elsewhere to start afresh"
                )
            # Something was there a moment ago; if it vanished meanwhile there is nothing to keep.
            where = f"the old copy was kept as {kept[0]}" if kept else "nothing was left to keep"
            self.reset_reason = f"Your bookmarks file {self.path} {damage} and has been reset; {where}."

        try:
            conn = self._connect_with_retries()
        except sqlite3.Error as exc:
            sound = exists and damage is None
            return self._in_memory(
                f"the bookmarks file {self.path} cannot be written ({sqlite_reason(exc, self.path.parent)}); "
                f"check that you can write to it and to {self.path.parent}",
                # A healthy file that only takes no writes still has the user's bookmarks: show them, read-only.
                copy_of=self.path if sound else None,
                read_only=sound,
            )
        self.persistent, self.read_only, self.unsaved, self.can_retry = True, False, None, False
        return conn

    def _diagnose_with_retries(self) -> str | None:
        """:func:`diagnose`, tried again while another ClinRef is still setting the file up: a file is
        moved aside only when it still looks damaged after the last retry.

        Read-only, a file that another process is switching to WAL cannot be opened until it has made the
        ``-shm`` ("unable to open database file"); in a folder we cannot write to, that is not going to change.
        """
        rechecks = list(DAMAGE_RECHECK_DELAYS_S)
        for delay in (*SETUP_RETRY_DELAYS_S, None):
            try:
                verdict = diagnose(self.path, APPLICATION_ID, SCHEMA_VERSION, BUSY_TIMEOUT_S)
            except NewerFormat:
                raise
            except sqlite3.Error as exc:
                transient = is_busy(exc) or (is_cant_open(exc) and os.access(self.path.parent, os.W_OK))
                if delay is None or not transient:
                    raise
                self._sleep(delay)
                continue
            # A file that looks damaged or foreign may be one another ClinRef is setting up right now
            # (seen 2 times in 60 races: "a SQLite database from another program", then moved aside with
            # the other's first bookmark in it). It is valid within milliseconds; real damage stays.
            if verdict is None or not rechecks:
                return verdict
            self._sleep(rechecks.pop(0))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _connect_with_retries(self) -> sqlite3.Connection:
        """:func:`_connect_file`, tried again after a pause while another process holds the file's lock."""
        network = network_file_system(self.path.parent)
        for delay in (*SETUP_RETRY_DELAYS_S, None):
            try:
                conn = _connect_file(self.path, wal=network is None)
            except sqlite3.Error as exc:
                if delay is None or not is_busy(exc):
                    raise
                self._sleep(delay)
                continue
            self.journal_mode = "wal" if network is None else "delete"
            return conn
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _in_memory(
        self, why: str, copy_of: Path | None = None, *, read_only: bool = False, retry: bool = True
    ) -> sqlite3.Connection:
        """A store that lasts this session only, seeded from ``copy_of`` when it can be read.

        With ``read_only``, the copy is shown and changes are refused (a store that cannot be kept should not
        look as if it took them). Records the reason for the user in :attr:`reset_reason` and :attr:`unsaved`.
        """
        self.persistent = False
        self.can_retry = retry
        self.journal_mode = "memory"
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        copied = False
        shown = ""
        if copy_of is not None:
            try:
                _copy_into(copy_of, conn)
                copied = True
                shown = (
                    " The bookmarks saved before are shown, read-only."
                    if read_only
                    else " The bookmarks saved before are shown, but changes will be lost when ClinRef closes."
                )
            except sqlite3.Error as exc:
                conn.close()
                conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                shown = f" The bookmarks saved before cannot be shown either ({exc})."
        self.read_only = read_only and copied
        if self.read_only:
            reason = f"Your bookmarks are read-only this session: {why}.{shown}"
            self.unsaved = f"Bookmarks are read-only: {self.path} cannot be written."
        else:
            reason = f"Your bookmarks and history will not be kept this session: {why}.{shown}"
            self.unsaved = "Bookmarks and history are not being saved: " + why.split(";")[0] + "."
        self.reset_reason = f"{self.reset_reason} {reason}" if self.reset_reason else reason
        _create_schema(conn)
        return conn

    def retry(self) -> bool:
        """Try the file again; True once bookmarks and history are being kept in it.

        What was added while the store lived in memory is saved into the file. On failure nothing is lost
        either: the session's store stays, and :attr:`unsaved` says why.
        """
        if self.persistent:
            return True
        with self._lock:
            old = self._conn
            state = (self.reset_reason, self.unsaved, self.read_only, self.can_retry, self.journal_mode)
            self.reset_reason = None
            self._conn = self._open()
            if not self.persistent:
                why = self.reset_reason
                self._conn.close()
                self._conn = old
                self.reset_reason, self.unsaved, self.read_only, self.can_retry, self.journal_mode = state
                self.last_error = why
                return False
            was_read_only = state[2]
            if not was_read_only:
                try:
                    _carry_over(old, self._conn)
                except sqlite3.Error as exc:
                    self.last_error = f"Could not save this session's bookmarks into {self.path} ({exc})."
            old.close()
            self.last_error = self.last_write_error = None
            return True

    # -- bookmarks -----------------------------------------------------------------------

    def bookmarks(self) -> tuple[Bookmark, ...]:
        """Every bookmark, the most recently added first; empty (with :attr:`last_error`) on failure."""

        def read(conn: sqlite3.Connection) -> tuple[Bookmark, ...]:
            rows = conn.execute("SELECT url, title, created FROM bookmarks ORDER BY id DESC").fetchall()
            return tuple(Bookmark(url, title, created) for url, title, created in rows)

        return self.run(read, (), "read your bookmarks")

    def add_bookmark(self, url: str, title: str) -> Bookmark:
        """Bookmark ``url``; bookmarking it again updates the title and keeps its place and created time.

        On failure the returned bookmark is not saved, and :attr:`last_error` says why.
        """
        unsaved = Bookmark(url, title, _now())

        def write(conn: sqlite3.Connection) -> Bookmark:
            conn.execute(
                "INSERT INTO bookmarks (url, title, created) VALUES (?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET title = excluded.title",
                (url, title, unsaved.created),
            )
            saved_url, saved_title, created = conn.execute(
                "SELECT url, title, created FROM bookmarks WHERE url = ?", (url,)
            ).fetchone()
            return Bookmark(saved_url, saved_title, created)

        return self.run(write, unsaved, "save the bookmark", write=True, durable=True)

    def remove_bookmark(self, url: str) -> bool:
        """Remove the bookmark for ``url``; True when there was one and it is gone."""

        def write(conn: sqlite3.Connection) -> bool:
            return conn.execute("DELETE FROM bookmarks WHERE url = ?", (url,)).rowcount > 0

        return self.run(write, False, "remove the bookmark", write=True, durable=True)

    def is_bookmarked(self, url: str) -> bool:
        """True when ``url`` is bookmarked; False (with :attr:`last_error`) when that cannot be read."""

        def read(conn: sqlite3.Connection) -> bool:
            return conn.execute("SELECT 1 FROM bookmarks WHERE url = ?", (url,)).fetchone() is not None

        return self.run(read, False, "read your bookmarks")

    # -- history -------------------------------------------------------------------------

    def record_visit(self, url: str, title: str) -> str | None:
        """Note that the user opened ``url`` now, keeping the newest :data:`HISTORY_LIMIT` visits.

        Reopening the page just visited updates that visit rather than adding another, so
        reloading a page does not push older pages out of history. Returns what went wrong (also
        in :attr:`last_error` and :attr:`last_write_error`), None when the visit was saved.
        """
        _, error = self._run_visit(url, title, _now(), report=True)
        return error

    def save_visit(self, url: str, title: str, visited: str) -> str | None:
        """:meth:`record_visit` for a visit made at ``visited`` (ISO-8601), written by another thread.

        Its outcome is returned, never put in :attr:`last_error` or :attr:`last_write_error`: those
        belong to the thread that reads them right after its own operation (a bookmark toggled on
        the GUI thread), and a visit written meanwhile must neither clear nor replace that.
        """
        _, error = self._run_visit(url, title, visited, report=False)
        return error

    def _run_visit(self, url: str, title: str, visited: str, *, report: bool) -> tuple[None, str | None]:
        def write(conn: sqlite3.Connection) -> None:
            last = conn.execute("SELECT id, url FROM history ORDER BY id DESC LIMIT 1").fetchone()
            if last is not None and last[1] == url:
                conn.execute("UPDATE history SET title = ?, visited = ? WHERE id = ?", (title, visited, last[0]))
                return
            conn.execute("INSERT INTO history (url, title, visited) VALUES (?, ?, ?)", (url, title, visited))
            conn.execute(
                "DELETE FROM history WHERE id <= (SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (HISTORY_LIMIT,),
            )

        # History is not worth a disk flush per page turned: a crash still keeps it, a power cut may lose the last.
        doing = "record the page in your history"
        if report:
            with self._lock:
                outcome = self._attempt(write, None, doing, write=True, durable=False)
                self._report(outcome, write=True)
                return outcome
        return self.attempt(write, None, doing, write=True, durable=False)

    def recent(self, limit: int = 20) -> tuple[Visit, ...]:
        """The last ``limit`` distinct pages visited, the most recent first, each with its latest title."""
        if limit <= 0:
            return ()

        def read(conn: sqlite3.Connection) -> tuple[Visit, ...]:
            rows = conn.execute(
                "SELECT h.url, h.title, h.visited FROM history h "
                "JOIN (SELECT MAX(id) AS id FROM history GROUP BY url) latest ON latest.id = h.id "
                "ORDER BY h.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
            return tuple(Visit(url, title, visited) for url, title, visited in rows)

        return self.run(read, (), "read your history")

    def clear_history(self) -> None:
        """Forget every visit. Bookmarks are kept."""

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM history")

        self.run(write, None, "clear your history", write=True, durable=True)

    def run(
        self,
        operation: Callable[[sqlite3.Connection], _T],
        failed: _T,
        doing: str,
        *,
        write: bool = False,
        durable: bool = False,
    ) -> _T:
        """Run one operation as its own transaction; on a database error return ``failed``.

        The one way into the file, for this store's own operations and for the stores that share its
        file (study reviews): it takes the lock, refuses writes to a read-only store, and turns a
        database error into ``last_error`` / ``last_write_error`` in words a person can act on.
        """
        with self._lock:
            outcome = self._attempt(operation, failed, doing, write=write, durable=durable)
            self._report(outcome, write=write)
            return outcome[0]

    def attempt(
        self,
        operation: Callable[[sqlite3.Connection], _T],
        failed: _T,
        doing: str,
        *,
        write: bool = False,
        durable: bool = False,
    ) -> tuple[_T, str | None]:
        """:meth:`run`, returning its result and its own error (None when it succeeded) instead of
        setting :attr:`last_error` / :attr:`last_write_error`: for a thread other than the one that reads those.
        """
        with self._lock:
            return self._attempt(operation, failed, doing, write=write, durable=durable)

    def _report(self, outcome: tuple[object, str | None], *, write: bool) -> None:
        """Put an operation's error where :meth:`run`'s callers read it (the lock is held)."""
        self.last_error = outcome[1]
        if write:
            self.last_write_error = outcome[1]

    def _attempt(
        self, operation: Callable[[sqlite3.Connection], _T], failed: _T, doing: str, *, write: bool, durable: bool
    ) -> tuple[_T, str | None]:
        """One operation as its own transaction, with the lock held: its result, or ``failed`` and why."""
        if write and self.read_only:
            return failed, f"Could not {doing}: your bookmarks file {self.path} is read-only this session."
        try:
            if not write:
                return operation(self._conn), None
            self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = operation(self._conn)
                self._conn.execute("COMMIT")
            except BaseException:
                _roll_back(self._conn)
                raise
            return result, None
        except (sqlite3.Error, UnicodeError) as exc:
            where = f"the bookmarks file {self.path}" if self.persistent else "memory"
            reason = sqlite_reason(exc, self.path.parent) if isinstance(exc, sqlite3.Error) else str(exc)
            return failed, f"Could not {doing} in {where} ({reason})."

    def close(self) -> None:
        """Close the file. Closing twice is harmless; other calls after closing say so in :attr:`last_error`."""
        with self._lock:
            try:
                self._conn.close()
            except sqlite3.Error as exc:
                self.last_error = f"Could not close the bookmarks file {self.path} ({exc})."

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


# -- helpers -------------------------------------------------------------------------------


def _now() -> str:
    """The current time, ISO-8601 in UTC to the second: ``2026-11-21T19:30:00+00:00``."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _connect_file(path: Path, *, wal: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the store at ``path``, in WAL mode (``wal``) or with a rollback journal."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
    try:
        # WAL: a commit is one append, so a kill at any instant leaves the last commit whole.
        # If the file system cannot do WAL, SQLite keeps a rollback journal, which is as safe and slower.
        # On a network file system WAL's shared memory is not shared between machines: a rollback journal is
        # the safe choice there (a file already in WAL is switched back).
        conn.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA fullfsync = ON")  # macOS: flush the drive's cache too, not only the OS's
        _create_schema(conn)
        _probe_writable(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _copy_into(path: Path, conn: sqlite3.Connection) -> None:
    """Copy the bookmarks and history at ``path`` into ``conn`` without writing to it; raises when unreadable.

    Read-only, or as immutable when that fails: a WAL store in a folder that takes no writes cannot be opened
    read-only where SQLite would have to create its ``-shm``, and nothing can be writing in such a folder. Rows
    are copied rather than pages (``Connection.backup`` waits forever on a file another program has locked).
    """
    _create_schema(conn)
    last: sqlite3.Error | None = None
    for uri in (read_only_uri(path), read_only_uri(path).split("?")[0] + "?immutable=1"):
        try:
            source = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            last = exc
            continue
        try:
            bookmarks = source.execute("SELECT id, url, title, created FROM bookmarks").fetchall()
            visits = source.execute("SELECT id, url, title, visited FROM history").fetchall()
        except sqlite3.Error as exc:
            if is_busy(exc):
                raise  # another program is writing it: an immutable read could see half a write
            last = exc
            continue
        finally:
            source.close()
        conn.executemany("INSERT INTO bookmarks (id, url, title, created) VALUES (?, ?, ?, ?)", bookmarks)
        conn.executemany("INSERT INTO history (id, url, title, visited) VALUES (?, ?, ?, ?)", visits)
        return
    assert last is not None
    raise last


def _carry_over(memory: sqlite3.Connection, conn: sqlite3.Connection) -> None:
    """Save what was added to a session-only store into the file, once the file can be written."""
    bookmarks = memory.execute("SELECT url, title, created FROM bookmarks ORDER BY id").fetchall()
    visits = memory.execute("SELECT url, title, visited FROM history ORDER BY id").fetchall()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "INSERT INTO bookmarks (url, title, created) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING", bookmarks
        )
        conn.executemany("INSERT INTO history (url, title, visited) VALUES (?, ?, ?)", visits)
        conn.execute("COMMIT")
    except BaseException:
        _roll_back(conn)
        raise


def _probe_writable(conn: sqlite3.Connection) -> None:
    """Fail now, not at the first bookmark, when the file takes no writes (a read-only file opens fine).

    Rewrites the version to the same value and rolls back, so nothing reaches the disk.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    finally:
        _roll_back(conn)


def _create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables (an older file gains the new ones) and stamp the file's version, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            conn.execute(statement)
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        _roll_back(conn)
        raise


def _roll_back(conn: sqlite3.Connection) -> None:
    """Undo an open transaction after a failure that is already being reported."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            # SQLite rolls back on its own when ROLLBACK fails; the original error is the one to report.
            return
