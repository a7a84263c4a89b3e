"""The two kinds of failure the content layer reports, each with a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a content source, located as ``file:line``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content sources do not pass the checks; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LibraryError(Exception):
    """A content database cannot be used: missing, empty, corrupt, foreign or too new.

    ``path`` names the file, ``reason`` says what is wrong, ``advice`` what to do about it.
    """

    def __init__(self, path: Path | str, reason: str, advice: str) -> None:
        self.path = str(path)
        self.reason = reason
        self.advice = advice
        super().__init__(f"{self.path}: {reason}. {advice}")
