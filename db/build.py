"""Compile the content sources into one read-only SQLite file, deterministically.

The same sources give the same bytes: rows go in a fixed order, nothing records the time or
the machine, and the file is VACUUMed into its final form. Markdown is rendered here, so the
app never imports Markdown or sqlite-utils when it runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sqlite3
import string
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from db.content import ArticleSource, ContentSources, read_sources
from db.model import DoseRange, Role, TreatmentKind
from db.render import article_html, plain_text
from db.schema import APPLICATION_ID, SCHEMA_VERSION, TABLES

BUILD_TOOL = f"clinref-db-build/{SCHEMA_VERSION}"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote, for the command line and the benchmarks."""

    path: Path
    articles: int
    treatments: int
    classes: int
    recommendations: int
    size_bytes: int
    inputs_hash: str
    content_version: str


def inputs_hash(sources: ContentSources) -> str:
    """SHA-256 over every source file's path (relative to the content root) and bytes."""
    digest = hashlib.sha256()
    for path in sources.files:
        digest.update(path.relative_to(sources.root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def _dose_columns(dose: DoseRange | None) -> dict[str, Any]:
    if dose is None:
        return {"dose_text": None, "dose_low": None, "dose_high": None, "dose_unit": None, "dose_per": None}
    return {
        "dose_text": dose.text,
        "dose_low": dose.low,
        "dose_high": dose.high,
        "dose_unit": dose.unit,
        "dose_per": dose.per,
    }


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """The ASCII letter ``char`` matches under ``re.IGNORECASE`` (Kelvin sign: k; long s: s), else itself."""
    for letter in string.ascii_lowercase:
        if re.fullmatch(letter, char, re.IGNORECASE):
            return letter
    return char


def _word_key(word: str) -> str:
    """A key equal for two words whenever ``re.IGNORECASE`` matches them (ASCII-only words exactly)."""
    if word.isascii():
        return word.lower()
    return "".join(_fold_char(c) for c in word)


@dataclass(frozen=True)
class _Name:
    treatment: str
    pattern: re.Pattern[str]
    lowered: str | None  # for a plain find() in ASCII text; None when the name is not ASCII


def _mentions(sources: ContentSources, texts: dict[str, str]) -> list[dict[str, str]]:
    """Which articles mention which treatments: by link, by recommendation, or by name.

    A name is mentioned where it appears as a whole word, in any case (``\\bNAME\\b``, ignoring
    case). Scanning every article with every treatment's pattern is quadratic (about half an
    hour at 10,000 articles and 1,000 drugs), so each name is filed under its first word and an
    article's own words say which names could be in it; only those are looked for.
    """
    pairs: set[tuple[str, str]] = set()
    for article in sources.articles:
        for scheme, target, _line in article.links:
            if scheme == "drug":
                pairs.add((target, article.slug))
    for rec in sources.recommendations:
        pairs.add((rec.treatment, rec.article))
    by_first_word: dict[str, list[_Name]] = {}
    always: list[_Name] = []  # names that start with a non-word or non-ASCII character: looked for everywhere
    for treatment in sources.treatments:
        for name in sorted({treatment.name, *treatment.brands, *treatment.synonyms}):
            entry = _Name(
                treatment.slug,
                re.compile(r"\b(?:" + re.escape(name) + r")\b", re.IGNORECASE),
                name.lower() if name.isascii() else None,
            )
            first = _WORD.match(name)
            if first is None or not first.group().isascii():
                always.append(entry)
            else:
                by_first_word.setdefault(first.group().lower(), []).append(entry)
    for article in sources.articles:
        text = texts[article.slug]
        keys = {_word_key(word) for word in set(_WORD.findall(text))}
        candidates = [entry for key in sorted(keys & by_first_word.keys()) for entry in by_first_word[key]]
        lowered = text.lower() if text.isascii() else None
        for entry in candidates + always:
            if (entry.treatment, article.slug) not in pairs and _appears(entry, text, lowered):
                pairs.add((entry.treatment, article.slug))
    return [{"treatment_slug": t, "article_slug": a} for t, a in sorted(pairs)]


def _appears(name: _Name, text: str, lowered: str | None) -> bool:
    if lowered is None or name.lowered is None:
        return name.pattern.search(text) is not None
    # ASCII text and name: a case-insensitive match is a match of the lowercased strings, and
    # find() is a hundred times faster than the regular expression's scan; the pattern then
    # checks the word boundaries at each place found.
    position = lowered.find(name.lowered)
    while position != -1:
        if name.pattern.match(text, position):
            return True
        position = lowered.find(name.lowered, position + 1)
    return False


def _search_rows(sources: ContentSources, texts: dict[str, str]) -> Iterable[dict[str, Any]]:
    """The search index's rows, in the order a broad search lists them (rowid order).

    A search that matches too many rows to rank (a common word, a one- or two-letter prefix)
    takes its hits in rowid order instead (db.library), so the order here is the one a person
    scanning such a list wants: drugs and treatments A-Z, then the classes in the editors'
    order, then articles A-Z by title.
    """
    class_names = {c.slug: c.name for c in sources.classes}
    treatment_names = {t.slug: t.name for t in sources.treatments}
    uses: dict[str, list[str]] = {}
    treated: dict[str, list[str]] = {}
    for rec in sources.recommendations:
        uses.setdefault(rec.treatment, []).append(
            f"{class_names.get(rec.class_slug, rec.class_slug)} ({rec.role}): {rec.note}"
        )
        treated.setdefault(rec.class_slug, []).append(
            f"{treatment_names.get(rec.treatment, rec.treatment)} ({rec.role}): {rec.note}"
        )
    for treatment in sorted(sources.treatments, key=lambda t: (t.name.casefold(), t.slug)):
        brands = f" ({', '.join(treatment.brands)})" if treatment.brands else ""
        dose = f" · {treatment.dose.text} {treatment.dose_context}" if treatment.dose else ""
        label = TreatmentKind(treatment.kind).label
        yield {
            "kind": "drug",
            "slug": treatment.slug,
            "title": treatment.name,
            "names": " ".join([*treatment.brands, *treatment.synonyms]),
            "body": " ".join([treatment.mechanism, *uses.get(treatment.slug, [])]),
            "detail": f"{label}{brands}{dose}",
        }
    for cls in sources.classes:
        yield {
            "kind": "class",
            "slug": cls.slug,
            "title": cls.name,
            "names": " ".join(cls.synonyms),
            "body": " ".join([cls.description, *treated.get(cls.slug, [])]),
            "detail": f"Myoclonus class · {cls.category}",
        }
    for article in sorted(sources.articles, key=lambda a: (a.title.casefold(), a.slug)):
        yield {
            "kind": "article",
            "slug": article.slug,
            "title": article.title,
            "names": article.topic,
            "body": f"{article.summary} {texts[article.slug]}",
            "detail": f"Article · {article.topic} · updated {article.updated}",
        }


def _write(db: sqlite_utils.Database, sources: ContentSources, digest: str) -> None:
    conn = db.conn
    conn.executescript(TABLES)
    rendered = {a.slug: article_html(a) for a in sources.articles}
    texts = {slug: plain_text(html) for slug, html in rendered.items()}
    articles = sorted(sources.articles, key=lambda a: a.slug)
    db.table("articles").insert_all(_article_row(a, rendered[a.slug]) for a in articles)
    db.table("article_references").insert_all(
        {
            "article_slug": a.slug,
            "number": r.number,
            "kind": r.kind,
            "title": r.title,
            "publication": r.publication,
            "year": r.year,
            "listed": int(r.listed),
            "note": r.note,
        }
        for a in articles
        for r in a.references
    )
    treatments = sorted(sources.treatments, key=lambda t: t.slug)
    db.table("treatments").insert_all(
        {
            "slug": t.slug,
            "name": t.name,
            "kind": t.kind,
            "mechanism": t.mechanism,
            **_dose_columns(t.dose),
            "dose_context": t.dose_context,
            "dose_article": t.dose_article or None,
            "dose_citations": json.dumps(list(t.dose_citations)),
        }
        for t in treatments
    )
    db.table("treatment_names").insert_all(
        {"treatment_slug": t.slug, "name": name, "kind": kind}
        for t in treatments
        for kind, names in (("generic", (t.name,)), ("brand", t.brands), ("synonym", t.synonyms))
        for name in sorted(set(names))
    )
    db.table("classes").insert_all(
        {
            "slug": c.slug,
            "name": c.name,
            "category": c.category,
            "parent": c.parent,
            "synonyms": json.dumps(list(c.synonyms)),
            "description": c.description,
            "position": c.position,
        }
        for c in sources.classes
    )
    db.table("recommendations").insert_all(
        {
            "id": index + 1,
            "treatment_slug": r.treatment,
            "class_slug": r.class_slug,
            "role": r.role,
            "role_rank": Role(r.role).rank,
            **_dose_columns(r.dose),
            "note": r.note,
            "article_slug": r.article,
            "citations": json.dumps(list(r.citations)),
        }
        for index, r in enumerate(sources.recommendations)
    )
    db.table("mentions").insert_all(_mentions(sources, texts))
    db.table("search").insert_all(_search_rows(sources, texts))
    conn.execute("INSERT INTO search(search) VALUES ('optimize')")
    conn.execute("CREATE VIRTUAL TABLE temp.search_terms USING fts5vocab(main, search, 'row')")
    conn.execute(
        "INSERT INTO vocabulary SELECT term, doc, substr(term, 1, 1), length(term) FROM temp.search_terms "
        "WHERE length(term) >= 4 AND term GLOB '*[a-z]*' ORDER BY term"
    )
    content_date = max((a.updated for a in sources.articles), default="")
    db.table("manifest").insert_all(
        {"key": key, "value": str(value)}
        for key, value in sorted(
            {
                "content_version": sources.version,
                "content_title": sources.title,
                "content_date": content_date,
                "inputs_hash": digest,
                "build_tool": BUILD_TOOL,
                "schema_version": SCHEMA_VERSION,
                "article_count": len(sources.articles),
                "drug_count": len(sources.treatments),
                "class_count": len(sources.classes),
                "recommendation_count": len(sources.recommendations),
            }.items()
        )
    )


def _article_row(article: ArticleSource, html: str) -> dict[str, Any]:
    sections = [line[3:].strip() for line in article.body.splitlines() if line.startswith("## ")]
    quirks = [f"{q.text} — {q.resolution}" for q in article.quirks]
    return {
        "slug": article.slug,
        "title": article.title,
        "short_title": article.short_title,
        "topic": article.topic,
        "updated": article.updated,
        "review_status": article.review_status,
        "summary": article.summary,
        "source": article.source,
        "html": html,
        "sections": json.dumps(sections),
        "quirks": json.dumps(quirks, ensure_ascii=False),
    }


def build(source_root: Path, out: Path) -> BuildReport:
    """Check the sources, then write the database to ``out`` atomically.

    Raises :class:`db.errors.ContentError` (every problem, located) when the sources fail
    the checks; ``out`` is left untouched in that case.
    """
    sources = read_sources(source_root)
    digest = inputs_hash(sources)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".clinref-build-", suffix=".db", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA page_size = 4096")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db = sqlite_utils.Database(conn)
            with conn:
                _write(db, sources, digest)
            conn.execute("VACUUM")
        finally:
            conn.close()
        tmp.chmod(0o644)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return BuildReport(
        out,
        len(sources.articles),
        len(sources.treatments),
        len(sources.classes),
        len(sources.recommendations),
        out.stat().st_size,
        digest,
        sources.version,
    )
