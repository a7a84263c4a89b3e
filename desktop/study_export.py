"""``clinref --export-anki PATH``: the study cards of the content as an Anki deck, without opening a window."""

from __future__ import annotations

import sys
from pathlib import Path

from db.errors import LibraryError
from db.library.locate import open_content
from db.study import generate_cards
from db.study.anki import ExportError, write_apkg


def export_anki(db: Path | None, path: Path) -> int:
    """Write the deck; 0 when written, 1 when it could not be written, 2 when there is no content to read."""
    try:
        opened = open_content(db)
    except LibraryError as exc:
        print(f"content unavailable: {exc}", file=sys.stderr)
        return 2
    if opened.warning:
        print(opened.warning, file=sys.stderr)
    with opened.library as library:
        try:
            cards = generate_cards(library)
            written = write_apkg(cards, library.manifest, path)
        except LibraryError as exc:
            print(f"content unavailable: {exc}", file=sys.stderr)
            return 2
        except ExportError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        version = library.manifest.content_version
    print(f"Wrote {written} study cards (content {version}) to {path}")
    return 0
