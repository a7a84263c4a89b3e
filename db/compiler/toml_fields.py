"""Typed, located access to the TOML the content sources are written in.

Each bad field becomes a :class:`Problem` with the file and line an editor should open.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from db.compiler.doses import parse_dose
from db.errors import Problem
from db.model import DoseRange

_Choice = TypeVar("_Choice", bound=StrEnum)

TOML_LINE = re.compile(r"at line (\d+)")
#: tomllib's own location, "(at line 5, column 15)": counted from the start of the TOML text,
#: which for front matter is not the file's line, so it is replaced by the file's own.
TOML_WHERE = re.compile(r"\s*\(at (?:line \d+, column (\d+)|end of document)\)")
#: A key given something that looks like a date: 2025-3-30, 30/03/2025, March 30, 2025, 2025-02-30.
DATE_LIKE = re.compile(
    r"^\s*(?P<key>[A-Za-z0-9_-]+)\s*=\s*(?P<value>\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\S*|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d.*|\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}.*)$"
)


class FieldReader:
    """Typed access to one TOML table, recording a located problem for each bad field."""

    def __init__(
        self,
        table: dict[str, Any],
        file: str,
        lines: list[str],
        span: tuple[int, int],
        problems: list[Problem],
    ) -> None:
        self.table = table
        self.file = file
        self.lines = lines
        self.span = span
        self.problems = problems

    def line_of(self, key: str) -> int:
        start, end = self.span
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, min(end, len(self.lines)) + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return start

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line_of(key), message))

    def only(self, allowed: Iterable[str]) -> None:
        for key in sorted(set(self.table) - set(allowed)):
            self.problem(key, f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})")

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self.table.get(key)
        if value is None:
            if required:
                self.problems.append(Problem(self.file, self.span[0], f"missing field {key!r}"))
            return default
        if not isinstance(value, str):
            self.problem(key, f"{key!r} must be text in quotes, not {value!r}")
            return default
        if required and not value.strip():
            self.problem(key, f"{key!r} must not be empty")
        return value.strip()

    def choice(
        self,
        key: str,
        choices: type[_Choice],
        *,
        named: str = "",
        listed: Iterable[_Choice] = (),
        required: bool = True,
        default: str = "",
    ) -> _Choice | None:
        """One of ``choices``, read once here; None, and a problem naming the allowed values, for other text.

        ``named`` is how the problem names the field (its key by default); ``listed`` the values it
        offers (every one by default). A required field that is missing or empty has its problem
        from :meth:`text`.
        """
        value = self.text(key, required=required, default=default)
        if required and not value:
            return None
        try:
            return choices(value)
        except ValueError:
            allowed = ", ".join(choice.value for choice in (tuple(listed) or tuple(choices)))
            self.problem(key, f"{named or key} {value!r} is not one of {allowed}")
            return None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f'{key!r} must be a list of texts, e.g. ["Keppra"]')
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def numbers(self, key: str) -> tuple[int, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
        ):
            self.problem(key, f"{key!r} must be a list of citation numbers, e.g. [5, 7]")
            return ()
        return tuple(value)

    def citations(self, key: str, uncited_key: str, what: str) -> tuple[int, ...]:
        """Citation numbers, or () with an explicit ``uncited_key = true``: never silently uncited."""
        numbers = self.numbers(key)
        uncited = self.flag(uncited_key, False)
        if not numbers and not uncited:
            self.problem(
                key,
                f"{what} needs its citation numbers in {key!r}, or {uncited_key} = true when the source "
                "states it without one",
            )
        if numbers and uncited:
            self.problem(uncited_key, f"{uncited_key} = true but citation numbers are given; keep one of them")
        return numbers

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.problem(key, f"{key!r} must be true or false")
            return default
        return value

    def integer(self, key: str, *, required: bool = True) -> int | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.problems.append(Problem(self.file, self.span[0], f"missing field {key!r}"))
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(key, f"{key!r} must be a whole number, not {value!r}")
            return None
        return value

    def date(self, key: str) -> str:
        value = self.table.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        if value is None:
            self.problems.append(Problem(self.file, self.span[0], f"missing field {key!r}"))
        elif isinstance(value, dt.datetime | dt.time):
            self.problem(key, f"{key!r} must be a date written YYYY-MM-DD, without a time: not {value.isoformat()}")
        else:
            shown = repr(value) if isinstance(value, str) else str(value)
            self.problem(key, f"{key!r} must be a date written YYYY-MM-DD, not {shown}")
        return ""

    def dose(self, key: str) -> DoseRange | None:
        text = self.text(key, required=False)
        if not text:
            return None
        parsed = parse_dose(text)
        if parsed is None:
            self.problem(
                key,
                f"dose {text!r} does not parse: write LOW-HIGH UNIT/PER with LOW <= HIGH, "
                "e.g. '500-3000 mg/day' (units mg, g, mcg, IU, units; per day, dose, kg/day)",
            )
        return parsed


def load_toml(
    path: Path, rel: str, problems: list[Problem], offset: int = 0, text: str | None = None
) -> dict[str, Any] | None:
    try:
        raw = text if text is not None else path.read_text(encoding="utf-8")
        return tomllib.loads(raw)
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, 1, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(toml_problem(exc, raw, rel, offset))
    except OSError as exc:
        problems.append(Problem(rel, 1, f"cannot read the file: {exc.strerror}"))
    return None


def toml_problem(exc: tomllib.TOMLDecodeError, text: str, rel: str, offset: int) -> Problem:
    """A TOML syntax error as an editor needs it: the file's own line, and "date" for a bad date."""
    message = str(exc)
    found = TOML_LINE.search(message)
    lines = text.splitlines()
    line = int(found.group(1)) if found else max(len(lines), 1)
    where = TOML_WHERE.search(message)
    column = where.group(1) if where else None
    reason = TOML_WHERE.sub("", message).rstrip(". ")
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    date = DATE_LIKE.match(source_line)
    if date and ("date" in reason or "Expected newline" in reason or "Invalid value" in reason):
        value = date["value"].strip()
        return Problem(
            rel,
            line + offset,
            f"{date['key']!r} is not a valid date: {value!r}; write a real date as YYYY-MM-DD without quotes, "
            "e.g. 2025-03-30",
        )
    at = f" (column {column})" if column else ""
    return Problem(rel, line + offset, f"not valid TOML{at}: {reason}; check this line and the one before it")


def entries(
    data: dict[str, Any], header: str, lines: list[str], rel: str, problems: list[Problem], offset: int = 0
) -> list[tuple[dict[str, Any], tuple[int, int]]]:
    """The ``[[header]]`` tables of a document, each with the span of lines it occupies."""
    tables = data.get(header, [])
    if not isinstance(tables, list):
        problems.append(Problem(rel, offset + 1, f"{header!r} must be written as [[{header}]] tables"))
        return []
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(header)}\s*\]\]")
    starts = [i + 1 for i, line in enumerate(lines) if pattern.match(line)]
    if len(starts) != len(tables):  # written some other way (inline arrays): locate coarsely
        starts = [1] * len(tables)
    spans = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        spans.append((start + offset, end + offset))
    return list(zip(tables, spans, strict=True))
