"""Class views from the Library: everything that applies, one row per treatment, a dose with its use and source."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from db.library import Library
from db.model import DoseState, Inheritance, PageAddress, PageScheme, Role, TreatmentRow

DOSE_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*-\s*\d+(?:\.\d+)?\s*(?:mg|g|mcg|IU|units)\b")


def _row(library: Library, classes: list[str], slug: str) -> TreatmentRow:
    return next(r for r in library.class_view(classes).rows if r.treatment_slug == slug)


def test_the_ancestry_is_written_once_by_the_build(built_db: Path) -> None:
    with sqlite3.connect(built_db) as conn:
        rows = set(conn.execute("SELECT class_slug, ancestor_slug, depth FROM class_ancestors"))
        classes = [slug for (slug,) in conn.execute("SELECT slug FROM classes")]
    assert {(slug, slug, 0) for slug in classes} <= rows
    assert ("lance-adams", "post-hypoxic", 1) in rows and ("post-hypoxic-acute", "post-hypoxic", 1) in rows
    assert not any(c == "post-hypoxic" and a == "lance-adams" for c, a, _ in rows)


@pytest.mark.parametrize("slug", ["post-hypoxic-acute", "lance-adams", "post-hypoxic"])
def test_the_phenytoin_warning_shows_in_every_post_hypoxic_view(library: Library, slug: str) -> None:
    rows = library.class_view([slug]).rows
    assert rows[-1].treatment_slug == "phenytoin" and rows[-1].ineffective
    assert rows[-1].role is Role.REPORTED_INEFFECTIVE
    expected = Inheritance.OWN if slug == "post-hypoxic" else Inheritance.ANCESTOR
    assert rows[-1].inheritance is expected
    if slug != "post-hypoxic":
        assert rows[-1].said_of() == "said of Post-hypoxic myoclonus"


def test_statements_about_myoclonus_in_general_apply_to_every_class(library: Library) -> None:
    for cls in library.classes():
        rows = library.class_view([cls.slug]).rows
        assert "physical-therapy" in {r.treatment_slug for r in rows}, cls.slug


def test_each_treatment_once_per_view(library: Library) -> None:
    classes = [c.slug for c in library.classes()]
    for chosen in [[c] for c in classes] + [classes, ["cortical", "reticular-reflex"]]:
        slugs = [r.treatment_slug for r in library.class_view(chosen).rows]
        assert len(slugs) == len(set(slugs)), chosen
        assert slugs, chosen


def test_ineffective_rows_come_last_in_every_view(library: Library) -> None:
    for cls in library.classes():
        flags = [r.ineffective for r in library.class_view([cls.slug]).rows]
        assert flags == sorted(flags), cls.slug


def test_cortical_first_line_doses_come_from_myoclonus_in_general(library: Library) -> None:
    row = _row(library, ["cortical"], "levetiracetam")
    assert row.role is Role.FIRST_LINE
    assert row.dose.state is DoseState.OTHER_USE and row.dose.dose is not None
    assert row.dose.dose.text == "500-3000 mg/day"
    assert row.dose.use == "first-line, Myoclonus (any type)"
    assert row.dose.text() == (
        "500-3000 mg/day · first-line, Myoclonus (any type) · Treatment options for myoclonus, uncited in source"
    )


def test_a_dose_given_for_the_class_itself_is_for_this_use(library: Library) -> None:
    row = _row(library, ["cortical"], "zonisamide")
    assert row.dose.state is DoseState.THIS_USE and row.dose.use == "alternative, Cortical"


def test_a_drug_dose_for_another_use_says_which_and_where(library: Library) -> None:
    """Piracetam's range is given for post-hypoxic myoclonus, cited 1: in Cortical it says so, never bare."""
    row = _row(library, ["cortical"], "piracetam")
    assert row.dose.state is DoseState.OTHER_USE
    assert "post-hypoxic" in row.dose.use and row.dose.source is not None and row.dose.source.citations == (1,)


def test_no_dose_in_the_sources_is_said_in_words(library: Library) -> None:
    row = _row(library, ["post-hypoxic-acute"], "propofol")
    assert row.dose.state is DoseState.NONE and row.dose.text() == "no dose in the sources"


def test_no_dose_number_without_its_use_and_source_in_any_view(library: Library) -> None:
    for cls in library.classes():
        for row in library.class_view([cls.slug]).rows:
            text = row.dose.text()
            if DOSE_NUMBER.search(text):
                assert row.dose.use and row.dose.source is not None, (cls.slug, row.treatment_slug)
                assert row.dose.use in text and row.dose.source.label() in text
            else:
                assert text == "no dose in the sources", (cls.slug, row.treatment_slug, text)


def test_evidence_is_what_the_content_holds(library: Library) -> None:
    acute = _row(library, ["post-hypoxic-acute"], "benzodiazepines").evidence
    assert acute.kinds == ("research",) and acute.hedges == ("anecdotal",) and not acute.uncited
    zonisamide = _row(library, ["cortical"], "zonisamide").evidence
    assert zonisamide.uncited and "may" in zonisamide.hedges and zonisamide.kinds == ()


def test_every_entry_keeps_its_source(library: Library) -> None:
    row = _row(library, ["cortical"], "levetiracetam")
    direct = library.treatments_for(["cortical", "myoclonus-general"], include_subclasses=False)
    expected = {r.source for r in direct if r.treatment_slug == "levetiracetam"}
    assert set(row.sources) == expected and len(row.entries) == len(
        [r for r in direct if r.treatment_slug == "levetiracetam"]
    )


def test_unknown_or_no_classes(library: Library) -> None:
    assert library.class_view([]).rows == ()
    assert library.class_view(["no-such-class"]).rows == ()


def test_the_class_page_has_the_same_rows(library: Library) -> None:
    page = library.class_page("lance-adams")
    assert page is not None and page.rows == library.class_view(["lance-adams"]).rows


def test_lance_adams_entries_say_they_control_the_associated_epilepsy(library: Library) -> None:
    rows = library.class_view(["lance-adams"]).rows
    for slug in ("valproic-acid", "clonazepam", "levetiracetam"):
        own = [e for r in rows if r.treatment_slug == slug for e in r.entries if e.inheritance is Inheritance.OWN]
        assert [e.recommendation.role for e in own] == [Role.ASSOCIATED_EPILEPSY]
        assert "epilepsy associated with Lance-Adams" in own[0].recommendation.note


def test_derived_entries_are_marked_as_such(library: Library) -> None:
    row = _row(library, ["unknown-cause"], "levetiracetam")
    derived = [e for e in row.entries if e.recommendation.derived]
    assert derived and all(e.recommendation.class_slug == "unknown-cause" for e in derived)
    assert row.evidence.derived and "(derived)" in row.sources_text()
    assert not any(e.recommendation.derived for e in _row(library, ["cortical"], "levetiracetam").entries)


def test_a_citation_read_from_a_misprint_says_so_in_the_article(library: Library) -> None:
    """The bare '152' in the source is read as citation 1: the article shows that, not a plain [1]."""
    from desktop.pages import Pages

    page = Pages(library, "Verify").page_for(PageAddress(PageScheme.ARTICLE, "post-hypoxic-myoclonus-treatment"))
    assert page is not None
    assert "[1; printed as 152]" in page.html
    assert page.html.count("printed as") == 1


def test_class_and_drug_pages_never_show_a_bare_dash_for_a_dose(library: Library) -> None:
    from desktop.pages import class_page, drug_page

    for cls in library.classes():
        page = library.class_page(cls.slug)
        assert page is not None
        html = class_page(page, "notice")
        treatments = html.split("<h2>Treatments</h2>", 1)[1]
        assert "&mdash;" not in treatments and "\u2014" not in treatments, cls.slug
        for row in page.rows:
            if row.dose.dose is not None:
                assert row.dose.use in treatments.replace("&#x27;", "'"), (cls.slug, row.treatment_slug)
    for drug in library.topics().drugs:
        treatment = library.treatment(drug.slug)
        assert treatment is not None, drug.slug
        drug_html = drug_page(treatment, "notice")
        assert "&mdash;" not in drug_html, drug.slug
