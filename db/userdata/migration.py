"""Moving the bookmarks store from the roaming profile to the local one (Windows), keeping the old file.

Hospitals redirect the roaming ``AppData`` folder to network shares, where SQLite's WAL is unsafe, so the store
now lives in the local ``AppData`` folder. A store found at the old place is copied across once (SQLite's backup,
so a ``-wal`` beside it is included) and the old file is renamed, never deleted. Standard library only.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from db.userdata.recovery import os_reason, read_only_uri, sidecar


def migrate_store(old: Path, new: Path) -> str | None:
    """Copy the store at ``old`` to ``new`` when only ``old`` exists; a sentence for the user, or None.

    The old file is renamed ``<name>.moved`` (with its sidecars) once the copy is complete. Nothing is changed
    when ``new`` already exists, the two are the same file, or there is nothing at ``old``.
    """
    try:
        if old.resolve() == new.resolve() or not old.is_file() or new.exists():
            return None
        new.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _not_moved(old, new, os_reason(exc))
    partial = new.with_name(new.name + ".migrating")
    try:
        source = sqlite3.connect(read_only_uri(old), uri=True, timeout=2.0)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        os.replace(partial, new)
        moved = old.with_name(old.name + ".moved")
        os.rename(old, moved)
        for suffix in ("-wal", "-shm"):
            if os.path.lexists(sidecar(old, suffix)):
                os.rename(sidecar(old, suffix), sidecar(moved, suffix))
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        return _not_moved(old, new, os_reason(exc) if isinstance(exc, OSError) else str(exc))
    return f"Your bookmarks and history were moved from {old.parent} to {new.parent}, which is not roamed."


def _not_moved(old: Path, new: Path, reason: str) -> str:
    return f"Your bookmarks in {old} could not be moved to {new.parent} ({reason}); they were left where they were."
