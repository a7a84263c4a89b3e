"""Compile the content sources into one read-only SQLite file, deterministically.

The same sources give the same bytes: rows go in a fixed order, nothing records the time or
the machine, and the file is VACUUMed into its final form. Markdown is rendered here, so the
app never imports Markdown or sqlite-utils when it runs.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from db.compiler.articles import ArticleSource
from db.compiler.drafts import refuse_drafts
from db.compiler.mentions import mentions
from db.compiler.render import article_html, plain_text
from db.compiler.signing import sign_content, signing_key
from db.compiler.sources import ArticleReader, read_one_article, read_sources
from db.compiler.tree import ContentSources
from db.content_signature import signature_path
from db.errors import Problem
from db.inputs import inputs_hash
from db.model import DoseRange, PageScheme
from db.schema import APPLICATION_ID, NAME_SEPARATOR, SCHEMA_VERSION, TABLES

BUILD_TOOL = f"clinref-db-build/{SCHEMA_VERSION}"
_WORD = re.compile(r"\w+")
_Choice = TypeVar("_Choice", bound=StrEnum)


def _known(value: _Choice | None) -> _Choice:
    """A field read as one of its values: sources where one is not (None) have a problem and are never built."""
    if value is None:
        raise ValueError("a field with a problem reached the build: read_sources should have refused the sources")
    return value


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
    content_date: str = ""
    review_by: str = ""
    key_id: str = ""
    key_path: Path | None = None


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


def _search_rows(sources: ContentSources, texts: dict[str, str]) -> Iterable[dict[str, Any]]:
    """The search index's rows, in the order a broad search lists them (rowid order).

    ``title``, ``names`` and ``body`` are indexed (and not stored: the index is contentless);
    ``kind``, ``slug``, ``title``, ``detail`` and ``lead`` go to ``search_rows``.

    A search that matches too many rows to rank (a common word, a one- or two-letter prefix)
    takes its hits in rowid order instead (db.library), so the order here is the one a person
    scanning such a list wants: drugs and treatments A-Z, then the classes in the editors'
    order, then articles A-Z by title.
    """
    class_names = {c.slug: c.name for c in sources.classes}
    condition_names = {c.slug: c.name for c in sources.conditions}
    treatment_names = {t.slug: t.name for t in sources.treatments}
    uses: dict[str, list[str]] = {}
    treated: dict[str, list[str]] = {}
    for rec in sources.recommendations:
        uses.setdefault(rec.treatment, []).append(
            f"{class_names.get(rec.class_slug, rec.class_slug)} ({_known(rec.role).value}): {rec.note}"
        )
        treated.setdefault(rec.class_slug, []).append(
            f"{treatment_names.get(rec.treatment, rec.treatment)} ({_known(rec.role).value}): {rec.note}"
        )
    for treatment in sorted(sources.treatments, key=lambda t: (t.name.casefold(), t.slug)):
        brands = f" ({', '.join(treatment.brands)})" if treatment.brands else ""
        dose = f" · {treatment.dose.text} {treatment.dose_context}" if treatment.dose else ""
        label = _known(treatment.kind).label
        yield {
            "kind": PageScheme.TREATMENT.value,
            "slug": treatment.slug,
            "title": treatment.name,
            "names": NAME_SEPARATOR.join([*treatment.brands, *treatment.synonyms]),
            "body": (body := " ".join([treatment.mechanism, *uses.get(treatment.slug, [])])),
            "detail": f"{label}{brands}{dose}",
            "lead": body,
        }
    for cls in sources.classes:
        yield {
            "kind": PageScheme.CLASS.value,
            "slug": cls.slug,
            "title": cls.name,
            "names": NAME_SEPARATOR.join(cls.synonyms),
            "body": (body := " ".join([cls.description, *treated.get(cls.slug, [])])),
            "detail": f"{condition_names.get(cls.condition, '')} class · {_known(cls.category).value}".lstrip(),
            "lead": body,
        }
    for article in sorted(sources.articles, key=lambda a: (a.title.casefold(), a.slug)):
        yield {
            "kind": PageScheme.ARTICLE.value,
            "slug": article.slug,
            "title": article.title,
            # The sidebar lists an article by its short title, the page shows its question: find it by both.
            "names": NAME_SEPARATOR.join([article.short_title, article.topic]),
            "body": f"{article.summary} {texts[article.slug]}",
            "detail": f"Article · {article.topic} · updated {article.updated}"
            + (" · DRAFT, not reviewed" if article.draft else ""),
            "lead": "",  # its text is kept once: the summary in articles.summary, the rest as articles.html
        }


#: Below this many articles the build reads and renders them in its own process: starting
#: workers costs more than rendering a few articles (the bundled content has two).
POOL_FROM_ARTICLES = 64


def _render(article: ArticleSource) -> tuple[str, str]:
    """One article's HTML and the plain text the search index and the mention finder read."""
    html = article_html(article)
    return html, plain_text(html)


def _read_and_render(path: Path, rel: str) -> tuple[ArticleSource | None, list[Problem], tuple[str, str] | None]:
    """One article file read and checked on its own, and rendered from the same Markdown parse
    (:func:`_render`); what a pool worker does for each article."""
    article, problems = read_one_article(path, rel)
    if article is None:
        return None, problems, None
    rendered = _render(article)
    article.converted = None  # used: not worth sending back to the building process
    return article, problems, rendered


def _workers(source_root: Path, workers: int | None) -> int:
    """``workers``, or when None one per CPU for a large corpus and none for a small one."""
    if workers is not None:
        return workers
    many = len(list((source_root / "articles").glob("*.md"))) >= POOL_FROM_ARTICLES
    return (os.cpu_count() or 1) if many else 1


def _pool_reader(pool: ProcessPoolExecutor, workers: int, rendered: dict[Path, tuple[str, str]]) -> ArticleReader:
    """Reads the article files in ``pool``, rendering each there too; the renderings go to ``rendered``."""

    def read(files: Sequence[tuple[Path, str]]) -> Iterator[tuple[ArticleSource | None, list[Problem]]]:
        chunk = max(1, min(64, len(files) // (workers * 8)))
        paths, rels = [path for path, _rel in files], [rel for _path, rel in files]
        for path, (article, problems, pair) in zip(
            paths, pool.map(_read_and_render, paths, rels, chunksize=chunk), strict=True
        ):
            if pair is not None:
                rendered[path] = pair
            yield article, problems

    return read


def read_and_render(source_root: Path, workers: int | None = None) -> tuple[ContentSources, list[tuple[str, str]]]:
    """The checked sources, and each article's HTML and plain text (:func:`_render`), in order.

    Markdown is most of a build's work, and one parse of an article serves both its checks
    (the links it makes) and its HTML. With more than one worker (``workers=None``: one per CPU
    for a large corpus, none for a small one) the article files are read, checked on their own
    and rendered in a pool of processes; the checks that need every source run here after.
    Each article is a pure function of its file, and ``map`` returns the results in the order of
    the input, so the pool changes nothing in what is written: ``tests/test_bench.py`` builds
    the same sources with one worker and with two and compares the bytes. The pool is started
    with "spawn", the default on Windows and macOS, so the workers inherit no threads or locks.
    """
    count = _workers(source_root, workers)
    rendered: dict[Path, tuple[str, str]] = {}
    if count <= 1:
        sources = read_sources(source_root)
    else:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
            sources = read_sources(source_root, _pool_reader(pool, count, rendered))
    return sources, [rendered[a.path] if a.path in rendered else _render(a) for a in sources.articles]


def _write(db: sqlite_utils.Database, sources: ContentSources, pairs: list[tuple[str, str]], digest: str) -> None:
    conn = db.conn
    conn.executescript(TABLES)
    rendered = {a.slug: html for a, (html, _text) in zip(sources.articles, pairs, strict=True)}
    texts = {a.slug: text for a, (_html, text) in zip(sources.articles, pairs, strict=True)}
    articles = sorted(sources.articles, key=lambda a: a.slug)
    db.table("articles").insert_all(_article_row(a, rendered[a.slug]) for a in articles)
    db.table("article_references").insert_all(
        {
            "article_slug": a.slug,
            "number": r.number,
            "kind": _known(r.kind).value,
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
            "kind": _known(t.kind).value,
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
            "category": _known(c.category).value,
            "parent": c.parent,
            "synonyms": json.dumps(list(c.synonyms)),
            "description": c.description,
            "position": c.position,
            "condition": c.condition,
        }
        for c in sources.classes
    )
    db.table("conditions").insert_all(
        {"slug": c.slug, "name": c.name, "description": c.description, "overview": c.overview, "position": c.position}
        for c in sources.conditions
    )
    db.table("recommendations").insert_all(
        {
            "id": index + 1,
            "treatment_slug": r.treatment,
            "class_slug": r.class_slug,
            "role": _known(r.role).value,
            "role_rank": _known(r.role).rank,
            **_dose_columns(r.dose),
            "note": r.note,
            "article_slug": r.article,
            "citations": json.dumps(list(r.citations)),
            "derived": int(r.derived),
            "condition": r.condition,
        }
        for index, r in enumerate(sources.recommendations)
    )
    db.table("class_ancestors").insert_all(_class_ancestors(sources))
    db.table("mentions").insert_all(mentions(sources, texts))
    search_rows = list(_search_rows(sources, texts))
    db.table("search_rows").insert_all(
        {"id": index, **{key: row[key] for key in ("kind", "slug", "title", "names", "detail", "lead")}}
        for index, row in enumerate(search_rows, start=1)
    )
    conn.executemany(
        "INSERT INTO search(rowid, title, names, body) VALUES (?, ?, ?, ?)",
        ((index, row["title"], row["names"], row["body"]) for index, row in enumerate(search_rows, start=1)),
    )
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
                "treatment_count": len(sources.treatments),
                "class_count": len(sources.classes),
                "recommendation_count": len(sources.recommendations),
                **({"review_by": sources.review_by} if sources.review_by else {}),
            }.items()
        )
    )


def _class_ancestors(sources: ContentSources) -> Iterable[dict[str, Any]]:
    """Each class with itself (depth 0) and every ancestor above it (depth 1, 2, ...).

    The check has already refused unknown parents and cycles; the walk still stops at either.
    """
    parents = {c.slug: c.parent for c in sources.classes}
    for cls in sources.classes:
        slug, depth, seen = cls.slug, 0, set()
        while slug and slug in parents and slug not in seen:
            yield {"class_slug": cls.slug, "ancestor_slug": slug, "depth": depth}
            seen.add(slug)
            slug, depth = parents[slug], depth + 1


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
        "draft": int(article.draft),
        "condition": article.condition,
    }


def build(
    source_root: Path,
    out: Path,
    *,
    include_drafts: bool = False,
    sign_key: Path | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Check the sources, then write the database to ``out`` and its signature ``out.minisig`` atomically.

    Signed with ``sign_key``, else ``CLINREF_SIGN_KEY``, else (from a checkout) the development key
    (:mod:`db.compiler.signing`). ``workers``: processes to read and render articles in (see
    :func:`read_and_render`); None chooses. Raises :class:`db.errors.ContentError` (every problem, located)
    when the sources fail the checks, or when an article is still a draft and ``include_drafts`` is
    not given; :class:`SigningError` when the key cannot be used; ``out`` is left untouched in those cases.
    """
    key = signing_key(sign_key)
    sources, pairs = read_and_render(source_root, workers)
    if not include_drafts:
        refuse_drafts(sources)
    digest = inputs_hash(source_root)
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
            # A file written once, then signed, and deleted if the build fails: no fsync on the way,
            # pages kept in memory (a 10,000-article build is ~300 MB), VACUUM's copy in memory.
            # None of this changes a byte of what is written.
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -1048576")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA page_size = 4096")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db = sqlite_utils.Database(conn)
            with conn:
                _write(db, sources, pairs, digest)
            conn.execute("VACUUM")
        finally:
            conn.close()
        tmp.chmod(0o644)
        content_date = max((a.updated for a in sources.articles), default="")
        key_id = sign_content(
            tmp, key, version=sources.version, schema=SCHEMA_VERSION, date=content_date, review_by=sources.review_by
        )
        os.replace(tmp, out)
        os.replace(signature_path(tmp), signature_path(out))
    finally:
        tmp.unlink(missing_ok=True)
        signature_path(tmp).unlink(missing_ok=True)
    return BuildReport(
        out,
        len(sources.articles),
        len(sources.treatments),
        len(sources.classes),
        len(sources.recommendations),
        out.stat().st_size,
        digest,
        sources.version,
        content_date,
        sources.review_by,
        key_id,
        key,
    )
