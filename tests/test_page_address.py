"""Page addresses: one parser and one formatter, and the text of every saved address unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.library import Library
from db.model import SLUG, PageAddress, PageScheme
from db.userdata.store import UserData
from desktop.pages import Pages

FIXTURES = Path(__file__).parent / "fixtures" / "userdata"

_slugs = st.from_regex(SLUG, fullmatch=True)
_fragments = st.one_of(st.just(""), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]*", fullmatch=True))


@st.composite
def _addresses(draw: st.DrawFn) -> PageAddress:
    scheme = draw(st.sampled_from(PageScheme))
    slugs = draw(st.lists(_slugs, min_size=1, max_size=4 if scheme is PageScheme.CLASSES else 1))
    return PageAddress(scheme, ",".join(slugs), draw(_fragments))


@given(_addresses())
def test_every_address_reads_back_as_written(address: PageAddress) -> None:
    assert PageAddress.parse(str(address)) == address


@given(st.text())
def test_parse_never_raises_and_reads_only_what_it_writes(text: str) -> None:
    address = PageAddress.parse(text)
    assert address is None or str(address) == text


@given(st.sampled_from(PageScheme), st.text())
def test_parse_never_raises_after_a_known_scheme(scheme: PageScheme, rest: str) -> None:
    address = PageAddress.parse(f"{scheme.value}:{rest}")
    assert address is None or (address.scheme is scheme and str(address) == f"{scheme.value}:{rest}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drug:levetiracetam", PageAddress(PageScheme.TREATMENT, "levetiracetam")),
        ("drug:propofol#dose", PageAddress(PageScheme.TREATMENT, "propofol", "dose")),
        ("drug:physical-therapy", PageAddress(PageScheme.TREATMENT, "physical-therapy")),
        ("article:options#ref-2", PageAddress(PageScheme.ARTICLE, "options", "ref-2")),
        ("class:cortical", PageAddress(PageScheme.CLASS, "cortical")),
        ("classes:cortical,reticular-reflex", PageAddress.class_view(["cortical", "reticular-reflex"])),
    ],
)
def test_the_addresses_clinref_writes(text: str, expected: PageAddress) -> None:
    assert PageAddress.parse(text) == expected and str(expected) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "drug",
        "drug:",
        "drug:Clonazepam",
        "drug:clonazepam#",
        "drug:clonazepam\n",
        "drug:clon azepam",
        "drug:-clonazepam",
        "drug:a,b",
        "classes:",
        "classes:a,,b",
        "classes:a,",
        "Drug:clonazepam",
        "treatment:clonazepam",
        "notes:show",
        "https://example.org/",
        "javascript:alert(1)",
        "drug:x#a b",
        "drug:x#ref-1#ref-2",
    ],
)
def test_text_that_is_not_an_address(text: str) -> None:
    assert PageAddress.parse(text) is None


def test_a_class_view_names_its_classes_and_a_page_drops_its_place() -> None:
    view = PageAddress.class_view(["cortical", "reticular-reflex"])
    assert view.slugs == ("cortical", "reticular-reflex") and not view.scheme.is_page
    dose = PageAddress(PageScheme.TREATMENT, "propofol", "dose")
    assert str(dose) == "drug:propofol#dose" and dose.page == PageAddress(PageScheme.TREATMENT, "propofol")
    # From a damaged content file: written, and read back as no address (its page is "not found").
    assert PageAddress.parse(str(PageAddress(PageScheme.CLASS, "Not a slug", "a place?"))) is None


def test_a_store_saved_before_the_address_type_still_opens(tmp_path: Path, library: Library) -> None:
    """A user's store written by an earlier ClinRef: every bookmark and visit still names its page."""
    path = tmp_path / "userdata.sqlite"
    shutil.copy(FIXTURES / "store-2026-12.sqlite", path)
    with UserData(path) as store:
        urls = [b.url for b in store.bookmarks()] + [v.url for v in store.recent()]
    assert len(urls) == 8, urls
    pages = Pages(library, "Verify")
    classes = {c.slug for c in library.classes()}
    for url in urls:
        address = PageAddress.parse(url)
        assert address is not None and str(address) == url, url
        if address.scheme.is_page:
            page = pages.page_for(address)
            assert page is not None and page.url == url, url
        else:  # a class view: the Treatments panel chooses its classes again
            assert set(address.slugs) <= classes, url
    assert {PageAddress.parse(url).scheme for url in urls} == set(PageScheme)  # type: ignore[union-attr]
