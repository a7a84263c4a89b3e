"""The read-only API the app uses: plain frozen objects in, no SQL or Qt out.

Opens a content database built by :mod:`db.build` with the standard library's ``sqlite3``,
read-only by URI (``mode=ro``), and answers the questions the app asks: the topic tree, an
article, a drug or class page, the treatments for some classes, and search.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from db.errors import LibraryError
from db.model import (
    Article,
    ArticleSummary,
    ClassPage,
    ClassSummary,
    DoseRange,
    DrugPage,
    DrugSummary,
    Manifest,
    Recommendation,
    Reference,
    Role,
    SearchHit,
    SearchResults,
    SourceRef,
    TopicGroup,
    TopicTree,
    TreatmentKind,
)
from db.query import allowed_distance, edit_distance, fold, fts_query, tokens
from db.schema import APPLICATION_ID, SCHEMA_VERSION, SEARCH_WEIGHTS

_REBUILD = "Rebuild it with 'python -m db build', or reinstall ClinRef to restore the bundled content."
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

_RECOMMENDATION_SELECT = """
SELECT r.treatment_slug, t.name, t.kind, r.class_slug, c.name, r.role, r.dose_text, r.dose_low,
       r.dose_high, r.dose_unit, r.dose_per, r.note, r.article_slug, a.short_title, r.citations
FROM recommendations r
JOIN treatments t ON t.slug = r.treatment_slug
JOIN classes c ON c.slug = r.class_slug
JOIN articles a ON a.slug = r.article_slug
"""


def _dose(
    text: str | None, low: float | None, high: float | None, unit: str | None, per: str | None
) -> DoseRange | None:
    if text is None or low is None or high is None or unit is None or per is None:
        return None
    return DoseRange(low, high, unit, per, text)


def _recommendation(row: Sequence[Any]) -> Recommendation:
    return Recommendation(
        treatment_slug=row[0],
        treatment_name=row[1],
        treatment_kind=TreatmentKind(row[2]),
        class_slug=row[3],
        class_name=row[4],
        role=Role(row[5]),
        dose=_dose(row[6], row[7], row[8], row[9], row[10]),
        note=row[11],
        source=SourceRef(row[12], row[13], tuple(json.loads(row[14]))),
    )


def _truncation(path: Path, size: int) -> str | None:
    """Why a SQLite file is shorter than its own header says, or None.

    SQLite cannot always tell a cut-off file from a foreign one; the header can.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None  # the connection attempt reports unreadable files
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the in-header size is trusted only when these agree
    if valid and pages and page_size * pages > size:
        return f"the content file is truncated ({size:,} bytes of {page_size * pages:,})"
    return None


def _hit_params(match: str, limit: int) -> dict[str, Any]:
    return {"match": match, "limit": limit, "open": _SNIPPET_OPEN, "close": _SNIPPET_CLOSE}


def _snippet_html(raw: str) -> str:
    if raw.endswith(_LEAD_END):
        words = raw[: -len(_LEAD_END)].split()
        raw = " ".join(words[:_SNIPPET_WORDS]) + ("…" if len(words) > _SNIPPET_WORDS else "")
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace(_SNIPPET_OPEN, "<b>").replace(_SNIPPET_CLOSE, "</b>")


class Library:
    """A read-only ClinRef content database.

    Raises :class:`LibraryError` (naming the file and what is wrong) when the file is
    missing, empty, corrupt, not ClinRef content, or of a newer schema than this code reads.
    Safe to share between threads: queries are serialised on one connection.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = self._connect(self.path)
        try:
            self.manifest = self._read_manifest()
        except BaseException:
            self._conn.close()
            raise

    # -- opening -------------------------------------------------------------------------

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        if not path.exists():
            raise LibraryError(
                path, "the content file does not exist", "Check the path, or run 'python -m db build' to create it."
            )
        if path.is_dir():
            raise LibraryError(path, "this is a folder, not a content file", "Name the clinref.db file itself.")
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise LibraryError(
                path, f"the content file cannot be read ({exc.strerror})", "Check the file's permissions."
            ) from exc
        if size == 0:
            raise LibraryError(path, "the content file is empty", _REBUILD)
        truncated = _truncation(path, size)
        if truncated:
            raise LibraryError(path, truncated, _REBUILD)
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise LibraryError(
                path, f"the content file cannot be opened ({exc})", "Check the file's permissions."
            ) from exc
        try:
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise LibraryError(
                path, "the file is not a SQLite database: it is corrupt or a different kind of file", _REBUILD
            ) from exc
        if application_id != APPLICATION_ID:
            conn.close()
            raise LibraryError(
                path,
                "this is a SQLite database, but not ClinRef content",
                "Point ClinRef at a clinref.db built by 'python -m db build'.",
            )
        if version > SCHEMA_VERSION:
            conn.close()
            raise LibraryError(
                path,
                f"the content was built for a newer ClinRef (schema {version}; this "
                f"version reads schema {SCHEMA_VERSION})",
                "Update ClinRef, or use content built for this version.",
            )
        if version < SCHEMA_VERSION:
            conn.close()
            raise LibraryError(
                path,
                f"the content was built for an older ClinRef (schema {version}; this "
                f"version reads schema {SCHEMA_VERSION})",
                _REBUILD,
            )
        if page_size * page_count > size:
            conn.close()
            raise LibraryError(
                path, f"the content file is truncated ({size} bytes of {page_size * page_count})", _REBUILD
            )
        return conn

    def _read_manifest(self) -> Manifest:
        values = dict(self._rows("SELECT key, value FROM manifest"))
        try:
            return Manifest(
                content_version=values["content_version"],
                content_title=values["content_title"],
                content_date=values["content_date"],
                inputs_hash=values["inputs_hash"],
                build_tool=values["build_tool"],
                schema_version=int(values["schema_version"]),
                article_count=int(values["article_count"]),
                drug_count=int(values["drug_count"]),
                class_count=int(values["class_count"]),
                recommendation_count=int(values["recommendation_count"]),
            )
        except (KeyError, ValueError) as exc:
            raise LibraryError(self.path, f"the content manifest is incomplete ({exc})", _REBUILD) from exc

    def _rows(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[Any]:
        with self._lock:
            try:
                bound = params if isinstance(params, Mapping) else tuple(params)
                return self._conn.execute(sql, bound).fetchall()
            except sqlite3.DatabaseError as exc:
                raise LibraryError(self.path, f"the content file is damaged ({exc})", _REBUILD) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- browsing ------------------------------------------------------------------------

    def topics(self, *, most_articles: int | None = None) -> TopicTree:
        """Articles by topic, myoclonus classes, drugs A-Z and non-drug treatments.

        With ``most_articles``, a topic with more articles than that comes without them (its
        ``articles`` empty: :meth:`topic_articles` has them), so that a sidebar can open
        without first reading every article's summary (10,000 of them: 30 ms).
        """
        groups: dict[str, list[ArticleSummary]] = {}
        skip: list[str] = []
        if most_articles is not None:
            for topic, count in self._rows(
                "SELECT topic, count(*) FROM articles GROUP BY topic ORDER BY topic COLLATE NOCASE, topic"
            ):
                groups[topic] = []
                if count > most_articles:
                    skip.append(topic)
        marks = ",".join("?" * len(skip))
        for slug, title, short_title, topic, updated in self._rows(
            "SELECT slug, title, short_title, topic, updated FROM articles "
            + (f"WHERE topic NOT IN ({marks}) " if skip else "")
            + "ORDER BY topic COLLATE NOCASE, short_title COLLATE NOCASE",
            skip,
        ):
            groups.setdefault(topic, []).append(ArticleSummary(slug, title, short_title, topic, updated))
        treatments = self._treatment_summaries()
        return TopicTree(
            topics=tuple(TopicGroup(topic, tuple(items)) for topic, items in groups.items()),
            classes=self.classes(),
            drugs=tuple(t for t in treatments if t.kind is not TreatmentKind.NON_DRUG),
            therapies=tuple(t for t in treatments if t.kind is TreatmentKind.NON_DRUG),
        )

    def topic_articles(self, topic: str) -> tuple[ArticleSummary, ...]:
        """The articles of one topic, A-Z by short title, as :meth:`topics` lists them."""
        return tuple(
            ArticleSummary(*row)
            for row in self._rows(
                "SELECT slug, title, short_title, topic, updated FROM articles "
                "WHERE topic = ?1 COLLATE NOCASE AND topic = ?1 ORDER BY short_title COLLATE NOCASE",
                (topic,),
            )
        )

    def _treatment_summaries(self) -> list[DrugSummary]:
        brands: dict[str, list[str]] = {}
        for slug, name in self._rows(
            "SELECT treatment_slug, name FROM treatment_names WHERE kind = 'brand' ORDER BY name COLLATE NOCASE"
        ):
            brands.setdefault(slug, []).append(name)
        return [
            DrugSummary(slug, name, TreatmentKind(kind), tuple(brands.get(slug, ())))
            for slug, name, kind in self._rows("SELECT slug, name, kind FROM treatments ORDER BY name COLLATE NOCASE")
        ]

    def classes(self) -> tuple[ClassSummary, ...]:
        """Every myoclonus class in the editors' order: physiological, then syndromes, then general."""
        return tuple(
            ClassSummary(*row)
            for row in self._rows("SELECT slug, name, category, parent FROM classes ORDER BY position")
        )

    def article(self, slug: str) -> Article | None:
        """The article with this slug, or None."""
        rows = self._rows(
            "SELECT slug, title, short_title, topic, updated, review_status, summary, source, html, "
            "sections, quirks FROM articles WHERE slug = ?",
            (slug,),
        )
        if not rows:
            return None
        row = rows[0]
        references = tuple(
            Reference(*r)
            for r in self._rows(
                "SELECT number, kind, title, publication, year, listed != 0, note FROM article_references "
                "WHERE article_slug = ? ORDER BY number",
                (slug,),
            )
        )
        return Article(
            slug=row[0],
            title=row[1],
            short_title=row[2],
            topic=row[3],
            updated=row[4],
            review_status=row[5],
            summary=row[6],
            source=row[7],
            html=row[8],
            sections=tuple(json.loads(row[9])),
            references=references,
            quirks=tuple(json.loads(row[10])),
        )

    def drug(self, slug: str) -> DrugPage | None:
        """A drug, drug group or non-drug treatment, with every class it is used for."""
        rows = self._rows(
            "SELECT t.slug, t.name, t.kind, t.mechanism, t.dose_text, t.dose_low, t.dose_high, "
            "t.dose_unit, t.dose_per, t.dose_article, a.short_title, t.dose_citations, t.dose_context "
            "FROM treatments t LEFT JOIN articles a ON a.slug = t.dose_article "
            "WHERE t.slug = ?",
            (slug,),
        )
        if not rows:
            return None
        row = rows[0]
        names: dict[str, list[str]] = {"brand": [], "synonym": []}
        for name, kind in self._rows(
            "SELECT name, kind FROM treatment_names WHERE treatment_slug = ? "
            "AND kind != 'generic' ORDER BY name COLLATE NOCASE",
            (slug,),
        ):
            names[kind].append(name)
        dose = _dose(row[4], row[5], row[6], row[7], row[8])
        source = SourceRef(row[9], row[10], tuple(json.loads(row[11]))) if dose and row[9] else None
        recommendations = tuple(
            _recommendation(r)
            for r in self._rows(
                _RECOMMENDATION_SELECT + "WHERE r.treatment_slug = ? ORDER BY r.role_rank, c.position, r.id", (slug,)
            )
        )
        articles = tuple(
            ArticleSummary(*r)
            for r in self._rows(
                "SELECT a.slug, a.title, a.short_title, a.topic, a.updated "
                "FROM mentions m JOIN articles a ON a.slug = m.article_slug "
                "WHERE m.treatment_slug = ? ORDER BY a.title COLLATE NOCASE",
                (slug,),
            )
        )
        return DrugPage(
            slug=row[0],
            name=row[1],
            kind=TreatmentKind(row[2]),
            brands=tuple(names["brand"]),
            synonyms=tuple(names["synonym"]),
            mechanism=row[3],
            dose=dose,
            dose_context=row[12] if dose else "",
            dose_source=source,
            recommendations=recommendations,
            articles=articles,
        )

    def myoclonus_class(self, slug: str) -> ClassPage | None:
        """A myoclonus class with its treatments (its subclasses' too), best role first."""
        rows = self._rows(
            "SELECT slug, name, category, description, synonyms, parent FROM classes WHERE slug = ?", (slug,)
        )
        if not rows:
            return None
        row = rows[0]
        everything = {c.slug: c for c in self.classes()}
        children = tuple(c for c in everything.values() if c.parent == slug)
        return ClassPage(
            slug=row[0],
            name=row[1],
            category=row[2],
            description=row[3],
            synonyms=tuple(json.loads(row[4])),
            parent=everything.get(row[5]),
            children=children,
            recommendations=self.treatments_for([slug]),
        )

    def treatments_for(
        self, class_slugs: Sequence[str], *, include_subclasses: bool = True
    ) -> tuple[Recommendation, ...]:
        """Every recommendation for these classes (and their subclasses), best role first.

        Reported-ineffective treatments come last. Unknown slugs are ignored.
        """
        wanted = set(class_slugs)
        if include_subclasses and wanted:
            parents = dict(self._rows("SELECT slug, parent FROM classes"))
            for slug in list(parents):
                ancestor = parents[slug]
                seen = {slug}
                while ancestor and ancestor not in seen:
                    if ancestor in wanted:
                        wanted.add(slug)
                        break
                    seen.add(ancestor)
                    ancestor = parents.get(ancestor, "")
        if not wanted:
            return ()
        marks = ",".join("?" * len(wanted))
        return tuple(
            _recommendation(r)
            for r in self._rows(
                _RECOMMENDATION_SELECT + f"WHERE r.class_slug IN ({marks}) "
                "ORDER BY r.role_rank, t.name COLLATE NOCASE, c.position, r.id",
                sorted(wanted),
            )
        )

    # -- search --------------------------------------------------------------------------

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
