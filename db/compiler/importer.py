"""``python -m db import EXPORT.txt``: an article export to a draft source article and a review report.

The draft carries the export as it stands (title, date, review status, every section, bullet
and table row, every reference, citations in ``[@N]`` syntax, every quirk as ``[[quirks]]``)
and is marked ``draft = true``: the build refuses it until an editor has rewritten it and
removed the mark. The report lists what the editor needs to write the structured entries:
every dose range seen, and every drug and class recognised against the catalogue or not. It
proposes no recommendation: roles are a clinical editor's reading of the text.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from db.compiler.catalog import read_classes, read_treatments
from db.compiler.drafts import IMPORT_NOTICE, UNRESOLVED
from db.compiler.export import Export, Quirk, read_export
from db.errors import Problem
from db.model import PageAddress, PageScheme

DRAFT_NOTICE = IMPORT_NOTICE + (
    "{source}.** The text below is the export's own wording, as imported: "
    "it is not yet rewritten or reviewed. Rewrite it in the project's words, resolve every note on "
    "the source, write the structured entries, then remove `draft = true`."
)
DOSE_RANGE = re.compile(
    r"(?<![\w.])(?P<low>\d+(?:\.\d+)?)\s*(?:-|\u2013|to)\s*(?P<high>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>mg/kg|mg|mcg|µg|g|IU|units|mL|ml)(?P<per>/(?:kg/day|day|dose|kg|h|hour|week))?(?![\w])"
)
CITED = re.compile(r"\[@(\d+(?:,\d+)*)\]")
WORD = re.compile(r"(?<![\w-])[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z]{2}")
#: Word endings of generic drug names, to list words that may be drugs the catalogue lacks.
DRUG_ENDINGS = re.compile(
    r"^[a-z][a-z0-9-]{3,}(?:azepam|etam|amide|apine|barbital|cillin|mab|pril|sartan|olol|azole|zole|"
    r"pam|ine|ate|ide|one|tin|cin|fen|vir|xane|dine|zine|tan|ol)$"
)
NOT_DRUGS = {
    "medicine",
    "routine",
    "alone",
    "done",
    "none",
    "someone",
    "everyone",
    "guide",
    "provide",
    "include",
    "outside",
    "decide",
    "side",
    "wide",
    "state",
    "rate",
    "late",
    "date",
    "determine",
    "examine",
    "online",
    "baseline",
    "decline",
    "combine",
    "define",
    "line",
    "imagine",
    "adequate",
    "appropriate",
    "moderate",
    "separate",
    "immediate",
    "accurate",
    "indicate",
    "initiate",
    "evaluate",
    "control",
    "protocol",
    "alcohol",
    "important",
    "certain",
    "contain",
    "maintain",
    "obtain",
    "between",
    "cortical-subcortical",
    "modulate",
    "exacerbate",
    "first-line",
    "second-line",
    "third-line",
    "regulate",
    "stimulate",
    "candidate",
    "ultimate",
}


@dataclass(frozen=True)
class Catalogue:
    """Names the content already knows: treatment slug -> names, class slug -> names."""

    treatments: dict[str, tuple[str, ...]]
    classes: dict[str, tuple[str, ...]]
    problems: tuple[str, ...] = ()

    def all_names(self) -> dict[str, PageAddress]:
        """Every known name, case-folded, and the page it names."""
        names = {
            n.casefold(): PageAddress(PageScheme.TREATMENT, slug) for slug, ns in self.treatments.items() for n in ns
        }
        names.update(
            {n.casefold(): PageAddress(PageScheme.CLASS, slug) for slug, ns in self.classes.items() for n in ns}
        )
        return names


@dataclass
class ImportResult:
    """What one import wrote and what the editor must read."""

    export_path: Path
    draft_path: Path
    slug: str
    draft: str
    report: str
    quirks: int
    doses: list[str] = field(default_factory=list)


class ImportRefused(Exception):
    """The import cannot be written (the draft exists already, the folder cannot be written)."""


def load_catalogue(sources: Path) -> Catalogue:
    """Drug, therapy and class names from the content sources; whatever cannot be read is said."""
    problems: list[Problem] = []
    treatments: dict[str, tuple[str, ...]] = {}
    for name, header in (("drugs.toml", "drug"), ("therapies.toml", "therapy")):
        path = sources / name
        if path.is_file():
            for t in read_treatments(path, str(path), header, problems) or []:
                treatments[t.slug] = (t.name, *t.brands, *t.synonyms)
    classes: dict[str, tuple[str, ...]] = {}
    path = sources / "classes.toml"
    if path.is_file():
        for c in read_classes(path, str(path), problems) or []:
            classes[c.slug] = (c.name, *c.synonyms)
    return Catalogue(treatments, classes, tuple(str(p) for p in problems))


def slug_for(title: str) -> str:
    """A file name from a question title: "What is the treatment for X (Y)?" -> "treatment-for-x"."""
    text = re.sub(r"\([^)]*\)", " ", title).casefold()
    text = re.sub(r"^\s*(?:what|which|how|when|why)\s+(?:is|are|do|does|should|can)\s+(?:the\s+)?", "", text)
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 60:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "imported-article"


def import_export(
    export_path: Path, out_dir: Path, catalogue: Catalogue, *, topic: str, condition: str = ""
) -> ImportResult:
    """Read one export, write its draft into ``out_dir``; raise :class:`ImportRefused` if it cannot."""
    try:
        text = export_path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ImportRefused(f"{export_path}: cannot read the export ({exc.strerror})") from exc
    export = read_export(text)
    export.quirks = sorted(export.quirks + typos(export, catalogue), key=lambda q: q.line)
    slug = slug_for(export.title)
    draft_path = out_dir / f"{slug}.md"
    if draft_path.exists():
        raise ImportRefused(f"{draft_path} exists already: move it aside, or import into another folder with --out DIR")
    draft = draft_text(export, slug, export_path.name, topic=topic, condition=condition)
    report, doses = review_report(export, catalogue, export_path, draft_path)
    _write_atomically(draft_path, draft)
    return ImportResult(export_path, draft_path, slug, draft, report, len(export.quirks), doses)


def draft_text(export: Export, slug: str, source: str, *, topic: str, condition: str = "") -> str:
    """The draft article: front matter (``draft = true``, metadata, references, quirks), then the body."""
    meta: dict[str, Any] = {"draft": True, "title": export.title or "(the export has no title)", "slug": slug}
    if condition:
        meta["condition"] = condition
    meta["topic"] = topic
    front = [
        "# DRAFT imported by `python -m db import`. The body is the export's own wording: rewrite it,",
        "# resolve every [[quirks]] entry, write the structured entries, then delete `draft = true`.",
        tomli_w.dumps(meta).rstrip(),
    ]
    if export.updated:
        front.append(f"updated = {export.updated}")
    else:
        front.append("# updated = YYYY-MM-DD   (the export gives no date: find it and fill it in)")
    front.append(
        tomli_w.dumps(
            {"review_status": export.review_status or "not stated in the export", "source": f"Export {source}"}
        ).rstrip()
    )
    for ref in export.references:
        entry: dict[str, Any] = {"number": ref.number, "kind": ref.kind.value}
        if ref.listed:
            entry["title"] = ref.title
            if ref.publication:
                entry["publication"] = ref.publication
            if ref.year is not None:
                entry["year"] = ref.year
        else:
            entry["title"] = "Not in the export's reference list"
            entry["listed"] = False
            entry["note"] = (
                f"The export cites {ref.number} but its reference list has "
                f"{sum(r.listed for r in export.references)} entries: identify this reference."
            )
        front += ["", "[[references]]", tomli_w.dumps(entry).rstrip()]
    for quirk in export.quirks:
        entry = {"line": quirk.line, "text": quirk.text, "resolution": f"{UNRESOLVED} ({quirk.action})."}
        front += ["", "[[quirks]]", tomli_w.dumps(entry).rstrip()]
    body = [DRAFT_NOTICE.format(source=source), ""] + [line for _n, line in export.body]
    return "+++\n" + "\n".join(front) + "\n+++\n\n" + "\n".join(body).rstrip() + "\n"


def review_report(export: Export, catalogue: Catalogue, export_path: Path, draft_path: Path) -> tuple[str, list[str]]:
    """What the editor reads before writing the structured entries (plain text, for a terminal)."""
    out = [f"{export_path} -> {draft_path} (draft = true)"]
    out.append(f"  title    {export.title}")
    out.append(f"  updated  {export.updated or 'NOT FOUND: fill it in'}; review status: {export.review_status or '?'}")
    layout = {"sections": "sections 'From the Guidelines / Drug Label / Research'", "topics": "summary + own headings"}
    out.append(f"  layout   {layout.get(export.layout, 'no body')}")
    listed = sum(r.listed for r in export.references)
    cited = sorted({n for _line, numbers in export.citations for n in numbers})
    out.append(
        f"  references  {listed} listed, {len(export.references) - listed} cited but not listed; "
        f"citations seen: {', '.join(map(str, cited)) or 'none'}"
    )
    if export.furniture:
        kinds = sorted({f.what for f in export.furniture})
        lines = _ranges([f.line for f in export.furniture])
        out.append(f"  dropped as page furniture: lines {lines} ({', '.join(kinds)})")
    out.append("")
    out.append(f"Quirks ({len(export.quirks)}), recorded in the draft's [[quirks]], none fixed silently:")
    out += [f"  line {q.line}: {q.text}; {q.action}" for q in export.quirks] or ["  none"]
    body = [(n, line) for n, line in export.body]
    doses = _doses(body, catalogue)
    out.append("")
    out.append(f"Dose ranges ({len(doses)}): drug, range, unit, export line, citations on that line")
    out += [f"  {d}" for d in doses] or ["  none"]
    out.append("")
    out += _recognised(body, catalogue)
    if catalogue.problems:
        out.append("")
        count = len(catalogue.problems)
        out.append(f"The catalogue could not be read whole ({count} problems); run python -m db check.")
    out.append("")
    out.append(
        "No recommendation is proposed: write the recommendations.toml entries (role, note, citations) from the "
        "article yourself, and run python -m db check."
    )
    return "\n".join(out) + "\n", doses


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n <= spans[-1][1] + 2:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _doses(body: list[tuple[int, str]], catalogue: Catalogue) -> list[str]:
    names = [n for ns in catalogue.treatments.values() for n in ns]
    pattern = _name_pattern(tuple(names)) if names else None
    owners = {n.casefold(): slug for slug, ns in catalogue.treatments.items() for n in ns}
    found = []
    for number, line in body:
        for match in DOSE_RANGE.finditer(line):
            before = line[: match.start()]
            drug = "no drug name recognised before it"
            if pattern is not None:
                named = list(pattern.finditer(before))
                if named:
                    drug = named[-1].group()
                    slug = owners.get(drug.casefold(), "")
                    drug = slug if slug.casefold() == drug.casefold() else f"{slug} ({drug})"
            if drug.startswith("no drug"):
                words = [w for w in WORD.findall(before) if DRUG_ENDINGS.match(w.casefold())]
                if words:
                    drug = f"{words[-1]} (not in the catalogue)"
            unit = match["unit"] + (match["per"] or "")
            cites = ", ".join(m.group(1).replace(",", ", ") for m in CITED.finditer(line)) or "none"
            found.append(
                f"line {number}: {drug}: {match['low']}-{match['high']} {unit}  "
                f"(as written: {match.group().strip()!r}; citations on the line: {cites})"
            )
    return found


def _recognised(body: list[tuple[int, str]], catalogue: Catalogue) -> list[str]:
    out: list[str] = []
    text_lines = [(n, line) for n, line in body if line.strip()]
    known_words: set[str] = set()
    for label, entries in (("Drugs and therapies", catalogue.treatments), ("Classes", catalogue.classes)):
        hits: list[str] = []
        for slug, names in sorted(entries.items()):
            pattern = _name_pattern(names)
            lines = [n for n, line in text_lines if pattern.search(line)]
            if lines:
                hits.append(f"  {slug}: lines {_ranges(lines)}")
        for names in entries.values():
            known_words.update(w.casefold() for n in names for w in WORD.findall(n))
        out.append(f"{label} recognised ({len(hits)}):")
        out += hits or ["  none"]
    unknown: dict[str, list[int]] = {}
    for number, line in text_lines:
        for word in WORD.findall(line):
            key = word.casefold()
            if key not in known_words and key not in NOT_DRUGS and DRUG_ENDINGS.match(key):
                unknown.setdefault(key, []).append(number)
    out.append(
        f"Words that may name a drug the catalogue lacks ({len(unknown)}; add them to drugs.toml if they are drugs):"
    )
    out += [f"  {w}: lines {_ranges(lines)}" for w, lines in sorted(unknown.items())] or ["  none"]
    tail_counts: dict[str, int] = {}
    for ns in catalogue.classes.values():
        for n in ns:
            if len(n.split()) > 1:
                tail_counts[n.split()[-1].casefold()] = tail_counts.get(n.split()[-1].casefold(), 0) + 1
    tails = {t for t, count in tail_counts.items() if count >= 2}  # the condition's own word, not a stray one
    class_names = {n.casefold() for ns in catalogue.classes.values() for n in ns}
    phrases: dict[str, list[int]] = {}
    if tails:
        phrase = re.compile(
            r"\b([A-Za-z][A-Za-z-]+) (" + "|".join(re.escape(t) for t in sorted(tails)) + r")\b", re.IGNORECASE
        )
        for number, line in text_lines:
            for match in phrase.finditer(line):
                words = match.group().casefold()
                first = match.group(1).casefold()
                if (
                    first not in class_names
                    and first not in _FUNCTION_WORDS
                    and not any(words in name for name in class_names)
                ):
                    phrases.setdefault(words, []).append(number)
    out.append(f"Phrases that may name a class the catalogue lacks ({len(phrases)}):")
    out += [f"  {p}: lines {_ranges(lines)}" for p, lines in sorted(phrases.items())] or ["  none"]
    return out


_FUNCTION_WORDS = {
    "the",
    "of",
    "for",
    "in",
    "and",
    "or",
    "with",
    "treat",
    "treating",
    "treated",
    "suppress",
    "a",
    "an",
    "to",
    "on",
    "that",
    "this",
    "include",
    "including",
    "types",
    "type",
    "control",
    "manage",
    "cause",
    "is",
    "as",
    "by",
    "from",
    "at",
    "its",
    "their",
    "his",
    "her",
    "underlying",
}


def typos(export: Export, catalogue: Catalogue) -> list[Quirk]:
    """Words close to a catalogue name but not it ("levitiracetam"), and names recorded as variant
    spellings of a treatment's own name ("5-hydrotryptophan" beside "5-hydroxytryptophan")."""
    canonical = {ns[0].casefold() for ns in catalogue.treatments.values() if ns}
    variants = {
        n.casefold(): ns[0]
        for ns in catalogue.treatments.values()
        for n in ns[1:]
        if len(n) > 5 and difflib.SequenceMatcher(None, n.casefold(), ns[0].casefold()).ratio() >= 0.85
    }
    names = set(catalogue.all_names()) | canonical
    long_names = sorted(n for n in names if len(n) >= 6)
    first_line: dict[str, int] = {}
    for number, line in export.body:
        for word in WORD.findall(line):
            if len(word) >= 6:
                first_line.setdefault(word.casefold(), number)
    found = []
    for word, number in sorted(first_line.items(), key=lambda item: (item[1], item[0])):
        if word in variants:
            found.append(Quirk(number, f"possible typo {word!r}: a recorded misspelling of {variants[word]!r}"))
        elif word not in names:
            close = difflib.get_close_matches(word, long_names, n=1, cutoff=0.88)
            if close and word not in close[0].split():
                found.append(Quirk(number, f"possible typo {word!r}: close to {close[0]!r}"))
    return found


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".md", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            os.link(tmp, path)  # fails, rather than overwrite, if the draft appeared meanwhile
        finally:
            os.unlink(tmp)
    except FileExistsError as exc:
        raise ImportRefused(f"{path} exists already: move it aside, or import with --out DIR") from exc
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot write the draft ({exc.strerror}); choose a folder with --out DIR") from exc
