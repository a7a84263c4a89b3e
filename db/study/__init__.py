"""Study mode, Qt-free: cards drawn from the read-only content, the order they come due, and export to Anki.

Reads the content through :mod:`db.library` only; the review state lives in :mod:`db.userdata.reviews`.
"""

from db.study.cards import DRUGS_DECK, AnswerLine, Card, CardKind, Statement, draft_articles, generate_cards

__all__ = ["DRUGS_DECK", "AnswerLine", "Card", "CardKind", "Statement", "draft_articles", "generate_cards"]
