"""Draft articles: what an editor must still do, and the build's refusal to ship one.

``python -m db import`` writes ``draft = true``. ``python -m db check`` accepts a draft as a
draft (its real problems are problems like any other's) and lists what is left to do; ``python
-m db build`` refuses every draft unless ``--include-drafts`` is given (a preview), and the
release build (``packaging/build.py``) never gives it.
"""

from __future__ import annotations

import re
from pathlib import Path

from db.compiler.articles import ArticleSource
from db.compiler.tree import ContentSources, relative
from db.errors import ContentError, Problem

#: How an imported quirk's resolution starts until an editor resolves it.
UNRESOLVED = "Not yet resolved"
#: The first words of the notice the importer puts above the export's own wording.
IMPORT_NOTICE = "> **Draft imported from "
#: The topic the importer gives a draft unless told another.
IMPORT_TOPIC = "Imported drafts"
_DRAFT_LINE = re.compile(r"^\s*draft\s*=\s*true\s*(?:#.*)?$", re.MULTILINE)


def _line_of(article: ArticleSource, pattern: str) -> int:
    for number, line in enumerate(article.path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(pattern, line):
            return number
    return 1


def draft_todos(sources: ContentSources) -> list[Problem]:
    """For every draft, each thing an editor must still do before removing ``draft = true``."""
    cited = {rec.article for rec in sources.recommendations}
    todos: list[Problem] = []
    for article in sources.articles:
        if not article.draft:
            continue
        rel = relative(article.path, sources.root)
        draft_line = _line_of(article, r"\s*draft\s*=")

        def todo(line: int, text: str, rel: str = rel) -> None:
            todos.append(Problem(rel, line, f"draft: to do: {text}"))

        if IMPORT_NOTICE in article.body:
            todo(
                article.body_first_line,
                "the body is the export's own wording, as imported: rewrite it in the project's words "
                "and remove the import notice",
            )
        unresolved = [q for q in article.quirks if q.resolution.startswith(UNRESOLVED)]
        if unresolved:
            todo(
                _line_of(article, r"\s*\[\[\s*quirks\s*\]\]"),
                f"{len(unresolved)} note(s) on the source not yet resolved: say in each resolution what was "
                "done about it",
            )
        unidentified = [r.number for r in article.references if not r.listed and r.title.startswith("Not in the ")]
        if unidentified:
            todo(
                _line_of(article, r"\s*\[\[\s*references\s*\]\]"),
                f"reference(s) {', '.join(map(str, unidentified))} are cited but not in the export's list: "
                "identify each, or say in its note that the source does not",
            )
        if article.topic == IMPORT_TOPIC:
            todo(_line_of(article, r"\s*topic\s*="), f"choose the article's topic (it is still {IMPORT_TOPIC!r})")
        if not article.summary:
            todo(draft_line, 'write a one- or two-sentence summary (summary = "...")')
        if article.slug not in cited:
            todo(
                draft_line,
                "no recommendation names this article yet: write its entries in recommendations.toml "
                "(and drugs.toml / classes.toml for anything new); python -m db import printed what it saw",
            )
        todo(draft_line, "when all of this is done, delete draft = true (the build refuses a draft)")
    return sorted(todos, key=lambda p: (p.file, p.line))  # stable: "delete draft = true" stays last


def refuse_drafts(sources: ContentSources) -> None:
    """Raise :class:`ContentError` naming every draft: a build for clinicians carries none."""
    drafts = [a for a in sources.articles if a.draft]
    if drafts:
        raise ContentError(
            [
                Problem(
                    relative(a.path, sources.root),
                    _line_of(a, r"\s*draft\s*="),
                    "this article is a draft (draft = true), not reviewed: the build refuses drafts. Finish it "
                    "(python -m db check lists what is left) and delete draft = true, or preview it with "
                    "python -m db build --include-drafts (never for release)",
                )
                for a in drafts
            ]
        )


def has_drafts(root: Path) -> bool:
    """A quick look, without parsing: does any article's front matter say ``draft = true``?"""
    for path in sorted((root / "articles").glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        parts = text.split("+++", 2)
        if len(parts) == 3 and _DRAFT_LINE.search(parts[1]):
            return True
    return False
