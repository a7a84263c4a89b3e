"""Reading and checking the content sources under ``resources/content/``.

The format is described in ``docs/content-format.md``. :func:`load_sources` parses every file
and returns the sources with every problem found, each located as ``file:line`` so an editor
can go straight to it. Nothing here renders or writes; see :mod:`db.build` for that.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.errors import ContentError, Problem
from db.model import DoseRange, Role

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CITATION = re.compile(r"\[@(\d+(?:\s*,\s*\d+)*)\]")
CITATION_START = re.compile(r"\[@")
LINK = re.compile(r"\]\(([^)\s]*)\)")
RAW_HTML = re.compile(r"</?[A-Za-z][^>]*>|<!--")
IMAGE = re.compile(r"!\[")
DOSE = re.compile(
    r"^(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?) (?P<unit>mg|g|mcg|IU|units)/(?P<per>day|dose|kg/day)$"
)
INTERNAL_SCHEMES = ("drug", "class", "article")
EXTERNAL_SCHEMES = ("https", "http", "mailto")
REFERENCE_KINDS = ("guideline", "drug label", "research", "other")
DRUG_KINDS = ("drug", "drug group")
CLASS_CATEGORIES = ("physiological", "syndrome", "general")
ROLES = tuple(r.value for r in Role)
TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class ReferenceSource:
    number: int
    kind: str
    title: str
    publication: str
    year: int | None
    listed: bool
    note: str
    line: int


@dataclass(frozen=True)
class QuirkSource:
    text: str
    resolution: str
    source_line: int | None


@dataclass
class ArticleSource:
    """One article file: front matter fields, the Markdown body and where things are in it."""

    path: Path
    slug: str
    title: str
    short_title: str
    topic: str
    updated: str
    review_status: str
    source: str
    summary: str
    references: list[ReferenceSource]
    quirks: list[QuirkSource]
    body: str
    body_first_line: int
    #: (number, line) for every citation in the body
    citations: list[tuple[int, int]] = field(default_factory=list)
    #: (scheme, target, line) for every internal link in the body
    links: list[tuple[str, str, int]] = field(default_factory=list)

    def reference_numbers(self) -> set[int]:
        return {r.number for r in self.references}


@dataclass(frozen=True)
class TreatmentSource:
    """A drug, a drug group, or a non-drug therapy."""

    file: str
    line: int
    slug: str
    name: str
    kind: str  # "drug", "drug group" or "non-drug"
    brands: tuple[str, ...]
    synonyms: tuple[str, ...]
    mechanism: str
    dose: DoseRange | None
    dose_context: str
    dose_article: str
    dose_citations: tuple[int, ...]


@dataclass(frozen=True)
class ClassSource:
    file: str
    line: int
    slug: str
    name: str
    category: str
    parent: str
    synonyms: tuple[str, ...]
    description: str
    position: int


@dataclass(frozen=True)
class RecommendationSource:
    file: str
    line: int
    treatment: str
    class_slug: str
    role: str
    dose: DoseRange | None
    note: str
    article: str
    citations: tuple[int, ...]
    uncited: bool
    position: int


@dataclass
class ContentSources:
    """Every source file, parsed. ``files`` lists what the build hashes, in a fixed order."""

    root: Path
    version: str
    title: str
    articles: list[ArticleSource]
    treatments: list[TreatmentSource]
    classes: list[ClassSource]
    recommendations: list[RecommendationSource]
    files: list[Path]


def appears_as_written(dose: str, text: str) -> bool:
    """True when ``dose`` stands in ``text`` as a whole: "5-10 mg/day" is not in "2.5-10 mg/day"."""
    return re.search(rf"(?<![\w.]){re.escape(dose)}(?![\w/])", text) is not None


def parse_dose(text: str) -> DoseRange | None:
    """Parse ``LOW-HIGH UNIT/PER`` (e.g. ``500-3000 mg/day``); None when it does not parse."""
    match = DOSE.match(text.strip())
    if not match:
        return None
    low, high = float(match["low"]), float(match["high"])
    if low > high:
        return None
    return DoseRange(low, high, match["unit"], match["per"], text.strip())


class _Reader:
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
        else:
            self.problem(key, f"{key!r} must be a date written YYYY-MM-DD, not {value!r}")
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


def _load_toml(
    path: Path, rel: str, problems: list[Problem], offset: int = 0, text: str | None = None
) -> dict[str, Any] | None:
    try:
        raw = text if text is not None else path.read_text(encoding="utf-8")
        return tomllib.loads(raw)
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, 1, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"))
    except tomllib.TOMLDecodeError as exc:
        found = TOML_LINE.search(str(exc))
        line = int(found.group(1)) + offset if found else offset + 1
        problems.append(Problem(rel, line, f"not valid TOML: {exc}"))
    except OSError as exc:
        problems.append(Problem(rel, 1, f"cannot read the file: {exc.strerror}"))
    return None


def _entries(
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


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent.parent))
    except ValueError:
        return str(path)


def _read_article(path: Path, rel: str, problems: list[Problem]) -> ArticleSource | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, 1, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(rel, 1, f"cannot read the file: {exc.strerror}"))
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        problems.append(Problem(rel, 1, "an article must start with a '+++' line opening its front matter"))
        return None
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        problems.append(Problem(rel, 1, "the front matter opened by '+++' is never closed by a second '+++' line"))
        return None
    front_lines = lines[1:close]
    data = _load_toml(path, rel, problems, offset=1, text="\n".join(front_lines))
    if data is None:
        return None
    fields = _Reader(data, rel, lines, (1, close + 1), problems)
    fields.only(
        (
            "title",
            "short_title",
            "slug",
            "topic",
            "updated",
            "review_status",
            "source",
            "summary",
            "references",
            "quirks",
        )
    )
    slug = fields.text("slug")
    if slug and not SLUG.match(slug):
        fields.problem("slug", f"slug {slug!r} must be lowercase letters, digits and hyphens")
    elif slug and slug != path.stem:
        fields.problem("slug", f"slug {slug!r} must match the file name ({path.stem}.md)")
    article = ArticleSource(
        path=path,
        slug=slug,
        title=fields.text("title"),
        short_title=fields.text("short_title", required=False),
        topic=fields.text("topic"),
        updated=fields.date("updated"),
        review_status=fields.text("review_status"),
        source=fields.text("source", required=False),
        summary=fields.text("summary", required=False),
        references=[],
        quirks=[],
        body="\n".join(lines[close + 1 :]),
        body_first_line=close + 2,
    )
    article.short_title = article.short_title or article.title
    seen: set[int] = set()
    for table, span in _entries(data, "references", front_lines, rel, problems, offset=1):
        ref = _Reader(table, rel, lines, span, problems)
        ref.only(("number", "kind", "title", "publication", "year", "listed", "note"))
        number = ref.integer("number")
        kind = ref.text("kind")
        if kind and kind not in REFERENCE_KINDS:
            ref.problem("kind", f"reference kind {kind!r} is not one of {', '.join(REFERENCE_KINDS)}")
        year = ref.integer("year", required=False)
        if year is not None and not 1800 <= year <= 2100:
            ref.problem("year", f"year {year} is not a plausible publication year")
        listed = ref.flag("listed", True)
        note = ref.text("note", required=not listed)
        if number is None:
            continue
        if number < 1:
            ref.problem("number", "reference numbers start at 1")
        if number in seen:
            ref.problem("number", f"reference {number} is listed twice")
        seen.add(number)
        article.references.append(
            ReferenceSource(
                number, kind, ref.text("title"), ref.text("publication", required=False), year, listed, note, span[0]
            )
        )
    article.references.sort(key=lambda r: r.number)
    for table, span in _entries(data, "quirks", front_lines, rel, problems, offset=1):
        quirk = _Reader(table, rel, lines, span, problems)
        quirk.only(("text", "resolution", "line"))
        article.quirks.append(
            QuirkSource(quirk.text("text"), quirk.text("resolution"), quirk.integer("line", required=False))
        )
    _scan_body(article, rel, problems)
    return article


def _scan_body(article: ArticleSource, rel: str, problems: list[Problem]) -> None:
    """Find citations and links in the body; reject raw HTML, images and unsafe links."""
    in_code = False
    for index, line in enumerate(article.body.splitlines()):
        number = article.body_first_line + index
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        if RAW_HTML.search(line):
            problems.append(Problem(rel, number, "raw HTML is not allowed in an article; use Markdown"))
        if IMAGE.search(line):
            problems.append(Problem(rel, number, "images are not allowed in an article (nothing is fetched)"))
        well_formed = {m.start() for m in CITATION.finditer(line)}
        for match in CITATION_START.finditer(line):
            if match.start() not in well_formed:
                problems.append(Problem(rel, number, "malformed citation: write [@N] or [@N,M] with reference numbers"))
        for match in CITATION.finditer(line):
            for part in match.group(1).split(","):
                article.citations.append((int(part), number))
        for match in LINK.finditer(line):
            target = match.group(1)
            scheme, _, rest = target.partition(":")
            if target.startswith("#"):
                continue
            if scheme in INTERNAL_SCHEMES and rest:
                article.links.append((scheme, rest, number))
            elif scheme.lower() in EXTERNAL_SCHEMES and rest:
                continue
            else:
                problems.append(
                    Problem(
                        rel,
                        number,
                        f"link target {target!r} is not allowed: use drug:SLUG, class:SLUG, "
                        "article:SLUG or an https:// address",
                    )
                )


def _read_treatments(path: Path, rel: str, header: str, problems: list[Problem]) -> list[TreatmentSource]:
    data = _load_toml(path, rel, problems)
    if data is None:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    treatments = []
    is_drug = header == "drug"
    for table, span in _entries(data, header, lines, rel, problems):
        entry = _Reader(table, rel, lines, span, problems)
        if is_drug:
            entry.only(
                (
                    "slug",
                    "name",
                    "kind",
                    "brands",
                    "synonyms",
                    "mechanism",
                    "dose",
                    "dose_context",
                    "dose_article",
                    "dose_citations",
                    "dose_uncited",
                )
            )
        else:
            entry.only(("slug", "name", "synonyms", "mechanism"))
        slug = entry.text("slug")
        if slug and not SLUG.match(slug):
            entry.problem("slug", f"slug {slug!r} must be lowercase letters, digits and hyphens")
        kind = entry.text("kind", required=False, default="drug") if is_drug else "non-drug"
        if kind not in (*DRUG_KINDS, "non-drug"):
            entry.problem("kind", f"kind {kind!r} is not one of {', '.join(DRUG_KINDS)}")
        dose = entry.dose("dose") if is_drug else None
        dose_article = entry.text("dose_article", required=False) if is_drug else ""
        dose_context = entry.text("dose_context", required=False) if is_drug else ""
        dose_citations: tuple[int, ...] = ()
        if is_drug and entry.table.get("dose"):
            if not dose_article:
                entry.problem("dose", "a dose needs 'dose_article': the article that states it")
            if not dose_context:
                entry.problem(
                    "dose", "a dose needs 'dose_context': for what the source gives it, e.g. 'in cortical myoclonus'"
                )
            dose_citations = entry.citations("dose_citations", "dose_uncited", "a dose")
        treatments.append(
            TreatmentSource(
                rel,
                span[0],
                slug,
                entry.text("name"),
                kind,
                entry.texts("brands") if is_drug else (),
                entry.texts("synonyms"),
                entry.text("mechanism", required=False),
                dose,
                dose_context,
                dose_article,
                dose_citations,
            )
        )
    return treatments


def _read_classes(path: Path, rel: str, problems: list[Problem]) -> list[ClassSource]:
    data = _load_toml(path, rel, problems)
    if data is None:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    classes = []
    for position, (table, span) in enumerate(_entries(data, "class", lines, rel, problems)):
        entry = _Reader(table, rel, lines, span, problems)
        entry.only(("slug", "name", "category", "parent", "synonyms", "description"))
        slug = entry.text("slug")
        if slug and not SLUG.match(slug):
            entry.problem("slug", f"slug {slug!r} must be lowercase letters, digits and hyphens")
        category = entry.text("category")
        if category and category not in CLASS_CATEGORIES:
            entry.problem("category", f"category {category!r} is not one of {', '.join(CLASS_CATEGORIES)}")
        classes.append(
            ClassSource(
                rel,
                span[0],
                slug,
                entry.text("name"),
                category,
                entry.text("parent", required=False),
                entry.texts("synonyms"),
                entry.text("description", required=False),
                position,
            )
        )
    return classes


def _read_recommendations(path: Path, rel: str, problems: list[Problem]) -> list[RecommendationSource]:
    data = _load_toml(path, rel, problems)
    if data is None:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    recommendations = []
    for position, (table, span) in enumerate(_entries(data, "recommendation", lines, rel, problems)):
        entry = _Reader(table, rel, lines, span, problems)
        entry.only(("treatment", "class", "role", "dose", "note", "article", "citations", "uncited"))
        role = entry.text("role")
        if role and role not in ROLES:
            entry.problem("role", f"role {role!r} is not one of {', '.join(ROLES)}")
        citations = entry.citations("citations", "uncited", "a recommendation")
        uncited = not citations
        recommendations.append(
            RecommendationSource(
                rel,
                span[0],
                entry.text("treatment"),
                entry.text("class"),
                role,
                entry.dose("dose"),
                entry.text("note", required=False),
                entry.text("article"),
                citations,
                uncited,
                position,
            )
        )
    return recommendations


def _cross_check(sources: ContentSources, problems: list[Problem]) -> None:
    """Checks that need every file: unique slugs, links, citations and doses that resolve."""
    articles: dict[str, ArticleSource] = {}
    for article in sources.articles:
        rel = _relative(article.path, sources.root)
        if article.slug in articles:
            problems.append(
                Problem(
                    rel,
                    1,
                    f"duplicate article slug {article.slug!r} "
                    f"(also {_relative(articles[article.slug].path, sources.root)})",
                )
            )
        articles.setdefault(article.slug, article)
        numbers = article.reference_numbers()
        for number, line in article.citations:
            if number not in numbers:
                problems.append(
                    Problem(
                        rel,
                        line,
                        f"citation {number} has no reference: add a "
                        f"[[references]] entry numbered {number} (listed = false if the "
                        "source cites it without listing it)",
                    )
                )
    treatments: dict[str, TreatmentSource] = {}
    names: dict[str, str] = {}
    for treatment in sources.treatments:
        if treatment.slug in treatments:
            problems.append(Problem(treatment.file, treatment.line, f"duplicate treatment slug {treatment.slug!r}"))
        treatments.setdefault(treatment.slug, treatment)
        for name in (treatment.name, *treatment.brands, *treatment.synonyms):
            owner = names.setdefault(name.casefold(), treatment.slug)
            if owner != treatment.slug:
                problems.append(
                    Problem(
                        treatment.file,
                        treatment.line,
                        f"name {name!r} is used by both {owner!r} and {treatment.slug!r}",
                    )
                )
        if treatment.dose is not None and treatment.dose_article:
            _check_source(
                treatment.file,
                treatment.line,
                treatment.dose_article,
                treatment.dose_citations,
                articles,
                problems,
                dose=treatment.dose,
            )
    classes: dict[str, ClassSource] = {}
    for cls in sources.classes:
        if cls.slug in classes:
            problems.append(Problem(cls.file, cls.line, f"duplicate class slug {cls.slug!r}"))
        classes.setdefault(cls.slug, cls)
    for cls in sources.classes:
        seen = {cls.slug}
        parent = cls.parent
        while parent:
            if parent not in classes:
                problems.append(Problem(cls.file, cls.line, f"parent class {parent!r} does not exist"))
                break
            if parent in seen:
                problems.append(Problem(cls.file, cls.line, f"class {cls.slug!r} is its own ancestor"))
                break
            seen.add(parent)
            parent = classes[parent].parent
    for rec in sources.recommendations:
        if rec.treatment and rec.treatment not in treatments:
            problems.append(
                Problem(
                    rec.file,
                    rec.line,
                    f"unknown treatment {rec.treatment!r}: add it to drugs.toml or therapies.toml, or fix the slug",
                )
            )
        if rec.class_slug and rec.class_slug not in classes:
            problems.append(
                Problem(
                    rec.file, rec.line, f"unknown class {rec.class_slug!r}: add it to classes.toml, or fix the slug"
                )
            )
        _check_source(rec.file, rec.line, rec.article, rec.citations, articles, problems, dose=rec.dose)
    targets: dict[str, set[str]] = {"article": set(articles), "drug": set(treatments), "class": set(classes)}
    for article in sources.articles:
        rel = _relative(article.path, sources.root)
        for scheme, target, line in article.links:
            if target not in targets[scheme]:
                problems.append(Problem(rel, line, f"link to {scheme}:{target} goes nowhere: no such {scheme}"))


def _check_source(
    file: str,
    line: int,
    slug: str,
    citations: tuple[int, ...],
    articles: dict[str, ArticleSource],
    problems: list[Problem],
    dose: DoseRange | None,
) -> None:
    if not slug:
        return
    article = articles.get(slug)
    if article is None:
        problems.append(Problem(file, line, f"unknown article {slug!r}"))
        return
    numbers = article.reference_numbers()
    for number in citations:
        if number not in numbers:
            problems.append(Problem(file, line, f"citation {number} is not in the references of {slug!r}"))
    if dose is not None and not appears_as_written(dose.text, article.body):
        problems.append(
            Problem(
                file,
                line,
                f"dose {dose.text!r} does not appear in the text of {slug!r}: every dose must match its source exactly",
            )
        )
    if dose is not None and citations:
        _check_dose_citation(file, line, slug, dose, citations, article, problems)


def _check_dose_citation(
    file: str,
    line: int,
    slug: str,
    dose: DoseRange,
    citations: tuple[int, ...],
    article: ArticleSource,
    problems: list[Problem],
) -> None:
    """A cited dose must stand on a line of the article that carries one of its citations.

    A citation that supports the advice but not the number beside it is the error a reader
    cannot see; an entry whose source gives the dose without a citation is marked uncited.
    """
    lines = [text for text in article.body.splitlines() if appears_as_written(dose.text, text)]
    cited_there = {int(n) for text in lines for match in CITATION.finditer(text) for n in match.group(1).split(",")}
    if lines and not cited_there & set(citations):
        found = ", ".join(str(n) for n in sorted(cited_there)) or "none"
        problems.append(
            Problem(
                file,
                line,
                f"dose {dose.text!r} is given in {slug!r} only beside citations [{found}], not "
                f"{list(citations)}: cite what the source cites for the dose itself, or mark it uncited",
            )
        )


def load_sources(root: Path) -> tuple[ContentSources, list[Problem]]:
    """Parse every source under ``root``; return them with every problem found (none is fatal)."""
    problems: list[Problem] = []
    sources = ContentSources(root, "", "", [], [], [], [], [])

    def rel(path: Path) -> str:
        return _relative(path, root)

    if not root.is_dir():
        problems.append(Problem(str(root), 0, "the content folder does not exist"))
        return sources, problems
    meta_path = root / "content.toml"
    sources.files.append(meta_path)
    if not meta_path.is_file():
        problems.append(Problem(rel(meta_path), 0, "missing: it names the content release (version, title)"))
    else:
        meta = _load_toml(meta_path, rel(meta_path), problems)
        if meta is not None:
            reader = _Reader(meta, rel(meta_path), meta_path.read_text(encoding="utf-8").splitlines(), (1, 1), problems)
            reader.only(("version", "title"))
            sources.version = reader.text("version")
            sources.title = reader.text("title")
    article_paths = sorted((root / "articles").glob("*.md"))
    if not article_paths:
        problems.append(Problem(rel(root / "articles"), 0, "no articles (*.md) found"))
    for path in article_paths:
        sources.files.append(path)
        article = _read_article(path, rel(path), problems)
        if article is not None:
            sources.articles.append(article)
    for name, header in (("drugs.toml", "drug"), ("therapies.toml", "therapy")):
        path = root / name
        sources.files.append(path)
        if path.is_file():
            sources.treatments.extend(_read_treatments(path, rel(path), header, problems))
        else:
            problems.append(Problem(rel(path), 0, "missing"))
    classes_path = root / "classes.toml"
    recommendations_path = root / "recommendations.toml"
    sources.files += [classes_path, recommendations_path]
    if classes_path.is_file():
        sources.classes = _read_classes(classes_path, rel(classes_path), problems)
    else:
        problems.append(Problem(rel(classes_path), 0, "missing"))
    if recommendations_path.is_file():
        sources.recommendations = _read_recommendations(recommendations_path, rel(recommendations_path), problems)
    else:
        problems.append(Problem(rel(recommendations_path), 0, "missing"))
    _cross_check(sources, problems)
    return sources, sorted(set(problems))


def read_sources(root: Path) -> ContentSources:
    """Parse and check the sources; raise :class:`ContentError` listing every problem."""
    sources, problems = load_sources(root)
    if problems:
        raise ContentError(problems)
    return sources
