"""A hit's snippet, made from the text the content file already holds.

The search index stores no copy of what it indexes (a contentless FTS5 table, see
:mod:`db.schema`): an article's words are kept once, as its HTML. So the words around a match
are found here, for the few hits a search shows, in that HTML with its tags left out, rather
than by FTS5's ``snippet()``, which needs the indexed text stored beside the index.

Pure functions, no database: easy to test with arbitrary text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import chain, islice

from db.library.query import fold

#: Marks around a matched word; :mod:`db.library.search` turns them into ``<b>`` after escaping.
OPEN, CLOSE = "\x02", "\x03"
ELLIPSIS = "…"
WORDS = 12
#: Matches looked at when choosing where a snippet starts: plenty for a screenful of text.
_MOST_MATCHES = 64
#: A snippet shows two words before its first match, as FTS5's snippet() does.
_WORDS_BEFORE = 2

# Citation markers (<span class="cite"><a ...>&nbsp;[1]&nbsp;</a></span>, or <sup>) are not words
# of the text; the search index skips them too (db.compiler.render.plain_text). Any other tag
# separates words. Patterns as text, compiled on first use (re keeps them): this module is
# imported at start-up.
_CITE = '<span class="cite">'
_TAGS = r'<sup\b[^>]*>.*?</sup>|<span class="cite">.*?</span>|<[^>]*>'


def html_text(fragment: str) -> str:
    """The readable text of an HTML fragment: tags and citation markers out, entities decoded."""
    return html.unescape(re.sub(_TAGS, " ", fragment, flags=re.DOTALL | re.IGNORECASE))


class Words:
    """Finds a query's words in text as the index matches them; the last word may be a prefix.

    Case-insensitive, and accent-insensitive like the index (``remove_diacritics 2``): where the
    words as typed are not in a text, their accented forms are looked for. That second pattern
    costs milliseconds to compile (a class of letters for each letter), so it is made only when
    a text needs it, once for each query.
    """

    def __init__(self, words: list[str]) -> None:
        self.words = tuple(w for w in (fold(word) for word in words) if w)
        self.plain = _compile(self.words, re.escape)
        self._ascii = all(word.isascii() for word in self.words)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.plain is None:
            return iter(())
        if text.isascii():
            return self._ascii_matches(text) if self._ascii else self.plain.finditer(text)
        found = self.plain.finditer(text)
        first = next(found, None)
        if first is not None:
            return chain((first,), found)
        accented = _accented(self.words)
        return accented.finditer(text) if accented is not None else iter(())

    def _ascii_matches(self, text: str) -> Iterator[re.Match[str]]:
        """The pattern's matches in ASCII text, as ``finditer`` finds them, but looked for only
        where one of the words is.

        The pattern starts with a look-behind and ignores case, so the regex engine tries it at
        every position of the text: about a third of a search's time went there. In ASCII text
        a match of ASCII words starts where one of them is found in the lower-cased text, so
        each search starts at the next such place.
        """
        assert self.plain is not None
        lower, end = text.lower(), 0
        while True:
            starts = [at for at in (lower.find(word, end) for word in self.words) if at >= 0]
            match = self.plain.search(text, min(starts)) if starts else None
            if match is None:
                return
            yield match
            end = match.end()

    def found_in(self, text: str) -> bool:
        return next(self.finditer(text), None) is not None

    def sub(self, text: str) -> str:
        """``text`` with every match between OPEN and CLOSE."""
        parts, end = [], 0
        for match in self.finditer(text):
            parts += [text[end : match.start()], OPEN, match.group(0), CLOSE]
            end = match.end()
        return "".join([*parts, text[end:]])


def word_pattern(words: list[str]) -> Words | None:
    """The query's words to look for, or None where there are none."""
    found = Words(words)
    return found if found.words else None


def _compile(words: tuple[str, ...], letters: Callable[[str], str]) -> re.Pattern[str] | None:
    if not words:
        return None
    last = len(words) - 1
    alternatives = [
        f"({letters(word)}{_PREFIX_TAIL if index == last else ''}{_MARKS})" for index, word in enumerate(words)
    ]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


_PREFIX_TAIL = r"[^\W_]*"
_MARKS = "(?-i:[\u0300-\u036f]*)"  # combining accents after a word's last letter belong to the word


@lru_cache(maxsize=8)
def _accented(words: tuple[str, ...]) -> re.Pattern[str] | None:
    return _compile(words, lambda word: "".join(_letter(c) for c in word))


def _letter(c: str) -> str:
    # The letter or one of the precomposed letters that fold to it, then any combining marks (a
    # decomposed "é"). Only the common Latin ones are listed: a missed accent costs a snippet
    # that starts at the text's opening words, never a wrong hit.
    accented = _ACCENTED.get(c, "")
    core = f"[{re.escape(c)}{accented}]" if accented else re.escape(c)
    return core + "[\u0300-\u036f]*" if c.isalpha() else core


_ACCENTED = {
    "a": "àáâãäåā",
    "c": "çćč",
    "e": "èéêëēěę",
    "i": "ìíîïī",
    "n": "ñń",
    "o": "òóôõöøō",
    "u": "ùúûüūů",
    "y": "ýÿ",
    "s": "śš",
    "z": "źżž",
}


def snippet(text: str, pattern: Words | None, words: int = WORDS) -> str:
    """About ``words`` words of ``text`` around its best match, matches between OPEN and CLOSE.

    The best place is where the most different query words are matched within the window
    (the earliest such place); without a match, the text's opening words.
    """
    matches = list(islice(pattern.finditer(text), _MOST_MATCHES)) if pattern is not None else []
    if not matches:
        return _window(text, 0, words, None)
    best, best_count = matches[0], 0
    for index, anchor in enumerate(matches):
        reach = anchor.start() + words * 8  # about a window's width of text
        found = {m.lastindex for m in islice(matches, index, None) if m.start() < reach}
        if len(found) > best_count:
            best, best_count = anchor, len(found)
    # Start a couple of words before the match, at the beginning of a word; with several words
    # matched, at the first of them, so that the window holds as many of them as it can.
    begin = words_back(text, max(0, best.start() - 300), best.start(), _WORDS_BEFORE if best_count == 1 else 0)
    return _window(text, begin, words, pattern)


def words_back(text: str, start: int, end: int, count: int) -> int:
    """Where the ``count`` whole words before ``end`` begin, not before ``start``.

    The earliest position from which ``text[position:end]`` is at most ``count`` words, each
    with the spaces after it, and then any letters that run up to ``end``: what the pattern
    ``(?:\\S+\\s+){0,count}\\S*\\Z`` searched for from ``start`` to ``end`` matches first. That
    search tried every position from ``start`` on, half the time a search's snippets took;
    this splits the text once, from the right.
    """
    chunk = text[start:end]
    # A run of letters that ends at `end` is one word more to keep.
    keep = count + (1 if chunk and not chunk[-1].isspace() else 0)
    parts = chunk.rsplit(maxsplit=keep) if keep else [chunk]
    if len(parts) <= keep:  # no more words than that: from the first of them
        return end - len(chunk.lstrip())
    kept = chunk[len(parts[0]) :].lstrip()  # the words kept, with the spaces between them
    return end - len(kept)


def _window(text: str, begin: int, words: int, pattern: Words | None) -> str:
    chunk = text[begin : begin + words * 40].split(maxsplit=words)
    more = len(chunk) > words or begin + words * 40 < len(text.rstrip())
    shown = " ".join(chunk[:words]).replace(OPEN, "").replace(CLOSE, "")  # the marks are ours alone
    if pattern is not None:
        shown = pattern.sub(shown)
    lead = ELLIPSIS if text[:begin].strip() else ""
    return f"{lead}{shown}{ELLIPSIS if more else ''}"


#: A text this short is searched whole; in a longer one the words are first found with str.find.
_SMALL = 2000
#: How much text around the first match a snippet is chosen from.
_REACH_BEFORE, _REACH_AFTER = 200, 600
_MOST_CANDIDATES = 64


def hit_snippet(lead: str, html: str | None, words: Words | None) -> str:
    """A hit's snippet: from its ``lead`` text, then (an article's) ``html``.

    Without words (a broad search), the opening words of ``lead``. An article runs to 40,000
    characters and a search shows 30 of them, so a long text is not stripped of its tags and
    searched whole: each word is found with ``str.find`` (a match inside a tag or a citation
    marker does not count), and only the text around the first one is made into the snippet.
    That finds the words as typed in any case; accented forms only in short texts (a summary, a
    drug's notes): otherwise the snippet is the opening words, as for a match in the title alone.
    """
    if words is None:
        return snippet(lead, None)
    for text, is_html in ((lead, False), (html or "", True)):
        near = _near(text, words, html=is_html) if text else None
        if near is not None:
            window, cut = near
            shown = snippet(window, words)
            return ELLIPSIS + shown if cut and not shown.startswith(ELLIPSIS) else shown
    return snippet(lead, None)


def _near(text: str, words: Words, *, html: bool) -> tuple[str, bool] | None:
    """The text around the first of the words in ``text``, and whether it starts part-way in."""
    if len(text) <= _SMALL:
        plain = html_text(text) if html else text
        return (plain, False) if words.found_in(plain) else None
    lower = text.lower()
    if len(lower) != len(text):  # a letter whose lower case is longer: positions would not match
        return None
    found = [at for at in (_find(lower, word, html=html) for word in words.words) if at >= 0]
    if not found:
        return None
    first = min(found)
    begin, end = max(0, first - _REACH_BEFORE), min(len(text), first + _REACH_AFTER)
    if not html:
        return text[begin:end], begin > 0
    # Widen the window so that it cuts no tag, and no citation marker, in two.
    for opening, closing in (("<", ">"), ("<sup", "</sup>"), (_CITE, "</span>")):
        opened = lower.rfind(opening, 0, begin)
        if opened > lower.rfind(closing, 0, begin):
            begin = opened
    tag_end, tag_start = lower.find(">", end), lower.find("<", end)
    if tag_end >= 0 and (tag_start < 0 or tag_end < tag_start):  # the window ends inside a tag
        end = tag_end + 1
    return html_text(text[begin:end]), begin > 0


def _find(lower: str, word: str, *, html: bool) -> int:
    """Where ``word`` first starts a word of ``lower``, outside tags and citation markers; -1 if nowhere."""
    if not word.isascii():
        return -1
    at = lower.find(word)
    for _ in range(_MOST_CANDIDATES):
        if at < 0:
            return -1
        starts_word = at == 0 or not lower[at - 1].isalnum()
        if starts_word and not (html and _inside_markup(lower, at)):
            return at
        at = lower.find(word, at + 1)
    return -1


def _inside_markup(lower: str, at: int) -> bool:
    return (
        lower.rfind("<", 0, at) > lower.rfind(">", 0, at)
        or lower.rfind("<sup", 0, at) > lower.rfind("</sup>", 0, at)
        or lower.rfind(_CITE, 0, at) > lower.rfind("</span>", 0, at)  # a citation holds no other span
    )
