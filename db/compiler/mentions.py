"""Which articles mention which treatments: by link, by recommendation, or by name as a whole word."""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass

from db.compiler.tree import ContentSources
from db.model import PageScheme

_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """The ASCII letter ``char`` matches under ``re.IGNORECASE`` (Kelvin sign: k; long s: s), else itself."""
    for letter in string.ascii_lowercase:
        if re.fullmatch(letter, char, re.IGNORECASE):
            return letter
    return char


def _word_key(word: str) -> str:
    """A key equal for two words whenever ``re.IGNORECASE`` matches them (ASCII-only words exactly)."""
    if word.isascii():
        return word.lower()
    return "".join(_fold_char(c) for c in word)


@dataclass(frozen=True)
class _Name:
    treatment: str
    pattern: re.Pattern[str]
    lowered: str | None  # for a plain find() in ASCII text; None when the name is not ASCII


def mentions(sources: ContentSources, texts: dict[str, str]) -> list[dict[str, str]]:
    """Which articles mention which treatments: by link, by recommendation, or by name.

    A name is mentioned where it appears as a whole word, in any case (``\\bNAME\\b``, ignoring
    case). Scanning every article with every treatment's pattern is quadratic (about half an
    hour at 10,000 articles and 1,000 drugs), so each name is filed under its first word and an
    article's own words say which names could be in it; only those are looked for.
    """
    pairs: set[tuple[str, str]] = set()
    for article in sources.articles:
        for address, _line in article.links:
            if address.scheme is PageScheme.TREATMENT:
                pairs.add((address.slug, article.slug))
    for rec in sources.recommendations:
        pairs.add((rec.treatment, rec.article))
    by_first_word: dict[str, list[_Name]] = {}
    always: list[_Name] = []  # names that start with a non-word or non-ASCII character: looked for everywhere
    for treatment in sources.treatments:
        for name in sorted({treatment.name, *treatment.brands, *treatment.synonyms}):
            entry = _Name(
                treatment.slug,
                re.compile(r"\b(?:" + re.escape(name) + r")\b", re.IGNORECASE),
                name.lower() if name.isascii() else None,
            )
            first = _WORD.match(name)
            if first is None or not first.group().isascii():
                always.append(entry)
            else:
                by_first_word.setdefault(first.group().lower(), []).append(entry)
    for article in sources.articles:
        text = texts[article.slug]
        keys = {_word_key(word) for word in set(_WORD.findall(text))}
        candidates = [entry for key in sorted(keys & by_first_word.keys()) for entry in by_first_word[key]]
        lowered = text.lower() if text.isascii() else None
        for entry in candidates + always:
            if (entry.treatment, article.slug) not in pairs and _appears(entry, text, lowered):
                pairs.add((entry.treatment, article.slug))
    return [{"treatment_slug": t, "article_slug": a} for t, a in sorted(pairs)]


def _appears(name: _Name, text: str, lowered: str | None) -> bool:
    if lowered is None or name.lowered is None:
        return name.pattern.search(text) is not None
    # ASCII text and name: a case-insensitive match is a match of the lowercased strings, and
    # find() is a hundred times faster than the regular expression's scan; the pattern then
    # checks the word boundaries at each place found.
    position = lowered.find(name.lowered)
    while position != -1:
        if name.pattern.match(text, position):
            return True
        position = lowered.find(name.lowered, position + 1)
    return False
