"""Export the study cards as an Anki package (``.apkg``), written by the ``genanki`` library.

Each note carries the card's question, its answer with the sources, the ClinRef addresses of the
source and the page, the content version it was made from, and the card's identity. The note's
GUID is derived from the card's identity, so importing a newer export into Anki updates the notes
it already has instead of adding copies. genanki is imported only when exporting.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from db.model import Manifest
from db.study.cards import Card
from db.study.render import answer_html, question_html

#: Fixed for good: Anki recognises the note type and deck of a later export by these.
MODEL_ID = 1_733_060_117
DECK_ID = 1_733_060_118
FIELDS = ("Question", "Answer", "Source", "Content version", "Card")

_CSS = """
.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.meta { color: #5f6368; font-size: 85%; }
.ineffective { color: #b3261e; font-style: italic; }
.dose { background-color: #e8f0fe; }
.nightMode .meta { color: #b0b0b0; }
.nightMode .ineffective { color: #f2b8b5; }
.nightMode .dose { background-color: #1e3a5f; }
"""


class ExportError(Exception):
    """The package could not be written; the message names the file and what to do."""


def write_apkg(cards: Sequence[Card], manifest: Manifest, path: Path) -> int:
    """Write ``cards`` to ``path`` as one Anki deck; returns the number of notes.

    The file appears whole or not at all (written beside it, then renamed). Raises
    :class:`ExportError` when it cannot be written.
    """
    import genanki  # only when exporting: it is not needed to run or study

    path = Path(path)
    model = genanki.Model(
        MODEL_ID,
        "ClinRef study card",
        fields=[{"name": name} for name in FIELDS],
        templates=[
            {
                "name": "Card",
                "qfmt": "{{Question}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}'
                '<p class="meta">{{Source}}<br/>ClinRef content {{Content version}}</p>',
            }
        ],
        css=_CSS,
    )
    deck = genanki.Deck(DECK_ID, f"ClinRef::{manifest.content_title}")
    for card in cards:
        source = escape(f"ClinRef {card.source_url} ({card.page})")
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[
                    question_html(card),
                    answer_html(card, links=False),
                    source,
                    escape(manifest.content_version),
                    escape(card.card_id),
                ],
                guid=genanki.guid_for("clinref", card.card_id),
                tags=["ClinRef", f"clinref::{card.deck}", f"clinref::{card.kind.value.replace(' ', '-')}"],
            )
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"Could not write {path}: the folder {folder} does not exist. Choose another place.")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
        os.close(handle)
    except OSError as exc:
        raise ExportError(
            f"Could not write {path}: {exc.strerror or exc}. Check that you can write to {folder}."
        ) from exc
    try:
        genanki.Package(deck).write_to_file(temporary)
        os.chmod(temporary, 0o644)  # as any saved document, not mkstemp's owner-only mode
        os.replace(temporary, path)
    except (OSError, sqlite3.Error) as exc:
        Path(temporary).unlink(missing_ok=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ExportError(f"Could not write {path}: {reason}. Check that you can write there.") from exc
    return len(cards)
