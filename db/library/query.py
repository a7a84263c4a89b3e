"""Turning what a person types into a safe FTS5 query, and finding a likely correction.

Pure functions, no database: easy to test with arbitrary text.
"""

from __future__ import annotations

import re
import unicodedata

# Words as FTS5's unicode61 tokenizer sees them: letters and digits. Everything else
# (quotes, operators, parentheses, '*', ':' ...) separates words and is never passed through.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TOKENS = 12
MAX_TOKEN_LENGTH = 64


#: The accents FTS5's ``unicode61`` tokenizer takes off (``remove_diacritics 2``): the combining diacritical marks.
_DIACRITICS = re.compile("[\u0300-\u036f]+")


def normalise(text: str) -> str:
    """``text`` as the index stores its words: composed (NFC), lower-cased, without accents.

    Accents typed or pasted decomposed (``valpro\u0301ic``: a letter, then a combining accent) are one word
    again, not two; lower-casing is Python's ``lower``, the same simple mapping as ``unicode61``'s (``casefold``
    would turn ``ß`` into ``ss``, which the index never does).
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower())
    return unicodedata.normalize("NFC", _DIACRITICS.sub("", decomposed))


def tokens(text: str) -> list[str]:
    """The words of a query, normalised (:func:`normalise`) before it is split, at most :data:`MAX_TOKENS`."""
    return [t[:MAX_TOKEN_LENGTH] for t in _TOKEN.findall(normalise(text))][:MAX_TOKENS]


def fts_query(words: list[str], *, prefix_last: bool = True) -> str:
    """An FTS5 MATCH expression: every word must match; the last may be a prefix.

    Each word is a double-quoted string, so no word can act as an operator (AND, OR, NOT,
    NEAR), a column filter or a syntax error.
    """
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if prefix_last:
        quoted[-1] += "*"
    return " ".join(quoted)


def fold(word: str) -> str:
    """Lowercase without accents, as the index stores terms (remove_diacritics 2)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or ``limit + 1`` once past it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous_previous[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def allowed_distance(word: str) -> int:
    """How many edits a correction may be from what was typed: more for longer words."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 7 else 2
