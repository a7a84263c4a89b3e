"""Back and forward through the pages a person has opened, as a browser does.

Each step keeps where the person was on its page (scroll position and caret), so Back after
following a citation returns to the sentence, not to the top of the article.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Place:
    """One step of the history: an address and, once left, where on the page the person was."""

    url: str
    scroll: int | None = None  # None: never left, open it at its anchor (or the top)
    caret: int = 0


class Navigation:
    """A list of places with a cursor. Opening a page drops everything ahead of the cursor."""

    LIMIT = 200

    def __init__(self) -> None:
        self._places: list[Place] = []
        self._index = -1

    @property
    def current(self) -> str | None:
        return self._places[self._index].url if self._index >= 0 else None

    @property
    def place(self) -> Place | None:
        return self._places[self._index] if self._index >= 0 else None

    @property
    def index(self) -> int:
        """Where the cursor is (-1 before the first page)."""
        return self._index

    def place_at(self, index: int) -> Place | None:
        """The step at ``index``, or None past either end."""
        return self._places[index] if 0 <= index < len(self._places) else None

    def go(self, index: int) -> None:
        """Move the cursor to ``index`` (a Back or Forward of one or more steps), if there is such a step."""
        if 0 <= index < len(self._places):
            self._index = index

    @property
    def previous(self) -> str | None:
        """The address one step back, or None."""
        return self._places[self._index - 1].url if self._index > 0 else None

    def remember(self, scroll: int, caret: int) -> None:
        """Record where on the current page the person is, before they leave it."""
        if self._index >= 0:
            self._places[self._index].scroll = scroll
            self._places[self._index].caret = caret

    def visit(self, url: str) -> None:
        if url == self.current:
            return
        del self._places[self._index + 1 :]
        self._places.append(Place(url))
        if len(self._places) > self.LIMIT:
            del self._places[0]
        self._index = len(self._places) - 1

    def can_go_back(self) -> bool:
        return self._index > 0

    def can_go_forward(self) -> bool:
        return self._index < len(self._places) - 1

    def back(self) -> str | None:
        if not self.can_go_back():
            return None
        self._index -= 1
        return self.current

    def forward(self) -> str | None:
        if not self.can_go_forward():
            return None
        self._index += 1
        return self.current
