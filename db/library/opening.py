"""Opening a content file read-only, and telling a usable one from a missing, cut-off, foreign or newer one."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from urllib.parse import quote

from db.errors import LibraryError
from db.schema import APPLICATION_ID, SCHEMA_VERSION

REBUILD = "Rebuild it with 'python -m db build', or reinstall ClinRef to restore the bundled content."

#: Seconds a read waits for another program's lock on the content file before saying so. A read runs on the
#: GUI thread: SQLite's default of 5 s froze the window at every page opened while the file was locked.
BUSY_TIMEOUT_S = 0.2

IN_USE = "the content file is in use by another program, which has locked it"
IN_USE_ADVICE = "Wait for the program writing to it (a content update, a backup or a sync tool) to finish, or close it."

_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CANTOPEN = 3, 5, 6, 14


def is_locked(exc: sqlite3.Error) -> bool:
    """True when SQLite failed because another connection holds a lock, not because the file is bad."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


def _cannot_open(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_PERM, _SQLITE_CANTOPEN)


def unreachable(path: Path, exc: OSError) -> LibraryError:
    """The error for a content file the file system will not let us look at (a folder we cannot enter, ...)."""
    return LibraryError(
        path,
        f"the content file cannot be reached ({exc.strerror or exc})",
        f"Check that your account may open the folder {path.parent} and read the file, or ask IT to fix it.",
    )


#: What SQLite recommends for database files from elsewhere (https://www.sqlite.org/security.html).
HARDENING_PRAGMAS = ("trusted_schema = OFF", "cell_size_check = ON", "mmap_size = 0", "query_only = ON")


def hardening_report() -> str:
    """What :func:`connect_hardened` sets on this Python, for ``--self-test`` and the docs."""
    defensive = (
        "defensive mode on"
        if hasattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE") and hasattr(sqlite3.Connection, "setconfig")
        else f"defensive mode not available (Python {sys.version_info.major}.{sys.version_info.minor}'s sqlite3 "
        "has no setconfig; it needs 3.12)"
    )
    return ", ".join([*HARDENING_PRAGMAS, "immutable=1, mode=ro", defensive])


def connect_hardened(path: Path) -> sqlite3.Connection:
    """A read-only, ``immutable=1`` connection set up as SQLite advises for untrusted files.

    ``immutable``: the app only opens verified local copies that nothing writes to; a change is
    caught by :meth:`db.library.Library.changed` instead of SQLite's locks.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    # check_same_thread=False: Library.close() closes every thread's connection from its own.
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    try:
        if hasattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE") and hasattr(conn, "setconfig"):  # Python 3.12+
            conn.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, True)
        for pragma in HARDENING_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def truncation(path: Path, size: int) -> str | None:
    """Why a SQLite file is shorter than its own header says, or None.

    SQLite cannot always tell a cut-off file from a foreign one; the header can.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None  # the connection attempt reports unreadable files
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the in-header size is trusted only when these agree
    if valid and pages and page_size * pages > size:
        return f"the content file is truncated ({size:,} bytes of {page_size * pages:,})"
    return None


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to a ClinRef content file, after checking it is one this code reads.

    Raises :class:`LibraryError` naming the file, what is wrong and what to do.
    """
    try:
        # Path.exists() and is_dir() raise, rather than answer, in a folder the user cannot enter.
        exists, is_dir = path.exists(), path.is_dir()
        size = path.stat().st_size if exists and not is_dir else 0
        path.resolve(strict=False)  # connect_hardened() resolves it too: fail here, with the message, if it cannot
    except OSError as exc:
        raise unreachable(path, exc) from exc
    if not exists:
        raise LibraryError(
            path, "the content file does not exist", "Check the path, or run 'python -m db build' to create it."
        )
    if is_dir:
        raise LibraryError(path, "this is a folder, not a content file", "Name the clinref.db file itself.")
    if size == 0:
        raise LibraryError(path, "the content file is empty", REBUILD)
    truncated = truncation(path, size)
    if truncated:
        raise LibraryError(path, truncated, REBUILD)
    try:
        conn = connect_hardened(path)
    except sqlite3.Error as exc:
        raise LibraryError(path, f"the content file cannot be opened ({exc})", "Check the file's permissions.") from exc
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_locked(exc):
            raise LibraryError(path, IN_USE, f"{IN_USE_ADVICE} Then start ClinRef again.") from exc
        if _cannot_open(exc):
            raise LibraryError(
                path, f"the content file cannot be read ({exc})", "Check the file's permissions."
            ) from exc
        raise LibraryError(
            path, "the file is not a SQLite database: it is corrupt or a different kind of file", REBUILD
        ) from exc
    if application_id != APPLICATION_ID:
        conn.close()
        raise LibraryError(
            path,
            "this is a SQLite database, but not ClinRef content",
            "Point ClinRef at a clinref.db built by 'python -m db build'.",
        )
    if version > SCHEMA_VERSION:
        conn.close()
        raise LibraryError(
            path,
            f"the content was built for a newer ClinRef (schema {version}; this version reads schema {SCHEMA_VERSION})",
            "Update ClinRef, or use content built for this version.",
        )
    if version < SCHEMA_VERSION:
        conn.close()
        raise LibraryError(
            path,
            f"the content was built for an older ClinRef (schema {version}; this "
            f"version reads schema {SCHEMA_VERSION})",
            REBUILD,
        )
    if page_size * page_count > size:
        conn.close()
        raise LibraryError(path, f"the content file is truncated ({size} bytes of {page_size * page_count})", REBUILD)
    return conn
