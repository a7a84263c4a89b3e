"""Run-time, read-write: the user's own store (bookmarks, reading history), apart from the content."""

from db.userdata.store import HISTORY_LIMIT, Bookmark, UserData, Visit

__all__ = ["HISTORY_LIMIT", "Bookmark", "UserData", "Visit"]
