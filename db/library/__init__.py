"""Run-time, read-only: opening a content database and answering the app's questions (stdlib sqlite3 only).

Nothing here imports the build tools (:mod:`db.compiler`) or the user's store (:mod:`db.userdata`).
"""

from db.library.library import Library
from db.library.locate import OpenedContent, open_content

__all__ = ["Library", "OpenedContent", "open_content"]
