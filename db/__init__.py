"""ClinRef's content layer: sources, checks, the deterministic build, and the read-only Library.

Nothing here imports Qt. The running app imports only :mod:`db.library` (and what it needs);
the build tools (sqlite-utils, Markdown, nh3) are imported only by :mod:`db.build`.
"""

from db.errors import ContentError, LibraryError, Problem
from db.library import Library

__all__ = ["ContentError", "Library", "LibraryError", "Problem"]
