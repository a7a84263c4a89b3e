"""Reading an article export: the plain text saved from an article's web page.

Two layouts are in use. The older one has the sections "From the Guidelines", "From the FDA
Drug Label" and "From the Research", "•" bullets and citation numbers after sentences; the
newer one opens with a summary paragraph, then topic headings of its own, bullets, and
citations as "1, 2" at line ends. Both end with the same typed reference list and wear the
same page furniture (advisory-board banner, review-status widget, "Personalize" prompt,
disclaimer footer, follow-up box), which is dropped here and listed.

:func:`read_export` never raises on any text: what it cannot read it records as a quirk.
Nothing is fixed silently: every citation it converts from an unusual form, every number it
leaves alone because it only looks like a citation, every oddity, is a :class:`Quirk`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from db.model import ReferenceKind

KNOWN_SECTIONS = {
    "from the guidelines": "From the guidelines",
    "from the fda drug label": "From the drug label",
    "from the drug label": "From the drug label",
    "from the research": "From the research",
}
REFERENCE_KINDS = {
    "guideline": ReferenceKind.GUIDELINE,
    "guidelines": ReferenceKind.GUIDELINE,
    "research": ReferenceKind.RESEARCH,
    "drug label": ReferenceKind.DRUG_LABEL,
    "fda drug label": ReferenceKind.DRUG_LABEL,
    "label": ReferenceKind.DRUG_LABEL,
}

# Page furniture: lines that are never content, wherever they stand.
FURNITURE = (
    (re.compile(r"^Medical Advisory Board.*", re.IGNORECASE), "advisory-board banner"),
    (re.compile(r"^Educational purpose only\b.*", re.IGNORECASE), "review-status banner"),
    (re.compile(r"^Article Review Status$", re.IGNORECASE), "review-status widget"),
    (re.compile(r"^Last updated:.*", re.IGNORECASE), "last-updated line"),
    (re.compile(r"^View editorial policy$", re.IGNORECASE), "editorial-policy link"),
    (re.compile(r"^Personalize$", re.IGNORECASE), "'Personalize' prompt"),
    (re.compile(r"^Help us tailor your experience\b.*", re.IGNORECASE), "'Personalize' prompt"),
    (re.compile(r"^Which best describes you\?.*", re.IGNORECASE), "'Personalize' prompt"),
    (re.compile(r"^Professional Medical Disclaimer$", re.IGNORECASE), "disclaimer footer"),
    (re.compile(r"^This information is intended for healthcare professionals\b.*", re.IGNORECASE), "disclaimer footer"),
    (re.compile(r"^Have a follow-up question\?$", re.IGNORECASE), "follow-up box"),
    (re.compile(r"^Our Medical A\.?I\.? is used by\b.*", re.IGNORECASE), "follow-up box"),
)
#: Furniture headings whose next paragraph is furniture too, whatever it says.
FURNITURE_PARAGRAPH = {"disclaimer footer", "follow-up box"}
#: The review-status widget's states, furniture only straight after "Article Review Status".
WIDGET_STATES = re.compile(r"^(?:Submitted|Under Review|Approved|Rejected|In Review)$", re.IGNORECASE)

BULLET = re.compile(r"^\s*[•·▪◦●*\-]\s+(?P<text>.*\S)\s*$")
LAST_UPDATED = re.compile(r"Last updated:\s*(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})", re.IGNORECASE)
REVIEW_STATUS = re.compile(r"content is (?P<status>[a-z][a-z ]*[a-z])", re.IGNORECASE)
REFERENCE_ID = re.compile(r"\s*\[reference_id:\s*(?P<nums>\d+(?:\s*,\s*\d+)*)\]")
#: Numbers after the last word of a sentence or line: "studies 1." "agents 5, 7." "(MSE) 2"
TRAILING_NUMBERS = re.compile(
    r"(?P<word>[^\s\d,(/\-\u2013]+)\s+(?P<nums>\d{1,4}(?:\s*,\s*\d{1,4})*)(?P<end>\.(?=\s+[A-Z\[(])|\.?\s*$)"
)
#: Words after which a number is a label, not a citation: "Table 5."
LABEL_WORDS = {
    "table",
    "figure",
    "fig",
    "fig.",
    "type",
    "grade",
    "stage",
    "phase",
    "class",
    "level",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "step",
    "group",
    "version",
    "chapter",
    "section",
    "n",
    "n=",
    "arm",
    "cohort",
    "trial",
}
SPLIT_NUMBER = re.compile(r"(?<![\d.])\d+\. \d+%")
YEAR_THEN_NUMBER = re.compile(r"\b((?:19|20)\d\d (\d{1,2})) (?=[a-z])")
RUN_TOGETHER = re.compile(r"[A-Za-z]{3,}\d+(?:\.\d+)?%")
TABLE_SPLIT = re.compile(r"\t+|\s+\|\s+")
HEADING_MAX = 90


@dataclass(frozen=True)
class Quirk:
    """Something odd in the export, at its line; left as the export has it unless ``action`` says."""

    line: int
    text: str
    action: str = "left as the export has it"


@dataclass
class ExportReference:
    number: int
    kind: ReferenceKind
    title: str
    publication: str
    year: int | None
    line: int
    listed: bool = True


@dataclass(frozen=True)
class FurnitureLine:
    line: int
    what: str
    text: str


@dataclass
class Export:
    """An export, read: metadata, the body as Markdown lines (each with its export line), references."""

    title: str = ""
    updated: str = ""
    review_status: str = ""
    layout: str = ""  # "sections" (From the Guidelines ...) or "topics" (summary, own headings)
    body: list[tuple[int, str]] = field(default_factory=list)
    references: list[ExportReference] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)
    furniture: list[FurnitureLine] = field(default_factory=list)
    #: (line, numbers) for every citation the body carries after conversion
    citations: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)


def read_export(text: str) -> Export:
    """Read an export's text. Never raises; see the module docstring."""
    export = Export()
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = _drop_furniture(lines, export)
    title_at = next((i for i, (_n, line) in enumerate(kept) if line.strip()), None)
    if title_at is None:
        export.quirks.append(Quirk(1, "the export has no text besides page furniture (no title)"))
        return export
    export.title = " ".join(kept[title_at][1].split())
    body = kept[title_at + 1 :]
    refs_at = next(
        (i for i, (_n, line) in enumerate(body) if line.strip().casefold() in ("references", "reference list")), None
    )
    if refs_at is None:
        export.quirks.append(Quirk(kept[-1][0], "the export has no 'References' list"))
        content, ref_lines = body, []
    else:
        content, ref_lines = body[:refs_at], body[refs_at + 1 :]
    _read_references(ref_lines, export)
    _read_body(content, export)
    _unlisted_citations(export)
    export.quirks = _counted(export.quirks)
    if not export.updated:
        export.quirks.append(Quirk(1, "the export gives no 'Last updated' date that reads as Month D, YYYY"))
    return export


def _unlisted_citations(export: Export) -> None:
    """A number cited but past the reference list gets an unlisted reference and a quirk, never a guess."""
    listed = len(export.references)
    first_line: dict[int, int] = {}
    for line, numbers in export.citations:
        for n in numbers:
            if n > listed:
                first_line.setdefault(n, line)
    for n, line in sorted(first_line.items()):
        export.references.append(ExportReference(n, ReferenceKind.OTHER, "", "", None, line, listed=False))
        export.quirks.append(
            Quirk(
                line,
                f"citation {n} points past the reference list, which has {listed} entries",
                f"recorded as reference {n}, listed = false, for the editor to identify",
            )
        )
    present = {r.number for r in export.references}
    for n in range(1, max(present, default=0) + 1):
        if n not in present:  # a gap below a citation past the list: keep the numbering whole
            export.references.append(ExportReference(n, ReferenceKind.OTHER, "", "", None, 1, listed=False))
    export.references.sort(key=lambda r: r.number)


def _counted(quirks: list[Quirk]) -> list[Quirk]:
    """The same quirk twice on one line once, saying how many times."""
    counts: dict[Quirk, int] = {}
    for quirk in quirks:
        counts[quirk] = counts.get(quirk, 0) + 1
    return [
        Quirk(q.line, q.text + (f" ({count} times on this line)" if count > 1 else ""), q.action)
        for q, count in counts.items()
    ]


def _drop_furniture(lines: list[str], export: Export) -> list[tuple[int, str]]:
    kept: list[tuple[int, str]] = []
    paragraph_of: str | None = None  # dropping the paragraph after a furniture heading
    in_paragraph = False
    widget = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if paragraph_of is not None:
            if line:
                export.furniture.append(FurnitureLine(number, paragraph_of, line))
                in_paragraph = True
                continue
            if in_paragraph:
                paragraph_of, in_paragraph = None, False
            kept.append((number, ""))
            continue
        if widget and (WIDGET_STATES.match(line) or not line):
            if line:
                export.furniture.append(FurnitureLine(number, "review-status widget", line))
            continue
        widget = False
        what = next((name for pattern, name in FURNITURE if pattern.match(line)), None)
        if what is None:
            kept.append((number, raw))
            continue
        export.furniture.append(FurnitureLine(number, what, line))
        if what == "last-updated line" and not export.updated:
            _read_date(line, number, export)
        elif what == "review-status banner" and not export.review_status:
            status = REVIEW_STATUS.search(line)
            if status:
                export.review_status = status["status"].lower()
        elif what == "review-status widget":
            widget = True
        if what in FURNITURE_PARAGRAPH and line.endswith(("Disclaimer", "?")):
            paragraph_of = what
    return kept


def _read_date(line: str, number: int, export: Export) -> None:
    found = LAST_UPDATED.search(line)
    if found is None:
        export.quirks.append(Quirk(number, f"the last-updated line does not give a date as Month D, YYYY: {line!r}"))
        return
    text = found["date"].replace(".", "")
    for form in ("%B %d, %Y", "%b %d, %Y"):
        try:
            export.updated = dt.datetime.strptime(text, form).date().isoformat()
            return
        except ValueError:
            continue
    export.quirks.append(Quirk(number, f"the last-updated date {found['date']!r} is not a real date"))


def _read_references(lines: list[tuple[int, str]], export: Export) -> None:
    """Kind line, title line, "Journal, YEAR" line; numbered 1, 2, ... in the order listed."""
    current: ExportReference | None = None
    parts = 0  # lines read into ``current`` after its kind
    for number, raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        kind = REFERENCE_KINDS.get(line.casefold().rstrip(":"))
        if kind is not None:
            current = ExportReference(len(export.references) + 1, kind, "", "", None, number)
            export.references.append(current)
            parts = 0
            continue
        if current is None or parts >= 2:
            current = ExportReference(len(export.references) + 1, ReferenceKind.OTHER, "", "", None, number)
            export.references.append(current)
            parts = 0
            export.quirks.append(Quirk(number, f"reference {current.number} has no type line before it"))
        if parts == 0:
            current.title = line
        else:
            journal = re.match(r"^(?P<pub>.*?),?\s*(?P<year>\d{4})\.?$", line)
            if journal and 1800 <= int(journal["year"]) <= 2100:
                current.publication = journal["pub"].rstrip(", ")
                current.year = int(journal["year"])
            else:
                current.publication = line
                export.quirks.append(Quirk(number, f"reference {current.number} gives no year: {line!r}"))
        parts += 1
    for ref in export.references:
        if not ref.title:
            export.quirks.append(Quirk(ref.line, f"reference {ref.number} has a type but no title"))
            ref.title = "(no title in the export)"
        elif not ref.publication and ref.year is None:
            export.quirks.append(Quirk(ref.line, f"reference {ref.number} has no journal and year line"))


def _read_body(lines: list[tuple[int, str]], export: Export) -> None:
    texts = [line.strip() for _n, line in lines]
    known = {i for i, text in enumerate(texts) if text.casefold() in KNOWN_SECTIONS}
    export.layout = "sections" if known else "topics"
    table: list[tuple[int, list[str]]] = []

    def flush_table() -> None:
        if table:
            _append_table(table, export)
            table.clear()

    for index, (number, raw) in enumerate(lines):
        text = texts[index]
        cells = [c.strip() for c in TABLE_SPLIT.split(raw.strip())] if text else []
        if len(cells) >= 2 and not BULLET.match(raw):
            table.append((number, [_convert(c, number, export) for c in cells]))
            continue
        flush_table()
        if not text:
            if export.body and export.body[-1][1]:
                export.body.append((number, ""))
            continue
        bullet = BULLET.match(raw)
        if bullet:
            export.body.append((number, "- " + _convert(bullet["text"], number, export)))
        elif index in known:
            export.body += [(number, "## " + KNOWN_SECTIONS[text.casefold()]), (number, "")]
        elif _is_heading(texts, index):
            level = "###" if export.layout == "sections" else "##"
            export.body += [(number, f"{level} {_escape(text)}"), (number, "")]
        else:
            export.body.append((number, _convert(text, number, export)))
    flush_table()
    while export.body and not export.body[-1][1]:
        export.body.pop()


def _is_heading(texts: list[str], index: int) -> bool:
    text = texts[index]
    before = texts[index - 1] if index > 0 else ""
    after = texts[index + 1] if index + 1 < len(texts) else ""
    return (
        not before
        and not after
        and len(text) <= HEADING_MAX
        and text[:1].isupper()
        and not text.endswith((".", ":", ";", ",", "!"))
        and not text[-1:].isdigit()
        and "\t" not in text
    )


def _append_table(rows: list[tuple[int, list[str]]], export: Export) -> None:
    width = max(len(cells) for _n, cells in rows)
    if export.body and export.body[-1][1]:
        export.body.append((rows[0][0], ""))
    for position, (number, cells) in enumerate(rows):
        padded = cells + [""] * (width - len(cells))
        export.body.append((number, "| " + " | ".join(c.replace("|", "\\|") for c in padded) + " |"))
        if position == 0:
            export.body.append((number, "|" + " --- |" * width))
    export.body.append((rows[-1][0], ""))


def _escape(text: str) -> str:
    """Export text as Markdown that shows it as written: no HTML, no accidental heading or quote."""
    text = re.sub(r"<(?=[A-Za-z/!])", "&lt;", text)
    text = text.replace("[@", "[\\@")
    return re.sub(r"^([#>+=]|\d+\.\s)", r"\\\1", text)


def _convert(text: str, number: int, export: Export) -> str:
    """One line of text with its citations in the project's syntax; quirks recorded on the way."""
    text = " ".join(text.split())
    for split in SPLIT_NUMBER.finditer(text):
        export.quirks.append(
            Quirk(
                number,
                f"the number {split.group()!r} is split by a space (perhaps {split.group().replace(' ', '')})",
            )
        )
    for year in YEAR_THEN_NUMBER.finditer(text):
        export.quirks.append(
            Quirk(number, f"{year.group(1)!r} in mid-sentence: perhaps a year followed by citation {year.group(2)}")
        )
    for joined in RUN_TOGETHER.finditer(text):
        export.quirks.append(Quirk(number, f"text and number run together: {joined.group()!r}"))
    text = _escape(text)
    found: list[tuple[int, ...]] = []

    def reference_id(match: re.Match[str]) -> str:
        numbers = tuple(int(n) for n in re.split(r"\s*,\s*", match["nums"]))
        export.quirks.append(
            Quirk(
                number,
                f"a citation written '[reference_id: {match['nums']}]'",
                f"converted to [@{','.join(str(n) for n in numbers)}]",
            )
        )
        found.append(numbers)
        return " [@" + ",".join(str(n) for n in numbers) + "]"

    text = REFERENCE_ID.sub(reference_id, text)

    def trailing(match: re.Match[str]) -> str:
        numbers = tuple(int(n) for n in re.split(r"\s*,\s*", match["nums"]))
        if match["word"].casefold() in LABEL_WORDS or match["word"].casefold().endswith(("n=", "=")):
            return match.group()
        listed = len(export.references)
        if len(numbers) == 1 and 1800 <= numbers[0] <= 2100:
            return match.group()  # a year ending a sentence
        if any(n == 0 for n in numbers) or max(numbers) > listed + 9:
            export.quirks.append(
                Quirk(
                    number,
                    f"a bare number {match['nums']!r} stands where a citation would, but the reference list "
                    f"has {listed} entries",
                    "left as text, not made a citation",
                )
            )
            return match.group()
        found.append(numbers)
        return f"{match['word']} [@{','.join(str(n) for n in numbers)}]{match['end']}"

    text = TRAILING_NUMBERS.sub(trailing, text)
    for numbers in found:
        export.citations.append((number, numbers))
    return text
