"""Study progress: each card's spaced-repetition schedule, in the user's store beside the bookmarks.

The scheduling is the FSRS algorithm of the ``fsrs`` package; this module only keeps its state.
A card is known here by its identity and the fingerprint of its answer (see :mod:`db.study.cards`),
never by its wording, so the state survives content releases and :meth:`Reviews.sync` can tell
which facts a release changed (their schedule starts again, marked "updated in content X") and
which it removed (retired, their history kept).

Same guarantees as the bookmarks, because it is the same file and the same transactions: WAL,
``synchronous=FULL`` for every rating (a rating whose call returned survives ``kill -9``), a
damaged file moved aside, and no exception to the GUI (:attr:`Reviews.last_error` instead).
Standard library and ``fsrs`` only; nothing here imports Qt or the content.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from db.userdata.store import UserData

#: Ratings as the keys 1-4 give them.
RATINGS = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


@dataclass(frozen=True)
class ReviewState:
    """Where one card stands: when it is next due, how often it was rated, and what happened to its fact."""

    card_id: str
    due: datetime
    reviews: int
    #: True once FSRS has moved the card from learning to review (it is remembered across days).
    learned: bool
    #: The content version in which the card's fact changed and its schedule started again; '' if none.
    updated_in: str
    #: True when the content no longer holds the card's fact.
    retired: bool

    def is_due(self, now: datetime) -> bool:
        return not self.retired and self.due <= now


@dataclass(frozen=True)
class SyncReport:
    """What a content release did to the cards: new ones, changed facts (schedule reset), retired ones."""

    content_version: str
    new: int = 0
    changed: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    revived: int = 0
    #: False when the store could not be written (see :attr:`Reviews.last_error`).
    saved: bool = True

    def message(self) -> str | None:
        """A sentence for the trainee, or None when no card they had was affected."""
        parts = []
        if self.changed:
            n = len(self.changed)
            parts.append(
                f"{n} card{'s' if n != 1 else ''} changed in content {self.content_version}: "
                f"{'their schedules were' if n != 1 else 'its schedule was'} reset"
            )
        if self.retired:
            n = len(self.retired)
            parts.append(f"{n} card{'s' if n != 1 else ''} retired (no longer in the content)")
        return "; ".join(parts) + "." if parts else None


class Reviews:
    """The review state of every study card, kept in the user's store (:class:`UserData`).

    Every operation goes through the store's own transaction runner (``UserData.run``), so the
    study tables share the bookmarks' lock, durability and error reporting rather than copying them.
    """

    def __init__(self, store: UserData, scheduler: Scheduler | None = None) -> None:
        self._store = store
        self._scheduler = scheduler or Scheduler()

    @property
    def last_error(self) -> str | None:
        """What went wrong in the most recent operation, for the user; None when it succeeded."""
        return self._store.last_error

    # -- content releases ----------------------------------------------------------------

    def sync(self, cards: Iterable[tuple[str, str]], content_version: str, now: datetime | None = None) -> SyncReport:
        """Bring the state in line with the cards of ``content_version``: ``(card_id, fingerprint)`` pairs.

        A new card gets a fresh schedule, due now. A card whose fingerprint differs gets a fresh
        schedule and is marked ``updated_in = content_version``. A card that is gone is retired;
        one that comes back with the same fingerprint keeps its schedule. Running it again with
        the same cards changes nothing.
        """
        current = dict(cards)
        moment = _utc(now)

        def write(conn: sqlite3.Connection) -> SyncReport:
            known = {
                card_id: (fingerprint, bool(retired))
                for card_id, fingerprint, retired in conn.execute(
                    "SELECT card_id, fingerprint, retired FROM study_cards"
                )
            }
            new, changed, revived = 0, [], 0
            for card_id, fingerprint in current.items():
                if card_id not in known:
                    new += 1
                    conn.execute(
                        "INSERT INTO study_cards (card_id, fingerprint, schedule, due, reviews, retired, updated_in, "
                        "content_version) VALUES (?, ?, ?, ?, 0, 0, '', ?)",
                        (card_id, fingerprint, *_fresh(card_id, moment), content_version),
                    )
                elif known[card_id][0] != fingerprint:
                    changed.append(card_id)
                    conn.execute(
                        "UPDATE study_cards SET fingerprint = ?, schedule = ?, due = ?, reviews = 0, retired = 0, "
                        "updated_in = ?, content_version = ? WHERE card_id = ?",
                        (fingerprint, *_fresh(card_id, moment), content_version, content_version, card_id),
                    )
                elif known[card_id][1]:
                    revived += 1
                    conn.execute(
                        "UPDATE study_cards SET retired = 0, content_version = ? WHERE card_id = ?",
                        (content_version, card_id),
                    )
            retired = sorted(c for c, (_, was_retired) in known.items() if c not in current and not was_retired)
            conn.executemany("UPDATE study_cards SET retired = 1 WHERE card_id = ?", [(c,) for c in retired])
            return SyncReport(content_version, new, tuple(changed), tuple(retired), revived)

        return self._store.run(
            write, SyncReport(content_version, saved=False), "update your study cards", write=True, durable=True
        )

    # -- reviewing -----------------------------------------------------------------------

    def states(self) -> dict[str, ReviewState]:
        """Every card's state (retired ones too), by card id; empty (with :attr:`last_error`) on failure."""

        def read(conn: sqlite3.Connection) -> dict[str, ReviewState]:
            rows = conn.execute(
                "SELECT card_id, schedule, reviews, updated_in, retired FROM study_cards ORDER BY card_id"
            ).fetchall()
            return {row[0]: _state(*row) for row in rows}

        return self._store.run(read, {}, "read your study progress")

    def rate(self, card_id: str, rating: int, now: datetime | None = None) -> ReviewState | None:
        """Record a rating (1 Again, 2 Hard, 3 Good, 4 Easy) and schedule the card's next review.

        Returns the card's new state once it is on disk; None (with :attr:`last_error`) when the
        card is unknown, retired, or the rating could not be saved.
        """
        if rating not in RATINGS:
            raise ValueError(f"a rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating!r}")
        moment = _utc(now)

        def write(conn: sqlite3.Connection) -> ReviewState | None:
            row = conn.execute(
                "SELECT schedule, reviews, fingerprint FROM study_cards WHERE card_id = ? AND retired = 0", (card_id,)
            ).fetchone()
            if row is None:
                return None
            card, _log = self._scheduler.review_card(_load(card_id, row[0]), RATINGS[rating], moment)
            schedule = card.to_json()
            conn.execute(
                "UPDATE study_cards SET schedule = ?, due = ?, reviews = reviews + 1, updated_in = '' "
                "WHERE card_id = ?",
                (schedule, _iso(card.due), card_id),
            )
            conn.execute(
                "INSERT INTO study_log (card_id, rating, reviewed, fingerprint) VALUES (?, ?, ?, ?)",
                (card_id, rating, _iso(moment), row[2]),
            )
            return _state(card_id, schedule, row[1] + 1, "", 0)

        return self._store.run(write, None, "save your rating", write=True, durable=True)

    def log_count(self, card_id: str | None = None) -> int:
        """How many ratings are recorded (for one card, or for all)."""

        def read(conn: sqlite3.Connection) -> int:
            if card_id is None:
                return int(conn.execute("SELECT count(*) FROM study_log").fetchone()[0])
            return int(conn.execute("SELECT count(*) FROM study_log WHERE card_id = ?", (card_id,)).fetchone()[0])

        return self._store.run(read, 0, "read your study progress")


# -- helpers -------------------------------------------------------------------------------


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("review times must carry a time zone")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _fresh(card_id: str, now: datetime) -> tuple[str, str]:
    """A new FSRS card's state as JSON, and its due time (now)."""
    # A stable number for FSRS's own card id; the default would sleep 1 ms per card to stay unique.
    number = int(hashlib.sha256(card_id.encode("utf-8")).hexdigest()[:12], 16)
    card = FsrsCard(card_id=number, due=now)
    return card.to_json(), _iso(card.due)


def _load(card_id: str, schedule: str) -> FsrsCard:
    """The FSRS card stored as JSON; a row that cannot be read (edited by hand, damaged) starts afresh."""
    try:
        card = FsrsCard.from_json(schedule)
        if card.due.tzinfo is None:
            raise ValueError("no time zone")
        return card
    except (ValueError, KeyError, TypeError, AttributeError):
        return FsrsCard.from_json(_fresh(card_id, datetime.now(UTC))[0])


def _state(card_id: str, schedule: str, reviews: int, updated_in: str, retired: int) -> ReviewState:
    card = _load(card_id, schedule)
    return ReviewState(
        card_id=card_id,
        due=card.due,
        reviews=reviews,
        learned=card.state is State.Review,
        updated_in=updated_in,
        retired=bool(retired),
    )
