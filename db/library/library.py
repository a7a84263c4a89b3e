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
from typing import TYPE_CHECKING, Any

from db.errors import LibraryError
from db.library.opening import IN_USE, IN_USE_ADVICE, REBUILD, connect, is_locked
from db.model import (
    Article,
    ArticleSummary,
    ClassPage,
    ClassSummary,
    ClassView,
    Condition,
    DoseRange,
    Manifest,
    PageAddress,
    PageScheme,
    Recommendation,
    Reference,
    Role,
    SearchResults,
    SourceRef,
    TopicGroup,
    TopicTree,
    TreatmentKind,
    TreatmentPage,
    TreatmentSummary,
)

if TYPE_CHECKING:
    from db.library.search import SearchIndex

_RECOMMENDATION_SELECT = """
SELECT r.treatment_slug, t.name, t.kind, r.class_slug, c.name, r.role, r.dose_text, r.dose_low,
       r.dose_high, r.dose_unit, r.dose_per, r.note, r.article_slug, a.short_title, r.citations, r.derived
FROM recommendations r
JOIN treatments t ON t.slug = r.treatment_slug
JOIN classes c ON c.slug = r.class_slug
JOIN articles a ON a.slug = r.article_slug
"""


def _recommendation(row: Sequence[Any]) -> Recommendation:
    return Recommendation(
        treatment_slug=row[0],
        treatment_name=row[1],
        treatment_kind=TreatmentKind(row[2]),
        class_slug=row[3],
        class_name=row[4],
        role=Role(row[5]),
        dose=DoseRange.from_columns(row[6], row[7], row[8], row[9], row[10]),
        note=row[11],
        source=SourceRef(row[12], row[13], tuple(json.loads(row[14]))),
        derived=bool(row[15]),
    )


class ContentChanged(LibraryError):
    """The open content file was changed or replaced: every page must be read again from a verified file."""


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class Library:
    """A read-only ClinRef content database.

    Raises :class:`LibraryError` (naming the file and what is wrong) when the file is
    missing, empty, corrupt, not ClinRef content, or of a newer schema than this code reads.
    Safe to share between threads: each thread gets a connection of its own (as datasette does),
    so a search running on a worker never makes a page open on the GUI thread wait.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # guards the list of connections, not the queries
        # By thread id, not threading.local: a Qt worker thread (QThreadPool) gets a new Python
        # thread state, and so an empty threading.local, each time it runs Python code, and each
        # search opened (and kept open) a connection of its own: a file descriptor and a page
        # cache leaked per keystroke, and 3-4 ms more per search (bench/README.md).
        self._by_thread: dict[int, sqlite3.Connection] = {}
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self._identity = _identity(self.path)
        self._search_index: SearchIndex | None = None  # made at the first search (start-up does not search)
        self._connection()  # the file is checked now, on the caller's thread, not at the first query
        try:
            self.manifest = self._read_manifest()
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------------

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
                treatment_count=int(values["treatment_count"]),
                class_count=int(values["class_count"]),
                recommendation_count=int(values["recommendation_count"]),
                review_by=values.get("review_by", ""),
            )
        except (KeyError, ValueError) as exc:
            raise LibraryError(self.path, f"the content manifest is incomplete ({exc})", REBUILD) from exc

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened (and the file checked) on first use."""
        thread = threading.get_ident()
        conn = self._by_thread.get(thread)
        if conn is not None:
            return conn  # a thread that has ended passes its id, and its connection, to a new one
        with self._lock:
            if self._closed:
                raise LibraryError(self.path, "the content file was closed", "Restart ClinRef.")
        conn = connect(self.path)
        with self._lock:
            self._connections.append(conn)
            self._by_thread[thread] = conn
        return conn

    def _rows(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[Any]:
        conn = self._connection()
        try:
            bound = params if isinstance(params, Mapping) else tuple(params)
            rows = conn.execute(sql, bound).fetchall()
        except sqlite3.ProgrammingError as exc:  # closed under us by close() from another thread
            raise LibraryError(self.path, f"the content file was closed ({exc})", "Restart ClinRef.") from exc
        except sqlite3.DatabaseError as exc:
            self._raise_if_changed()
            if is_locked(exc):  # another program's lock says nothing about the file's contents
                raise LibraryError(self.path, IN_USE, IN_USE_ADVICE) from exc
            raise LibraryError(self.path, f"the content file is damaged ({exc})", REBUILD) from exc
        # The file is opened immutable=1 (it is a verified copy nothing writes to); should anything
        # change it anyway, no row read from it afterwards reaches a page: a mix of two files never does.
        self._raise_if_changed()
        return rows

    def changed(self) -> bool:
        """True when the file is no longer the one opened (size, mtime or inode differ, or it is gone)."""
        return _identity(self.path) != self._identity

    def _raise_if_changed(self) -> None:
        if self.changed():
            raise ContentChanged(
                self.path,
                "the content file changed while ClinRef had it open",
                "ClinRef reopens its content; nothing from the changed file is shown.",
            )

    def close(self) -> None:
        """Close every thread's connection; later queries raise :class:`LibraryError`."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
            self._by_thread = {}
        for conn in connections:
            conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- browsing ------------------------------------------------------------------------

    def topics(self, *, most_articles: int | None = None) -> TopicTree:
        """Articles by topic, classes by condition, drugs A-Z and non-drug treatments.

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
            conditions=self.conditions(),
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

    def _treatment_summaries(self) -> list[TreatmentSummary]:
        brands: dict[str, list[str]] = {}
        for slug, name in self._rows(
            "SELECT treatment_slug, name FROM treatment_names WHERE kind = 'brand' ORDER BY name COLLATE NOCASE"
        ):
            brands.setdefault(slug, []).append(name)
        return [
            TreatmentSummary(slug, name, TreatmentKind(kind), tuple(brands.get(slug, ())))
            for slug, name, kind in self._rows("SELECT slug, name, kind FROM treatments ORDER BY name COLLATE NOCASE")
        ]

    def classes(self, condition: str | None = None) -> tuple[ClassSummary, ...]:
        """Every class (of one condition, if named) in the editors' order."""
        where, params = ("WHERE condition = ? ", (condition,)) if condition is not None else ("", ())
        return tuple(
            ClassSummary(*row)
            for row in self._rows(
                f"SELECT slug, name, category, parent, condition FROM classes {where}ORDER BY position", params
            )
        )

    def conditions(self) -> tuple[Condition, ...]:
        """Every condition in the editors' order (the first is the default)."""
        return tuple(
            Condition(*row)
            for row in self._rows("SELECT slug, name, description, overview FROM conditions ORDER BY position")
        )

    def home(self) -> PageAddress | None:
        """The page to open on: the first condition's overview article, else the first article A-Z (None if none)."""
        for condition in self.conditions():
            if condition.overview:
                return PageAddress(PageScheme.ARTICLE, condition.overview)
        rows = self._rows("SELECT slug FROM articles ORDER BY title COLLATE NOCASE, slug LIMIT 1")
        return PageAddress(PageScheme.ARTICLE, rows[0][0]) if rows else None

    def draft_articles(self) -> frozenset[str]:
        """Slugs of the articles that are drafts (only in a build made with ``--include-drafts``)."""
        return frozenset(row[0] for row in self._rows("SELECT slug FROM articles WHERE draft != 0"))

    def article(self, slug: str) -> Article | None:
        """The article with this slug, or None."""
        rows = self._rows(
            "SELECT slug, title, short_title, topic, updated, review_status, summary, source, html, "
            "sections, quirks, draft FROM articles WHERE slug = ?",
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
            draft=bool(row[11]),
        )

    def treatment(self, slug: str) -> TreatmentPage | None:
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
        dose = DoseRange.from_columns(row[4], row[5], row[6], row[7], row[8])
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
        return TreatmentPage(
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

    def class_page(self, slug: str) -> ClassPage | None:
        """A class with its treatments (its subclasses' too), best role first; all within its condition."""
        rows = self._rows(
            "SELECT slug, name, category, description, synonyms, parent, condition FROM classes WHERE slug = ?",
            (slug,),
        )
        if not rows:
            return None
        row = rows[0]
        everything = {c.slug: c for c in self.classes(row[6])}
        condition = next((c for c in self.conditions() if c.slug == row[6]), None)
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
            rows=self.class_view([slug]).rows,
            condition=condition,
        )

    def treatments_for(
        self, class_slugs: Sequence[str], *, include_subclasses: bool = True
    ) -> tuple[Recommendation, ...]:
        """Every recommendation for these classes (and their subclasses), best role first.

        Reported-ineffective treatments come last. Unknown slugs are ignored.
        """
        wanted = sorted(set(class_slugs))
        if not wanted:
            return ()
        marks = ",".join("?" * len(wanted))
        depth = "" if include_subclasses else "AND ca.depth = 0 "
        return tuple(
            _recommendation(r)
            for r in self._rows(
                _RECOMMENDATION_SELECT + "WHERE r.class_slug IN (SELECT ca.class_slug FROM class_ancestors ca "
                f"WHERE ca.ancestor_slug IN ({marks}) {depth}) "
                "ORDER BY r.role_rank, t.name COLLATE NOCASE, c.position, r.id",
                wanted,
            )
        )

    def class_view(self, class_slugs: Sequence[str]) -> ClassView:
        """Everything that applies to these classes, one row per treatment (see :mod:`db.library.class_view`).

        Entries filed under the classes, their subclasses, their ancestors and the condition in
        general, each marked with how it came in; reported-ineffective rows last. Unknown slugs are ignored.
        """
        from db.library.class_view import read_class_view  # the Treatments tab's: not needed at start-up

        return read_class_view(self._rows, class_slugs)

    # -- search --------------------------------------------------------------------------

    def _search(self) -> SearchIndex:
        index = self._search_index
        if index is None:  # two threads may both make one: it holds nothing but ``_rows``
            from db.library.search import SearchIndex

            index = self._search_index = SearchIndex(self._rows)
        return index

    def search(self, text: str, limit: int = 30) -> SearchResults:
        """Ranked hits for what a person typed; never raises on any text but :class:`LibraryError`.

        Every word must match; the last word matches as a prefix (search as you type). When
        nothing matches, a correction is sought among the indexed words ("did you mean"), and
        if the correction finds something its hits are returned instead.
        """
        return self._search().search(text, limit)

    def suggest(self, text: str) -> str | None:
        """The closest indexed spelling of what was typed, or None if it is spelled as indexed."""
        return self._search().suggest(text)
