"""Search over the content's FTS5 index: ranked hits, broad prefixes, and "did you mean".

Runs its queries through the :class:`~db.library.Library`'s row reader, so it shares its
connection, lock and error handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from db.library.query import allowed_distance, edit_distance, fold, fts_query, tokens
from db.model import SearchHit, SearchResults
from db.schema import SEARCH_WEIGHTS

Rows = Callable[[str, Iterable[Any] | Mapping[str, Any]], list[Any]]

_SNIPPET_OPEN, _SNIPPET_CLOSE = "\x02", "\x03"
_LEAD_END = "\x04"  # marks a text's opening words, cut to a snippet's length in Python
_SNIPPET_WORDS = 12

#: Above this many matching rows a search does not rank them all: bm25 costs about 1.5 µs a
#: row, 15-30 ms for a common word or a short prefix at 10,000 articles (see bench/README.md).
BROAD_MATCHES = 300

_WEIGHTS = ", ".join(str(w) for w in SEARCH_WEIGHTS)
# Rank first, then make snippets for the rows shown: computed in one query, snippet() ran for
# every matching row before the sort (each one tokenizes the row's whole body).
_RANKED_HITS = f"""
WITH top AS (
    SELECT rowid AS id, bm25(search, 0, 0, {_WEIGHTS}, 0) AS score FROM search
    WHERE search MATCH :match ORDER BY score, rowid LIMIT :limit
)
SELECT search.rowid, kind, slug, title, snippet(search, 4, :open, :close, '…', 12), detail
FROM top JOIN search ON search.rowid = top.id
WHERE search MATCH :match ORDER BY top.score, top.id
"""
# A broad search shows each hit's opening words (an article's open with its summary) rather
# than snippet(): where a word is everywhere its context says little, and snippet() tokenizes the
# row's whole body to find it, 0.3 ms a row for a common word at article length.
_BROAD_HITS = f"""
SELECT rowid, kind, slug, title, substr(body, 1, 240) || '{_LEAD_END}', detail FROM search
WHERE search MATCH :match {{skip}} ORDER BY rowid LIMIT :limit
"""


def _hit_params(match: str, limit: int) -> dict[str, Any]:
    return {"match": match, "limit": limit, "open": _SNIPPET_OPEN, "close": _SNIPPET_CLOSE}


def _snippet_html(raw: str) -> str:
    if raw.endswith(_LEAD_END):
        words = raw[: -len(_LEAD_END)].split()
        raw = " ".join(words[:_SNIPPET_WORDS]) + ("…" if len(words) > _SNIPPET_WORDS else "")
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace(_SNIPPET_OPEN, "<b>").replace(_SNIPPET_CLOSE, "</b>")


class SearchIndex:
    """Answers searches from the ``search`` and ``vocabulary`` tables of one content file."""

    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    def search(self, text: str, limit: int = 30) -> SearchResults:
        """Ranked hits for what a person typed; never raises on any text.

        Every word must match; the last word matches as a prefix (search as you type).
        When nothing matches, a correction is sought among the indexed words ("did you
        mean"), and if the correction finds something its hits are returned instead.
        """
        words = tokens(text)
        if not words:
            return SearchResults(text, ())
        hits = self._hits(words, limit)
        if hits:
            return SearchResults(text, hits)
        corrected = self._correct(words)
        if corrected is None:
            return SearchResults(text, ())
        suggestion = " ".join(corrected)
        return SearchResults(text, self._hits(corrected, limit), suggestion, showing_suggestion=True)

    def _hits(self, words: list[str], limit: int) -> tuple[SearchHit, ...]:
        """Hits for the words; a page titled exactly as typed ("cortical") comes first."""
        typed = fold(" ".join(words))
        found = self._matching(fts_query(words), limit)
        return tuple(sorted(found, key=lambda hit: " ".join(tokens(fold(hit.title))) != typed))

    def _matching(self, match: str, limit: int) -> tuple[SearchHit, ...]:
        if self._matches(match, BROAD_MATCHES + 1) <= BROAD_MATCHES:
            rows = self._ranked_hits(match, limit)
        else:
            rows = self._broad_hits(match, limit)
        return tuple(
            SearchHit(kind, slug, title, _snippet_html(snippet), detail)
            for _rowid, kind, slug, title, snippet, detail in rows
        )

    def _ranked_hits(self, match: str, limit: int) -> list[Any]:
        """Hits ranked by bm25, those whose title or names match first.

        bm25 alone can put a class whose notes repeat a drug's name above the drug itself
        ("clonazepam" found Subcortical-nonsegmental first), and Enter opens the first hit.
        """
        named = self._rows(_RANKED_HITS, _hit_params(f"{{title names}} : ({match})", limit))
        if len(named) >= limit:
            return named
        seen = {row[0] for row in named}
        rest = [row for row in self._rows(_RANKED_HITS, _hit_params(match, limit)) if row[0] not in seen]
        return named + rest[: limit - len(named)]

    def _matches(self, match: str, most: int) -> int:
        """How many rows match, counting no further than ``most`` (cheap: no ranking)."""
        rows = self._rows("SELECT count(*) FROM (SELECT 1 FROM search WHERE search MATCH ? LIMIT ?)", (match, most))
        return int(rows[0][0])

    def _broad_hits(self, match: str, limit: int) -> list[Any]:
        """Hits for text that matches too many rows to rank: name and title matches first.

        Rows are stored in a useful order (treatments A-Z, classes, articles A-Z: see
        db.build), so taking them in rowid order stops after ``limit`` rows instead of
        scoring every match. In the bm25 ranking a match in a title or a name (weights 10 and
        20) outweighs matches in the body (weight 1), so those come first here too.
        """
        named = self._rows(_BROAD_HITS.format(skip=""), {"match": f"{{title names}} : ({match})", "limit": limit})
        if len(named) >= limit:
            return named
        seen = {f"seen{index}": row[0] for index, row in enumerate(named)}
        skip = f"AND rowid NOT IN ({', '.join(':' + key for key in seen)})" if seen else ""
        return named + self._rows(_BROAD_HITS.format(skip=skip), {"match": match, "limit": limit - len(named), **seen})

    def suggest(self, text: str) -> str | None:
        """The closest indexed spelling of what was typed, or None if it is spelled as indexed."""
        corrected = self._correct(tokens(text))
        return " ".join(corrected) if corrected else None

    def _correct(self, words: list[str]) -> list[str] | None:
        changed = False
        corrected = []
        for index, word in enumerate(words):
            folded = fold(word)
            is_last = index == len(words) - 1
            if self._known(folded, prefix=is_last):
                corrected.append(folded)
                continue
            replacement = self._closest(folded)
            if replacement is None:
                return None
            corrected.append(replacement)
            changed = True
        return corrected if changed else None

    def _known(self, word: str, *, prefix: bool) -> bool:
        if len(word) < 4 or word.isdigit():
            return True  # too short to correct; the vocabulary holds words of 4+ letters
        if prefix:
            upper = word[:-1] + chr(ord(word[-1]) + 1)
            rows = self._rows("SELECT 1 FROM vocabulary WHERE term >= ? AND term < ? LIMIT 1", (word, upper))
        else:
            rows = self._rows("SELECT 1 FROM vocabulary WHERE term = ?", (word,))
        return bool(rows)

    def _closest(self, word: str) -> str | None:
        limit = allowed_distance(word)
        if limit == 0:
            return None
        firsts = sorted({word[0], word[1]})  # a slip of the first letter is rare; a swap of the first two is not
        marks = ",".join("?" * len(firsts))
        candidates = self._rows(
            f"SELECT term, documents FROM vocabulary WHERE first IN ({marks}) AND length BETWEEN ? AND ?",
            (*firsts, len(word) - limit, len(word) + limit),
        )
        best: tuple[int, int, str] | None = None
        letters = set(word)
        for term, documents in candidates:
            # One edit changes at most two letters of the set of letters used (a swap none), so
            # a term further apart than that cannot be within reach: skip the slow comparison.
            if len(letters.symmetric_difference(term)) > 2 * limit:
                continue
            distance = edit_distance(word, term, limit)
            if distance <= limit:
                key = (distance, -documents, term)
                if best is None or key < best:
                    best = key
        return best[2] if best else None
