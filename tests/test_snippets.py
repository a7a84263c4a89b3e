"""Snippets made from the stored text of a hit (the search index keeps no copy of it)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.library.query import tokens
from db.library.snippets import CLOSE, ELLIPSIS, OPEN, hit_snippet, html_text, snippet, word_pattern, words_back


def _marked(text: str) -> list[str]:
    return re.findall(f"{OPEN}(.*?){CLOSE}", text)


def test_the_words_around_the_match_with_the_match_marked() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + " levetiracetam (Keppra) 500 mg " + " ".join("x" * 30)
    shown = snippet(text, word_pattern(tokens("keppra")))
    assert _marked(shown) == ["Keppra"]
    assert shown.startswith(ELLIPSIS + "w99 levetiracetam") and shown.endswith(ELLIPSIS)
    assert len(shown.strip(ELLIPSIS).split()) == 12


def test_the_last_word_is_a_prefix_and_earlier_words_are_whole() -> None:
    pattern = word_pattern(["cortical", "myo"])
    shown = snippet("Cortically placed. In cortical myoclonus, cortical reflex myopathy.", pattern)
    assert _marked(shown) == ["cortical", "myoclonus", "cortical", "myopathy"]


def test_the_window_with_most_different_words_is_chosen() -> None:
    filler = " ".join(["filler"] * 40)
    text = f"seizure alone here. {filler} myoclonic seizure together. {filler}"
    shown = snippet(text, word_pattern(["myoclonic", "seizure"]))
    assert _marked(shown) == ["myoclonic", "seizure"]


def test_accents_are_matched_as_the_index_does() -> None:
    assert _marked(snippet("Le café est là.", word_pattern(["cafe"]))) == ["café"]
    assert _marked(snippet("CAFE\u0301 noir", word_pattern(["café"]))) == ["CAFE\u0301"]


def test_without_a_match_the_opening_words() -> None:
    assert snippet("one two three", word_pattern(["zzz"])) == "one two three"
    assert snippet("one two three", None) == "one two three"
    assert snippet(" ".join(["w"] * 20), None) == " ".join(["w"] * 12) + ELLIPSIS


_CITED = '<span class="cite"><a href="#ref-1" title="[1] Keppra trial.">&nbsp;[1]&nbsp;</a></span>'


@pytest.mark.parametrize("citation", ['<sup class="cite">[<a href="#ref-1">1</a>]</sup>', _CITED])
def test_html_text_leaves_out_tags_and_citations(citation: str) -> None:
    html = f'<p>Levetiracetam{citation} and <a href="drug:x">x&amp;y</a></p>'
    assert html_text(html).split() == ["Levetiracetam", "and", "x&y"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), typed=st.text(max_size=40))
def test_any_text_and_any_query_give_a_snippet_with_balanced_marks(text: str, typed: str) -> None:
    pattern = word_pattern(tokens(typed))
    shown = snippet(html_text(text), pattern)
    assert shown.count(OPEN) == shown.count(CLOSE)
    assert len(shown.replace(ELLIPSIS, " ").split()) <= 12


@pytest.mark.parametrize("citation", ['<sup class="cite">[<a href="#ref-2">2</a>]</sup>', _CITED.replace("1", "2")])
def test_a_long_article_is_searched_outside_its_tags_and_citations(citation: str) -> None:
    filler = "<p>" + " ".join(["filler"] * 400) + "</p>"
    html = (
        f'{filler}<p><a href="drug:keppra" title="keppra">link</a> text{citation}'
        f"</p>{filler}<p>Here levetiracetam (Keppra) &amp; more.</p>{filler}"
    )
    shown = hit_snippet("A summary without it.", html, word_pattern(["keppra"]))
    assert _marked(shown) == ["Keppra"] and shown.startswith(ELLIPSIS) and "&" in shown
    assert "href" not in shown and "<" not in shown
    assert _marked(hit_snippet("Keppra in the summary.", html, word_pattern(["keppra"]))) == ["Keppra"]
    assert hit_snippet("The summary.", html, word_pattern(["2"])) == "The summary."  # a citation is not text
    assert hit_snippet("The summary.", html, None) == "The summary."


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(["<p>", "</p>", "<sup>[1]</sup>", '<a href="x">', "</a>", "word", " ", "kep"])),
    typed=st.text(alphabet="kepwordx ", max_size=12),
)
def test_any_long_html_gives_a_snippet_without_markup(pieces: list[str], typed: str) -> None:
    html = "".join(pieces) * 40
    shown = hit_snippet("lead", html, word_pattern(tokens(typed)))
    assert "<" not in shown and ">" not in shown and shown.count(OPEN) == shown.count(CLOSE)


_SPACED = st.text(alphabet=["a", "é", "(", " ", "\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1c", "\x85"], max_size=30)


@settings(max_examples=500, deadline=None)
@given(text=_SPACED, bounds=st.tuples(st.integers(0, 30), st.integers(0, 30)), count=st.sampled_from([0, 1, 2, 3]))
def test_where_a_snippet_starts_is_where_the_words_before_the_match_pattern_matches(
    text: str, bounds: tuple[int, int], count: int
) -> None:
    start, end = sorted(min(b, len(text)) for b in bounds)
    expected = re.compile(rf"(?:\S+\s+){{0,{count}}}\S*\Z").search(text, start, end)
    assert expected is not None  # the pattern matches the empty text at the end
    assert words_back(text, start, end, count) == expected.start()


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet="abkeKEpPr -_1\n", max_size=60),
    typed=st.text(alphabet="abkepr\u0131 K1", min_size=1, max_size=12),  # dotless i matches "I" ignoring case
)
def test_matches_in_ascii_text_are_all_the_patterns_matches(text: str, typed: str) -> None:
    words = word_pattern(tokens(typed))
    if words is None or words.plain is None:
        return
    expected = [(m.start(), m.group(0), m.lastindex) for m in words.plain.finditer(text)]
    assert [(m.start(), m.group(0), m.lastindex) for m in words.finditer(text)] == expected
