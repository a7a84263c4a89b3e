"""Reading and checking the content sources under ``resources/content/``.

The format is described in ``docs/content-format.md``. :func:`load_sources` parses every file
and returns the sources with every problem found, each located as ``file:line`` so an editor
can go straight to it. Nothing here renders or writes; see :mod:`db.compiler.build` for that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from db.compiler.articles import ArticleSource, read_article
from db.compiler.catalog import (
    read_classes,
    read_conditions,
    read_recommendations,
    read_treatments,
)
from db.compiler.checks import cross_check
from db.compiler.conditions import assign_conditions
from db.compiler.toml_fields import FieldReader, load_toml
from db.compiler.tree import ContentSources, relative
from db.errors import ContentError, Problem

#: Appended to the problem of a file that does not parse: the reader is told why there is no more.
UNPARSED = "nothing else is checked until this file parses"


#: Reads article files, given as (path, path as reported), into what :func:`read_one_article`
#: returns for each, in the same order: in this process, or in a pool of them (db.compiler.build).
ArticleReader = Callable[[Sequence[tuple[Path, str]]], Iterable[tuple[ArticleSource | None, list[Problem]]]]


T = TypeVar("T")
#: How a TOML catalog is read: (path, its name in problems, the problems) -> its entries, None when it does not parse.
CatalogReader = Callable[[Path, str, list[Problem]], list[T] | None]


def read_one_article(path: Path, rel: str) -> tuple[ArticleSource | None, list[Problem]]:
    """One article file and its own problems (None when it does not parse)."""
    problems: list[Problem] = []
    return read_article(path, rel, problems), problems


def _read_here(files: Sequence[tuple[Path, str]]) -> Iterator[tuple[ArticleSource | None, list[Problem]]]:
    return (read_one_article(path, rel) for path, rel in files)


def load_sources(root: Path, read_articles: ArticleReader = _read_here) -> tuple[ContentSources, list[Problem]]:
    """Parse every source under ``root``; return them with every problem found (none is fatal).

    ``read_articles`` reads the article files (each on its own: the checks that need them all
    come after), by default one after another in this process.
    """
    problems: list[Problem] = []
    unparsed: list[str] = []  # files that do not parse: reported alone, with nothing that follows from them
    sources = ContentSources(root, "", "", [], [], [], [], [])

    def rel(path: Path) -> str:
        return relative(path, root)

    if not root.is_dir():
        problems.append(Problem(str(root), 0, "the content folder does not exist"))
        return sources, problems
    meta_path = root / "content.toml"
    sources.files.append(meta_path)
    if not meta_path.is_file():
        problems.append(Problem(rel(meta_path), 0, "missing: it names the content release (version, title)"))
    else:
        meta = load_toml(meta_path, rel(meta_path), problems)
        if meta is None:
            unparsed.append(rel(meta_path))
        else:
            reader = FieldReader(
                meta, rel(meta_path), meta_path.read_text(encoding="utf-8").splitlines(), (1, 1), problems
            )
            reader.only(("version", "title", "review_by"))
            sources.version = reader.text("version")
            sources.title = reader.text("title")
            if "review_by" in meta:  # optional: the date the editors mean to have reviewed this release by
                sources.review_by = reader.date("review_by")
    article_paths = sorted((root / "articles").glob("*.md"))
    if not article_paths:
        problems.append(Problem(rel(root / "articles"), 0, "no articles (*.md) found"))
    read = read_articles([(path, rel(path)) for path in article_paths])
    for path, (article, found) in zip(article_paths, read, strict=True):
        sources.files.append(path)
        problems.extend(found)
        if article is None:
            unparsed.append(rel(path))
        else:
            sources.articles.append(article)

    def catalog(name: str, read: CatalogReader[T], missing: str = "missing") -> list[T]:
        """The entries of the TOML catalog ``name``; none when it is missing (a problem) or does not parse."""
        path = root / name
        sources.files.append(path)
        if not path.is_file():
            problems.append(Problem(rel(path), 0, missing))
            return []
        entries = read(path, rel(path), problems)
        if entries is None:
            unparsed.append(rel(path))
            return []
        return entries

    sources.treatments += catalog("drugs.toml", lambda path, name, found: read_treatments(path, name, "drug", found))
    sources.treatments += catalog(
        "therapies.toml", lambda path, name, found: read_treatments(path, name, "therapy", found)
    )
    sources.conditions = catalog("conditions.toml", read_conditions, "missing: it names the conditions (slug, name)")
    sources.classes = catalog("classes.toml", read_classes)
    sources.recommendations = catalog("recommendations.toml", read_recommendations)
    if unparsed:
        # A file that does not parse is missing from every check that follows; their problems
        # (every entry of drugs.toml "unknown") would bury the one that matters.
        alone = {p for p in problems if p.file in unparsed}
        return sources, sorted(Problem(p.file, p.line, f"{p.message} [{UNPARSED}]") for p in alone)
    assign_conditions(sources, problems)
    cross_check(sources, problems)
    return sources, sorted(set(problems))


def read_sources(root: Path, read_articles: ArticleReader = _read_here) -> ContentSources:
    """Parse and check the sources; raise :class:`ContentError` listing every problem."""
    sources, problems = load_sources(root, read_articles)
    if problems:
        raise ContentError(problems)
    return sources
