"""Which card comes next, and how many are due and learned: plain functions over cards and their progress.

The progress of a card is whatever the user's store keeps (:class:`db.userdata.reviews.ReviewState`
fits); this module only reads its due time, review count and status, so it needs neither the store
nor Qt.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from db.study.cards import Card


class Progress(Protocol):
    """What the queue needs of a card's review state."""

    @property
    def due(self) -> datetime: ...

    @property
    def reviews(self) -> int: ...

    @property
    def learned(self) -> bool: ...

    @property
    def retired(self) -> bool: ...


@dataclass(frozen=True)
class Counts:
    """A deck at a glance: due now (of which never seen), learned (in FSRS review), and all cards."""

    due: int
    new: int
    learned: int
    total: int

    def label(self) -> str:
        return f"{self.due} due ({self.new} new) · {self.learned} learned · {self.total} cards"


def in_decks(cards: Iterable[Card], decks: Collection[str] | None) -> list[Card]:
    """The cards of these decks (class slugs, or ``drugs``); all cards when ``decks`` is None."""
    return [c for c in cards if decks is None or c.deck in decks]


def _is_due(card: Card, progress: Mapping[str, Progress], now: datetime) -> bool:
    state = progress.get(card.card_id)
    return state is None or (not state.retired and state.due <= now)


def counts(cards: Sequence[Card], progress: Mapping[str, Progress], now: datetime) -> Counts:
    """How many of ``cards`` are due now, new, and learned."""
    due = [c for c in cards if _is_due(c, progress, now)]
    new = sum(1 for c in due if c.card_id not in progress or progress[c.card_id].reviews == 0)
    learned = sum(1 for c in cards if c.card_id in progress and progress[c.card_id].learned)
    return Counts(len(due), new, learned, len(cards))


def next_card(
    cards: Sequence[Card], progress: Mapping[str, Progress], now: datetime, *, after: str | None = None
) -> Card | None:
    """The card to show next: the longest-overdue card seen before, then new cards in content order.

    ``after`` (the card just shown) goes last among equals, so "Again" on the only due card
    does not show it twice in a row when another is due.
    """
    due = [c for c in cards if _is_due(c, progress, now)]
    if not due:
        return None
    order = {c.card_id: i for i, c in enumerate(cards)}

    def key(card: Card) -> tuple[int, int, float, int]:
        state = progress.get(card.card_id)
        seen = state is not None and state.reviews > 0
        return (
            1 if card.card_id == after else 0,
            0 if seen else 1,
            state.due.timestamp() if state is not None and seen else 0.0,
            order[card.card_id],
        )

    return min(due, key=key)


def next_due(cards: Sequence[Card], progress: Mapping[str, Progress]) -> datetime | None:
    """When the next of ``cards`` falls due, or None if none is scheduled."""
    times = [progress[c.card_id].due for c in cards if c.card_id in progress and not progress[c.card_id].retired]
    return min(times) if times else None
