"""Back and forward through the pages a person has opened, as a browser does."""

from __future__ import annotations


class Navigation:
    """A list of addresses with a cursor. Opening a page drops everything ahead of the cursor."""

    LIMIT = 200

    def __init__(self) -> None:
        self._urls: list[str] = []
        self._index = -1

    @property
    def current(self) -> str | None:
        return self._urls[self._index] if self._index >= 0 else None

    def visit(self, url: str) -> None:
        if url == self.current:
            return
        del self._urls[self._index + 1 :]
        self._urls.append(url)
        if len(self._urls) > self.LIMIT:
            del self._urls[0]
        self._index = len(self._urls) - 1

    def can_go_back(self) -> bool:
        return self._index > 0

    def can_go_forward(self) -> bool:
        return self._index < len(self._urls) - 1

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
