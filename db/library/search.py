"""Search over the content's FTS5 index: ranked hits, broad prefixes, and "did you mean".

Runs its queries through the :class:`~db.library.Library`'s row reader, so it shares its
connection, lock and error handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from db.library.query import allowed_distance, edit_distance, fold, fts_query, tokens
from db.library.snippets import CLOSE, OPEN, Words, hit_snippet, word_pattern
from db.model import SearchHit, SearchResults
from db.schema import NAME_SEPARATOR, SEARCH_WEIGHTS

Rows = Callable[[str, Iterable[Any] | Mapping[str, Any]], list[Any]]

#: Words about dosing and routes that a clinician adds to a name ("propofol dose", "keppra iv").
#: They are hints, not required matches: the index rarely holds them next to the name, and
#: requiring them answered "No results" for a drug that is there.
_DOSE_WORD_LINES = (
    "dose doses dosing dosage dosages dosed posology mg mcg ug μg g kg ml units iu mmol",
    "iv im po sc sq pr sl intravenous intravenously intramuscular subcutaneous oral orally",
    "rectal route routes loading load maintenance maximum max minimum min starting start",
    "initial titration titrate tablet tablets tab tabs capsule capsules syrup solution",
    "injection infusion bolus daily day bid tid qid qds tds bd od qd nocte regimen",
)
DOSE_WORDS = frozenset(word for line in _DOSE_WORD_LINES for word in line.split())
DOSE_ANCHOR = "dose"  # the drug page's anchor at its dose range


def split_hints(words: list[str]) -> tuple[list[str], bool]:
    """The words a hit must match, and whether the search asked about dosing.

    A dose word is dropped from the required words, and so is a last word that is the start of
    one ("propofol dos", typed on the way to "dose"), as long as another word remains; numbers
    ("keppra 500") count as dose words too. A search of dose words only keeps them all.
    """

    def is_hint(word: str, last: bool) -> bool:
        if word in DOSE_WORDS or word.isdigit():
            return True
        return last and len(word) >= 2 and any(hint.startswith(word) for hint in DOSE_WORDS)

    required = [w for i, w in enumerate(words) if not is_hint(w, i == len(words) - 1)]
    if not required:
        return list(words), False
    return required, len(required) < len(words)


_LEADING_MIN = 3  # letters typed before a name that starts with them ranks as a leading match


@lru_cache(maxsize=4096)
def _label_key(label: str) -> str:
    """A title or name as its words are indexed, to compare with what was typed.

    Kept for the labels seen lately: the same hits come back keystroke after keystroke, and
    folding a label's accents letter by letter in Python cost about 1 ms a search (30 hits,
    each with its names). An ASCII label has no accents to fold, and lower-casing is all
    :func:`fold` does to it.
    """
    return " ".join(tokens(label.lower() if label.isascii() else fold(label)))


def _name_rank(title: str, names: str, typed: str) -> int:
    """0 when a title or name is exactly what was typed, 1 when one starts with it, else 2."""
    labels = [_label_key(title), *(_label_key(name) for name in names.split(NAME_SEPARATOR))]
    if typed in labels:
        return 0
    if len(typed) < _LEADING_MIN:  # "m" starts half the names: keep the index's order for it
        return 2
    return 1 if any(label.startswith(typed) for label in labels if label) else 2


#: Above this many matching rows a search does not rank them all: bm25 costs about 1.5 µs a
#: row, 15-30 ms for a common word or a short prefix at 10,000 articles (see bench/README.md).
BROAD_MATCHES = 300

#: A prefix is spelled out as an OR of at most this many terms (see SearchIndex._query): each
#: costs FTS5 a few microseconds to open.
_MOST_TERMS = 400

_WEIGHTS = ", ".join(str(w) for w in SEARCH_WEIGHTS)
# The index holds only rowids (a contentless FTS5 table): it finds and ranks, and the hits'
# titles, details and text are read from search_rows, and for an article from its HTML, for the
# rows shown only. Snippets are made in Python for those rows (db.library.snippets).
_RANKED_IDS = f"""
SELECT rowid FROM search WHERE search MATCH :match ORDER BY bm25(search, {_WEIGHTS}), rowid LIMIT :limit
"""
# A broad search lists hits in rowid order (a stored useful order) and shows each hit's opening
# words rather than a snippet: where a word is everywhere its context says little.
_BROAD_IDS = "SELECT rowid FROM search WHERE search MATCH :match {skip} ORDER BY rowid LIMIT :limit"
_ROWS = """
SELECT r.id, r.kind, r.slug, r.title, r.detail, coalesce(a.summary, r.lead), {html}, r.names FROM search_rows r
LEFT JOIN articles a ON r.kind = 'article' AND a.slug = r.slug WHERE r.id IN ({ids})
"""


def _snippet_html(raw: str) -> str:
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace(OPEN, "<b>").replace(CLOSE, "</b>")


class SearchIndex:
    """Answers searches from the ``search`` and ``vocabulary`` tables of one content file."""

    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    def search(self, text: str, limit: int = 30) -> SearchResults:
        """Ranked hits for what a person typed; never raises on any text.

        Every word must match, except words about dosing and routes (:func:`split_hints`):
        with them, a drug's hit opens at its dose. The last word matches as a prefix (search
        as you type). When nothing matches, a correction is sought among the indexed words
        ("did you mean"), and if the correction finds something its hits are returned
        instead, marked as such: a corrected name is offered, never opened on its own.
        """
        words = tokens(text)
        if not words:
            return SearchResults(text, ())
        hits = self._hits(*split_hints(words), limit)
        if hits:
            return SearchResults(text, hits)
        corrected = self._correct(words)
        if corrected is None:
            return SearchResults(text, ())
        suggestion = " ".join(corrected)
        return SearchResults(text, self._hits(*split_hints(corrected), limit), suggestion, showing_suggestion=True)

    def _hits(self, words: list[str], dosing: bool, limit: int) -> tuple[SearchHit, ...]:
        """Hits for the words: a page whose title or a name is exactly what was typed
        ("cortical", "keppra") first, then those whose title or a name starts with it
        ("treatment of post-hypoxic"), then the rest as ranked."""
        typed = _label_key(" ".join(words))
        anchor = DOSE_ANCHOR if dosing else ""
        found = self._matching(words, limit)
        ranked = sorted(found, key=lambda item: _name_rank(item[0].title, item[1], typed))
        return tuple(
            SearchHit(hit.kind, hit.slug, hit.title, hit.snippet, hit.detail, anchor if hit.kind == "drug" else "")
            for hit, _names in ranked
        )

    def _matching(self, words: list[str], limit: int) -> list[tuple[SearchHit, str]]:
        match = self._query(words)
        if self._matches(match, BROAD_MATCHES + 1) <= BROAD_MATCHES:
            return self._hits_for(self._ranked_ids(match, limit), word_pattern(words))
        return self._hits_for(self._broad_ids(match, limit), None)

    def _query(self, words: list[str]) -> str:
        """The MATCH expression for the words, the last one a prefix, spelled out where that is faster.

        The index has prefix indexes of 1 and 2 letters only (db.schema.PREFIXES). For a longer
        prefix FTS5 would first merge the postings of every term that starts with it, positions
        and all (60-180 ms for "myo", "seiz" or "cortic" at 10,000 articles); the same rows come
        from an OR of those terms, which FTS5 reads lazily (0.2-3 ms). The terms are listed in the
        vocabulary table, which holds every indexed term of 4 or more characters with a letter
        a-z in it: so for a prefix of 3 or more ASCII letters and digits, with a letter among
        them, the vocabulary's terms that start with it and the prefix itself as a term are all
        the terms it stands for, and the OR finds exactly the rows the prefix would.
        """
        last = words[-1]
        if len(last) < 3 or not (last.isascii() and last.isalnum()) or last.isdigit():
            return fts_query(words)
        upper = last[:-1] + chr(ord(last[-1]) + 1)
        terms = [
            term
            for (term,) in self._rows(
                "SELECT term FROM vocabulary WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
                (last, upper, _MOST_TERMS + 1),
            )
        ]
        if len(terms) > _MOST_TERMS:
            return fts_query(words)  # rare: a short prefix of very many words
        if len(last) < 4:
            terms.insert(0, last)  # a word of three letters is not in the vocabulary
        if not terms:
            return fts_query(words)  # no term starts with it: nothing to merge, nothing matches
        spelled = "(" + " OR ".join('"' + term.replace('"', '""') + '"' for term in terms) + ")"
        return f"{fts_query(words[:-1], prefix_last=False)} AND {spelled}" if len(words) > 1 else spelled

    def _hits_for(self, ids: list[int], pattern: Words | None) -> list[tuple[SearchHit, str]]:
        """The hits for these index rows, in this order, each with its names; snippets around
        ``pattern``'s matches. Without a pattern (a broad search), each hit shows its opening words.
        """
        if not ids:
            return []
        params = {f"id{index}": rowid for index, rowid in enumerate(ids)}
        marks = ", ".join(f":{key}" for key in params)
        sql = _ROWS.format(html="NULL" if pattern is None else "a.html", ids=marks)
        found = {row[0]: row for row in self._rows(sql, params)}
        hits = []
        for rowid in ids:
            row = found.get(rowid)
            if row is None:
                continue
            _id, kind, slug, title, detail, lead, article, names = row
            snippet = _snippet_html(hit_snippet(lead, article, pattern))
            hits.append((SearchHit(kind, slug, title, snippet, detail), names))
        return hits

    def _ranked_ids(self, match: str, limit: int) -> list[int]:
        """Rows ranked by bm25, those whose title or names match first.

        bm25 alone can put a class whose notes repeat a drug's name above the drug itself
        ("clonazepam" found Subcortical-nonsegmental first), and Enter opens the first hit.
        """
        named = [row[0] for row in self._rows(_RANKED_IDS, {"match": f"{{title names}} : ({match})", "limit": limit})]
        if len(named) >= limit:
            return named
        seen = set(named)
        rest = [row[0] for row in self._rows(_RANKED_IDS, {"match": match, "limit": limit}) if row[0] not in seen]
        return named + rest[: limit - len(named)]

    def _matches(self, match: str, most: int) -> int:
        """How many rows match, counting no further than ``most`` (cheap: no ranking)."""
        rows = self._rows("SELECT count(*) FROM (SELECT 1 FROM search WHERE search MATCH ? LIMIT ?)", (match, most))
        return int(rows[0][0])

    def _broad_ids(self, match: str, limit: int) -> list[int]:
        """Rows for text that matches too many to rank: name and title matches first.

        Rows are stored in a useful order (treatments A-Z, classes, articles A-Z: see
        db.compiler.build), so taking them in rowid order stops after ``limit`` rows instead of
        scoring every match. In the bm25 ranking a match in a title or a name (weights 10 and
        20) outweighs matches in the body (weight 1), so those come first here too.
        """
        named = [
            row[0]
            for row in self._rows(_BROAD_IDS.format(skip=""), {"match": f"{{title names}} : ({match})", "limit": limit})
        ]
        if len(named) >= limit:
            return named
        seen = {f"seen{index}": rowid for index, rowid in enumerate(named)}
        skip = f"AND rowid NOT IN ({', '.join(':' + key for key in seen)})" if seen else ""
        rest = self._rows(_BROAD_IDS.format(skip=skip), {"match": match, "limit": limit - len(named), **seen})
        return named + [row[0] for row in rest]

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
            if folded in DOSE_WORDS or self._known(folded, prefix=is_last):
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
