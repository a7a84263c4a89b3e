"""Search text is normalised before it is split into words: the same letters find the same pages, however encoded."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.library import Library
from db.library.query import normalise, tokens

ACCENTS = "\u0301\u0300\u0302\u0308\u0303\u0327"  # acute, grave, circumflex, diaeresis, tilde, cedilla
NAMES = ("clonazepam", "valproic acid", "levetiracetam", "piracetam", "zonisamide", "cortical", "post-hypoxic")

_fixture_settings = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def accented(draw: st.DrawFn) -> tuple[str, str]:
    """A drug or class name, and the name with accents put on some of its letters."""
    name = draw(st.sampled_from(NAMES))
    letters = []
    for letter in name:
        letters.append(letter)
        if letter.isalpha() and draw(st.booleans()):
            letters.append(draw(st.sampled_from(ACCENTS)))
    return name, "".join(letters)


@_fixture_settings
@given(accented())
def test_composed_and_decomposed_accents_find_the_same_pages(library: Library, named: tuple[str, str]) -> None:
    name, text = named
    composed, decomposed = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    found = library.search(composed)
    assert library.search(decomposed).hits == found.hits
    assert library.suggest(decomposed) == library.suggest(composed)
    # The accents are the index's to ignore: what was typed finds what the bare name finds.
    assert found.hits, f"{text!r} found nothing"
    assert [hit.url for hit in found.hits] == [hit.url for hit in library.search(name).hits]


@_fixture_settings
@given(st.text(alphabet=st.sampled_from("abcdeilmnoprtz AEIO" + ACCENTS + "éèàçñüö"), max_size=24))
def test_any_mix_of_letters_and_accents_gives_the_same_hits_composed_or_not(library: Library, text: str) -> None:
    composed, decomposed = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert library.search(composed).hits == library.search(decomposed).hits
    assert tokens(composed) == tokens(decomposed)


def test_a_decomposed_accent_does_not_split_a_word() -> None:
    assert tokens("valpro\u0301ic acid") == ["valproic", "acid"]
    assert tokens("Clonaze\u0301pam") == tokens("Clonazépam") == ["clonazepam"]
    assert tokens("STRAẞE") == ["straße"]  # lower-cased as the index does, not case-folded to "strasse"


def test_a_decomposed_drug_name_finds_the_drug(library: Library) -> None:
    for typed in ("valpro\u0301ic", "clonaze\u0301pam"):
        results = library.search(typed)
        assert results.hits and results.hits[0].url in ("drug:valproic-acid", "drug:clonazepam")
        assert normalise(typed) in results.hits[0].url
