"""Run-time, read-only: opening a content database and answering the app's questions (stdlib sqlite3 only).

Nothing here imports the build tools (:mod:`db.compiler`) or the user's store (:mod:`db.userdata`).
Importing ``db.library`` imports nothing else: the names below are imported when first asked for
(PEP 562), so that opening the content (``db.library.locate``) does not import the search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.exports import lazy_exports

if TYPE_CHECKING:
    from db.library.library import Library
    from db.library.locate import OpenedContent, open_content

__all__ = ["Library", "OpenedContent", "open_content"]

_WHERE = {"Library": "db.library.library", "OpenedContent": "db.library.locate", "open_content": "db.library.locate"}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
