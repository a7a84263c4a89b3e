"""Recovering a per-user file that cannot be used: diagnose it, and move it aside (never delete it).

Shared by the bookmarks store and the settings file, so both keep a damaged copy the same way:
``<name>.broken-YYYYmmdd-HHMMSS`` beside the original, with SQLite's sidecar files alongside.
Standard library only.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from db.schema import APPLICATION_ID as CONTENT_APPLICATION_ID
from db.userdata.filesystems import disk_is_full

#: The files SQLite keeps beside the database; they belong to it and move with it.
SIDECARS = ("-wal", "-shm", "-journal")

#: Primary SQLite result codes: locked by another connection, damaged contents, a failed or refused write.
_SQLITE_READONLY = 8
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

DISK_FULL = "the disk is full; free some space (empty the recycle bin, remove large files) and try again"


def os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return DISK_FULL
    return exc.strerror or str(exc)


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(exc: sqlite3.Error) -> bool:
    """True when another connection holds a lock: waiting, or trying again later, may succeed."""
    return _code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def is_cant_open(exc: sqlite3.Error) -> bool:
    """True for "unable to open database file": no permission, or a WAL file whose ``-shm`` is not made yet."""
    return _code(exc) == _SQLITE_CANTOPEN


def is_read_only(exc: sqlite3.Error) -> bool:
    """True when the file (or its folder) takes no writes."""
    return _code(exc) == _SQLITE_READONLY


def sqlite_reason(exc: sqlite3.Error, folder: Path | None = None) -> str:
    """SQLite's message, named for what it means to the user: a full disk as full, a lock as another program.

    SQLite reports most write failures of the operating system as "disk I/O error"; with ``folder`` (where the
    file is), one on a disk with no space left is called what it is.
    """
    code = _code(exc)
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and folder is not None and disk_is_full(folder)):
        return DISK_FULL
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return f"{exc}: another program is using it; close other ClinRef windows and start ClinRef again"
    return str(exc)


def is_damage(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file's contents are bad, as opposed to locked or unreadable."""
    return _code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


class NewerFormat(Exception):
    """The file was written by a newer ClinRef: usable by that version, not by this one."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def diagnose(path: Path, application_id: int, schema_version: int, busy_timeout_s: float) -> str | None:
    """What is wrong with an existing file, as the end of "Your bookmarks file X ..."; None when usable.

    Reads only, so a file that is then moved aside keeps its bytes, and so do its ``-wal``
    and ``-shm``: an existing ``-shm`` is opened read-only too (``readonly_shm``, which needs
    it to exist), where a plain read-only connection would rewrite an index it found stale.
    Raises :class:`sqlite3.Error` when the file cannot be read at all (locked, no
    permission): that says nothing about its contents, so it must not be moved aside.
    """
    conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout_s)
    try:
        expected_id = application_id
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application_id == 0 and version == 0 and objects == 0:
            return None  # empty, or created and never written to: start it
        if application_id == CONTENT_APPLICATION_ID:
            return "could not be used (it is a ClinRef content database, not a bookmarks file)"
        if application_id != expected_id:
            return "could not be used (it is a SQLite database from another program, not a ClinRef bookmarks file)"
        if version > schema_version:
            raise NewerFormat(version)
        if version < 1:
            return "was damaged (its format version is missing)"
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            return f"was damaged (the integrity check found: {problems[0]})"
        return None
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return "was damaged (not a database)" if "not a database" in str(exc) else f"was damaged ({exc})"
    finally:
        conn.close()


def read_only_uri(path: Path) -> str:
    """A URI that opens ``path`` without writing to it or to an existing ``-shm``."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return uri + "&readonly_shm=1" if sidecar(path, "-shm").exists() else uri


def sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def orphan_journal(path: Path) -> bool:
    """True when a journal or WAL with content sits where the (missing) database should be."""
    for suffix in ("-wal", "-journal"):
        side = sidecar(path, suffix)
        try:
            if side.stat().st_size > 0:
                return True
        except OSError:
            continue  # absent, or unreadable: then opening the folder fails and says so
    return False


def move_aside(path: Path, sidecars: tuple[str, ...] = SIDECARS) -> list[Path]:
    """Rename ``path`` and its sidecars to ``<name>.broken-YYYYmmdd-HHMMSS`` (local time); the new names.

    The file comes first when it exists. The sidecars keep their suffix, so SQLite still
    pairs them with the kept copy. Raises :class:`OSError` when anything cannot be moved:
    a journal left beside the fresh file would be replayed into it.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.broken-{stamp}")
    attempt = 1
    while any(os.path.lexists(p) for p in (kept, *(sidecar(kept, s) for s in sidecars))):
        attempt += 1
        kept = path.with_name(f"{path.name}.broken-{stamp}-{attempt}")
    moved: list[Path] = []
    for source, target in ((path, kept), *((sidecar(path, s), sidecar(kept, s)) for s in sidecars)):
        if os.path.lexists(source):
            os.rename(source, target)
            moved.append(target)
    return moved
