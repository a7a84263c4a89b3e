"""Whether the user's folders can keep what ClinRef keeps there: one answer for start-up and the self-test.

A profile folder left owned by root (ClinRef once run with ``sudo -E``), made read-only, or on a share that is
not mounted used to end in a traceback or in settings silently dropped (the disclaimer asked at every start).
This looks without writing anything, so ``--self-test`` can ask the same question the app does.
"""

from __future__ import annotations

import os
from pathlib import Path

ADVICE = "Ask IT to give the folder back to your account (or remove it), then start ClinRef again."


def profile_problems(settings_file: Path | None, store_file: Path | None) -> list[str]:
    """One sentence per profile folder that cannot keep its file, saying what is lost and what to do.

    A file passed as None is not checked (its owner has already said what is wrong with it).
    """
    problems = []
    for path, what, lost in (
        (settings_file, "settings", "the disclaimer will be asked for at every start; zoom and layout are not kept"),
        (store_file, "bookmarks", "bookmarks and history cannot be saved"),
    ):
        why = unusable(path) if path is not None else None
        if path is not None and why:
            problems.append(f"Your {what} folder {path.parent} {why}: {lost}. {ADVICE}")
    return problems


def unusable(path: Path) -> str | None:
    """Why the file at ``path`` cannot be created, read or written by this user; None when it can."""
    try:
        folder = path.parent
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent  # the folder is made on first use: its nearest existing parent must allow it
        if not folder.is_dir():
            return f"cannot be made ({folder} is a file)"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot be written by you ({owner(folder)})"
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            return f"holds {path.name}, which you cannot read and write ({owner(path)})"
    except OSError as exc:  # a folder on the way that cannot be entered
        return f"cannot be reached ({exc.strerror or exc})"
    return None


def owner(path: Path) -> str:
    """Who owns ``path``, as a clause: "it belongs to root, perhaps from running ClinRef with sudo"."""
    try:
        import pwd  # POSIX only

        uid = path.stat().st_uid
        if uid == os.getuid():
            return "its permissions do not allow it"
        name = pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError, OSError):
        return "check its permissions"
    if uid == 0:
        return "it belongs to root, perhaps from running ClinRef with sudo"
    return f"it belongs to the user {name}"
