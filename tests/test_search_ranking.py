"""Search that answers the question behind the words (dose and route words are hints), and the
article page built from whatever a content file holds."""

from __future__ import annotations

from html import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.library import Library
from db.library.search import DOSE_WORDS, split_hints
from db.model import Article, Reference
from desktop.pages import article_page, reference_tip


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("propofol dose", "drug:propofol#dose"),
        ("keppra dose", "drug:levetiracetam#dose"),
        ("keppra iv", "drug:levetiracetam#dose"),
        ("keppra 500 mg", "drug:levetiracetam#dose"),
        ("propofol dos", "drug:propofol#dose"),  # on the way to "dose"
        ("clonazepam oral maximum", "drug:clonazepam#dose"),
        ("kep", "drug:levetiracetam"),
        ("treatment of post-hypoxic", "article:post-hypoxic-myoclonus-treatment"),
        ("what is the treatment for post-hypoxic", "article:post-hypoxic-myoclonus-treatment"),
        ("treatment options for myoclonus", "article:myoclonus-treatment-options"),
        ("cortical", "class:cortical"),
    ],
)
def test_the_page_asked_for_comes_first(library: Library, typed: str, first: str) -> None:
    hits = library.search(typed).hits
    assert hits and hits[0].url == first, [h.url for h in hits]


def test_an_article_is_found_by_its_short_title_and_its_topic(library: Library) -> None:
    by_short = {h.url for h in library.search("Treatment of post-hypoxic myoclonus").hits}
    assert "article:post-hypoxic-myoclonus-treatment" in by_short
    by_topic = {h.url for h in library.search("myoclonus").hits}
    assert {"article:post-hypoxic-myoclonus-treatment", "article:myoclonus-treatment-options"} <= by_topic


def test_only_drug_hits_open_at_the_dose(library: Library) -> None:
    hits = library.search("propofol dose").hits
    assert all(h.anchor == ("dose" if h.kind == "drug" else "") for h in hits)
    assert not any(h.anchor for h in library.search("propofol").hits)


def test_a_misspelt_drug_with_a_dose_word_is_offered_not_taken(library: Library) -> None:
    results = library.search("levitiracetam dose")
    assert results.showing_suggestion and results.suggestion == "levetiracetam dose"
    assert results.hits[0].url == "drug:levetiracetam#dose"


def test_dose_words_alone_are_still_searched(library: Library) -> None:
    assert split_hints(["dose"]) == (["dose"], False)
    assert split_hints(["propofol", "dose"]) == (["propofol"], True)
    assert split_hints(["propofol"]) == (["propofol"], False)
    assert split_hints(["lance", "adams"]) == (["lance", "adams"], False)


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=6))
def test_split_hints_always_leaves_words_to_match(words: list[str]) -> None:
    required, dosing = split_hints(words)
    assert required and set(required) <= set(words)
    assert dosing == (len(required) < len(words))
    assert not dosing or any(w in DOSE_WORDS or w.isdigit() or len(w) >= 2 for w in words)


# -- the article page's notes and citations, from whatever a content file holds ------------------


@settings(max_examples=150, deadline=None)
@given(
    html=st.lists(
        st.sampled_from([*'<>"/ab h2p[]#ref-1,;&\n', "<h2>", "</h2>", "<p>", "</p>", '<li class="ref">'])
    ).map("".join),
    quirk=st.text(),
    title=st.text(),
)
def test_article_page_takes_any_html_and_escapes_the_notes(html: str, quirk: str, title: str) -> None:
    cited = f'{html}<span class="cite"><a href="#ref-1">&nbsp;[1]&nbsp;</a><a href="#ref-2">&nbsp;[2]&nbsp;</a></span>'
    article = Article(
        "slug",
        "Title",
        "Short",
        "Topic",
        "2025-01-01",
        "draft",
        "",
        "Export 1.txt",
        cited,
        (),
        (Reference(1, "research", title, "Journal", 2001, True, ""),),
        (quirk,),
    )
    closed = article_page(article, "Notice", notes_open=False)
    opened = article_page(article, "Notice", notes_open=True)
    assert "Taken from" not in closed and "Taken from: Export 1.txt" in opened
    assert "<script" not in opened.replace("&lt;script", "")
    if quirk:
        assert escape(quirk) in opened
    # each citation link carries its reference, or that the article lists none, as a tooltip
    tip = f'<a href="#ref-1" title="{escape(reference_tip(article.references[0]))}">&nbsp;[1]&nbsp;</a>'
    assert tip in closed and tip in opened
    assert '<a href="#ref-2" title="[2] Cited but not in this article&#x27;s reference list.">&nbsp;[2]' in closed
