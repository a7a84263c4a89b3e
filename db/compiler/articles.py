"""Reading one article file: TOML front matter (metadata, references, quirks) and a Markdown body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from db.compiler.dialect import CITATION, convert
from db.compiler.toml_fields import FieldReader, entries, load_toml
from db.errors import Problem
from db.model import SLUG, PageAddress, PageScheme, ReferenceKind

CITATION_START = re.compile(r"\[@")
RAW_HTML = re.compile(r"</?[A-Za-z][^>]*>|<!--")
#: What Markdown makes a link of, not HTML: <https://...>, <mailto:...>, <name@host>.
AUTOLINK = re.compile(r"<(?:(?:https?|ftp)://[^<>\s]*|mailto:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>", re.IGNORECASE)
EXTERNAL_SCHEMES = ("https", "http", "mailto")


@dataclass(frozen=True)
class ReferenceSource:
    number: int
    #: None when the file gives no kind that is one (a problem says where; nothing is built).
    kind: ReferenceKind | None
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
    #: Imported and not yet reviewed: the build refuses it unless told to include drafts.
    draft: bool = False
    #: The condition's slug; "" until load_sources gives it the default condition.
    condition: str = ""
    #: (number, line) for every citation in the body
    citations: list[tuple[int, int]] = field(default_factory=list)
    #: (address, line) for every link in the body to a ClinRef page
    links: list[tuple[PageAddress, int]] = field(default_factory=list)
    #: (body, its Markdown conversion) from the check's parse, which the renderer reuses while
    #: the body is unchanged: Markdown is the slowest part of a build, and one parse is enough.
    converted: tuple[str, str] | None = field(default=None, repr=False, compare=False)

    def reference_numbers(self) -> set[int]:
        return {r.number for r in self.references}


def read_article(path: Path, rel: str, problems: list[Problem]) -> ArticleSource | None:
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
    data = load_toml(path, rel, problems, offset=1, text="\n".join(front_lines))
    if data is None:
        return None
    fields = FieldReader(data, rel, lines, (1, close + 1), problems)
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
            "draft",
            "condition",
        )
    )
    slug = fields.text("slug")
    if slug and not SLUG.fullmatch(slug):
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
    article.draft = fields.flag("draft", False)
    article.condition = fields.text("condition", required=False)
    seen: set[int] = set()
    for table, span in entries(data, "references", front_lines, rel, problems, offset=1):
        ref = FieldReader(table, rel, lines, span, problems)
        ref.only(("number", "kind", "title", "publication", "year", "listed", "note"))
        number = ref.integer("number")
        kind = ref.choice("kind", ReferenceKind, named="reference kind")
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
    for table, span in entries(data, "quirks", front_lines, rel, problems, offset=1):
        quirk = FieldReader(table, rel, lines, span, problems)
        quirk.only(("text", "resolution", "line"))
        article.quirks.append(
            QuirkSource(quirk.text("text"), quirk.text("resolution"), quirk.integer("line", required=False))
        )
    _scan_body(article, rel, problems)
    return article


def _scan_body(article: ArticleSource, rel: str, problems: list[Problem]) -> None:
    """Find citations and links in the body; reject raw HTML, images and unsafe links.

    Links and images are found by Markdown's own parse (inline, with a title, reference-style,
    autolinks, and every ``[p]: target`` definition, used or not), then located on the line
    that writes their target.
    """
    body_lines = article.body.splitlines()
    in_code = False
    for index, line in enumerate(body_lines):
        number = article.body_first_line + index
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        if any(not AUTOLINK.fullmatch(match.group()) for match in RAW_HTML.finditer(line)):
            problems.append(Problem(rel, number, "raw HTML is not allowed in an article; use Markdown"))
        well_formed = {m.start() for m in CITATION.finditer(line)}
        for match in CITATION_START.finditer(line):
            if match.start() not in well_formed:
                problems.append(
                    Problem(
                        rel,
                        number,
                        "malformed citation: write [@N], [@N,M] or [@N; printed as X] with reference numbers",
                    )
                )
        for match in CITATION.finditer(line):
            for part in match.group(1).split(","):
                article.citations.append((int(part), number))
    html, parsed = convert(article.body)
    article.converted = (article.body, html)
    for src in dict.fromkeys(parsed.images):
        for number in _lines_writing(src, body_lines, article.body_first_line):
            problems.append(Problem(rel, number, "images are not allowed in an article (nothing is fetched)"))
    for target in dict.fromkeys([*parsed.hrefs, *parsed.definitions]):
        scheme, _, rest = target.partition(":")
        if target.startswith("#"):
            continue
        lines = _lines_writing(target, body_lines, article.body_first_line)
        address = PageAddress.parse(target)
        if address is not None and address.scheme.is_page:
            article.links.extend((address, number) for number in lines)
        elif scheme in _PAGE_SCHEMES and rest:  # not a page's address: it can go nowhere
            for number in lines:
                problems.append(Problem(rel, number, f"link to {target} goes nowhere: no such {scheme}"))
        elif not (scheme.lower() in EXTERNAL_SCHEMES and rest):
            for number in lines:
                problems.append(
                    Problem(
                        rel,
                        number,
                        f"link target {target!r} is not allowed: use drug:SLUG, class:SLUG, "
                        "article:SLUG or an https:// address",
                    )
                )


_PAGE_SCHEMES = frozenset(scheme.value for scheme in PageScheme if scheme.is_page)


def _lines_writing(target: str, body_lines: list[str], first_line: int) -> list[int]:
    """The lines of the body that write ``target`` (a link's destination); the first line if none does."""
    found = [first_line + index for index, line in enumerate(body_lines) if target in line]
    return found or [first_line]
