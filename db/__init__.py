"""ClinRef's content layer: sources, checks, the deterministic build, and the read-only Library.

Nothing here imports Qt. The running app imports only :mod:`db.library` (and what it needs);
the build tools (sqlite-utils, Markdown, nh3) are imported only by :mod:`db.build`.

Importing ``db`` (as importing any ``db.…`` module does first) imports nothing else: the names
below are imported when first asked for (PEP 562), so that ``from db.errors import …`` at
start-up does not bring the whole content layer with it (bench/README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.exports import lazy_exports

if TYPE_CHECKING:
    from db.errors import ContentError, LibraryError, Problem
    from db.library import Library

__all__ = ["ContentError", "Library", "LibraryError", "Problem"]

_WHERE = {"ContentError": "db.errors", "LibraryError": "db.errors", "Problem": "db.errors", "Library": "db.library"}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
