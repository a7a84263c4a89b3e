"""`db.Library`: every method, on the bundled content, and every way a file can be unusable."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.errors import LibraryError
from db.library import Library
from db.library.search import BROAD_MATCHES
from db.model import Role, TreatmentKind
from db.schema import SCHEMA_VERSION


def test_keppra_finds_levetiracetam_first(library: Library) -> None:
    hits = library.search("keppra").hits
    assert (hits[0].kind, hits[0].slug) == ("drug", "levetiracetam")
    assert "500-3000 mg/day" in hits[0].detail


@pytest.mark.parametrize(
    ("brand", "slug"), [("Depakote", "valproic-acid"), ("klonopin", "clonazepam"), ("KEPPRA", "levetiracetam")]
)
def test_brand_names_find_their_drug(library: Library, brand: str, slug: str) -> None:
    assert library.search(brand).hits[0].slug == slug


@pytest.mark.parametrize("typed", ["l", "le", "lev", "leve", "levet", "levetir", "levetiracetam"])
def test_prefixes_match_as_you_type(library: Library, typed: str) -> None:
    slugs = [h.slug for h in library.search(typed).hits]
    assert "levetiracetam" in slugs


def test_misspelling_offers_a_correction(library: Library) -> None:
    results = library.search("levitiracetam")
    assert results.suggestion == "levetiracetam" and results.showing_suggestion
    assert results.hits[0].slug == "levetiracetam"
    assert library.suggest("clonazepan") == "clonazepam"
    assert library.suggest("levetiracetam") is None


def test_search_is_case_and_accent_insensitive(library: Library) -> None:
    assert library.search("LÉVETIRACETAM").hits[0].slug == "levetiracetam"


def test_source_spelling_quirk_still_finds_the_drug(library: Library) -> None:
    assert library.search("5-hydrotryptophan").hits[0].slug == "5-hydroxytryptophan"


def test_snippets_are_escaped_html(library: Library) -> None:
    for hit in library.search("myoclonus").hits:
        assert "<script" not in hit.snippet
        assert hit.snippet.count("<b>") == hit.snippet.count("</b>")


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "AND",
        "OR NOT",
        "*",
        "(",
        "((a",
        'lev" OR "x',
        "NEAR(a b)",
        "title:keppra",
        "^lev",
        "",
        "   ",
        "\x00",
        "💊",
        "a" * 5000,
        "-",
        "+",
    ],
)
def test_hostile_search_text_never_raises(library: Library, text: str) -> None:
    results = library.search(text)
    assert results.query == text
    for hit in results.hits:
        assert _opens(library, hit.url), hit.url


def _opens(library: Library, url: str) -> bool:
    kind, _, slug = url.partition(":")
    found = {"article": library.article, "drug": library.treatment, "class": library.class_page}[kind](slug)
    return found is not None


@pytest.mark.parametrize("text", ["keppra OR zzzzqq", "NEAR(keppra zzzzqq)", "zzzzqq:keppra", "keppra* OR zzzzqq"])
def test_fts_operators_are_plain_words(library: Library, text: str) -> None:
    """Typed operators are words that must match too, never FTS5 syntax that widens the search."""
    assert "drug:levetiracetam" not in [h.url for h in library.search(text).hits]


@pytest.mark.parametrize("text", ['"keppra"', "(keppra)", "keppra*", "^keppra"])
def test_punctuation_around_a_name_still_finds_it(library: Library, text: str) -> None:
    assert library.search(text).hits[0].url == "drug:levetiracetam"


# The one property test over search text: any Unicode, and strings built from FTS5's own syntax.
SEARCH_TEXT = st.text(max_size=40) | st.from_regex(r'[A-Za-z"*()\-:^ ]{0,20}(AND|OR|NOT|NEAR)?[A-Za-z"*() ]{0,20}')


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(text=SEARCH_TEXT)
def test_any_search_text_never_raises(library: Library, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both ways a search is answered: ranked, and broad (past BROAD_MATCHES rows, as in a large library).
    for broad_above in (BROAD_MATCHES, 0):
        monkeypatch.setattr("db.library.search.BROAD_MATCHES", broad_above)
        results = library.search(text)
        assert results.query == text
        for hit in results.hits:
            assert hit.url.split(":", 1)[0] in ("article", "drug", "class")
            assert hit.snippet.count("<b>") == hit.snippet.count("</b>")


def test_topic_tree(library: Library) -> None:
    tree = library.topics()
    slugs = [a.slug for group in tree.topics for a in group.articles]
    assert sorted(slugs) == ["myoclonus-treatment-options", "post-hypoxic-myoclonus-treatment"]
    physiological = [c.slug for c in tree.classes if c.category == "physiological"]
    assert physiological == [
        "cortical",
        "cortical-subcortical",
        "subcortical-nonsegmental",
        "segmental",
        "peripheral",
    ]  # functional myoclonus is not a physiological class in the sources
    assert next(c for c in tree.classes if c.slug == "functional").category == "syndrome"
    names = [d.name for d in tree.drugs]
    assert names == sorted(names, key=str.casefold) and "levetiracetam" in names
    assert all(t.kind is TreatmentKind.NON_DRUG for t in tree.therapies)
    assert "deep brain stimulation" in [t.name for t in tree.therapies]


def test_article(library: Library) -> None:
    article = library.article("myoclonus-treatment-options")
    assert article is not None
    assert article.updated == "2025-03-30"
    assert 'href="#ref-1"' in article.html and 'name="ref-1"' in article.html
    assert "60.4%" in article.html and "23.7%" in article.html
    label = next(r for r in article.references if r.number == 2)
    assert label.kind == "drug label" and not label.listed
    assert [r.year for r in article.references if r.listed] == [2025, 1995, 2011, 2016, 2003, 2020]
    assert library.article("nope") is None


def test_post_hypoxic_article_models_unlisted_citations(library: Library) -> None:
    article = library.article("post-hypoxic-myoclonus-treatment")
    assert article is not None and article.updated == "2025-04-18"
    assert [(r.number, r.listed) for r in article.references] == [
        (1, True),
        (2, True),
        (3, True),
        (4, False),
        (5, False),
    ]
    assert any("152" in q for q in article.quirks)


def test_drug_page(library: Library) -> None:
    page = library.treatment("levetiracetam")
    assert page is not None
    assert page.brands == ("Keppra",)
    assert page.dose is not None and (page.dose.low, page.dose.high, page.dose.unit, page.dose.per) == (
        500,
        3000,
        "mg",
        "day",
    )
    assert page.dose_source is not None and page.dose_source.article_slug == "myoclonus-treatment-options"
    assert {r.class_slug for r in page.recommendations} >= {"cortical", "juvenile-myoclonic-epilepsy"}
    assert {a.slug for a in page.articles} == {"myoclonus-treatment-options", "post-hypoxic-myoclonus-treatment"}
    assert library.treatment("nope") is None


@pytest.mark.parametrize(
    ("slug", "low", "high", "unit"),
    [
        ("valproic-acid", 750, 3000, "mg"),
        ("clonazepam", 1.5, 15, "mg"),
        ("piracetam", 8, 24, "g"),
        ("zonisamide", 100, 400, "mg"),
        ("perampanel", 4, 12, "mg"),
    ],
)
def test_every_dose_of_the_sources(library: Library, slug: str, low: float, high: float, unit: str) -> None:
    page = library.treatment(slug)
    assert page is not None and page.dose is not None
    assert (page.dose.low, page.dose.high, page.dose.unit, page.dose.per) == (low, high, unit, "day")


def test_class_page_includes_subclasses(library: Library) -> None:
    page = library.class_page("post-hypoxic")
    assert page is not None
    assert {c.slug for c in page.children} == {"post-hypoxic-acute", "lance-adams", "post-hypoxic-chronic"}
    classes = {r.class_slug for r in page.recommendations}
    assert {"post-hypoxic", "post-hypoxic-acute", "lance-adams"} <= classes


def test_treatments_for_classes_are_sorted_by_role(library: Library) -> None:
    recs = library.treatments_for(["cortical"])
    assert [r.treatment_slug for r in recs if r.role is Role.FIRST_LINE][:3]
    ranks = [r.role.rank for r in recs]
    assert ranks == sorted(ranks)
    assert {r.treatment_slug for r in recs if r.role is Role.FIRST_LINE} >= {
        "levetiracetam",
        "valproic-acid",
        "clonazepam",
    }


def test_reported_ineffective_sorts_last(library: Library) -> None:
    recs = library.treatments_for(["post-hypoxic"])
    assert recs[-1].role is Role.REPORTED_INEFFECTIVE and recs[-1].treatment_slug == "phenytoin"


def test_every_recommendation_names_its_source(library: Library) -> None:
    for cls in library.classes():
        for rec in library.treatments_for([cls.slug], include_subclasses=False):
            assert rec.source.article_slug and rec.source.article_title


def test_treatments_for_unknown_or_no_classes(library: Library) -> None:
    assert library.treatments_for([]) == ()
    assert library.treatments_for(["no-such-class"]) == ()


# -- unusable files ----------------------------------------------------------------------


def _fails(path: Path, fragment: str) -> LibraryError:
    with pytest.raises(LibraryError) as raised:
        Library(path)
    assert raised.value.path == str(path)
    assert fragment in str(raised.value)
    assert str(path) in str(raised.value)
    return raised.value


def test_missing_file(tmp_path: Path) -> None:
    _fails(tmp_path / "nope.db", "does not exist")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    _fails(path, "is empty")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(bytes(range(256)) * 64)
    _fails(path, "not a SQLite database")


def test_truncated_file(tmp_path: Path, built_db: Path) -> None:
    path = tmp_path / "cut.db"
    path.write_bytes(built_db.read_bytes()[: built_db.stat().st_size // 2])
    _fails(path, "truncated")


def test_foreign_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    _fails(path, "not ClinRef content")


def test_newer_schema(tmp_path: Path, built_db: Path) -> None:
    path = tmp_path / "newer.db"
    shutil.copy(built_db, path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    error = _fails(path, "newer ClinRef")
    assert "Update ClinRef" in error.advice


def test_read_only_folder(tmp_path: Path, built_db: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(built_db, folder / "clinref.db")
    (folder / "clinref.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        with Library(folder / "clinref.db") as lib:
            assert lib.search("keppra").hits
    finally:
        folder.chmod(0o755)


def test_library_never_writes(tmp_path: Path, built_db: Path) -> None:
    path = tmp_path / "clinref.db"
    shutil.copy(built_db, path)
    before = path.read_bytes()
    with Library(path) as lib:
        lib.search("keppra")
        lib.topics()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            lib._connection().execute("CREATE TABLE x (y)")
    assert path.read_bytes() == before


def test_running_library_imports_no_qt_and_no_build_tools(built_db: Path) -> None:
    code = (
        "import sys, db; db.Library(sys.argv[1]).search('keppra'); "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'sqlite_utils', 'markdown', 'nh3') or m.startswith('db.compiler')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(built_db)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=4, max_size=20, alphabet=st.characters(categories=["Ll"])))
def test_suggest_never_raises(library: Library, word: str) -> None:
    suggestion = library.suggest(word)
    assert suggestion is None or suggestion != word


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("clonazepam", "drug:clonazepam"),
        ("clon", "drug:clonazepam"),
        ("cortical", "class:cortical"),
        ("propofol", "drug:propofol"),
        ("Lance-Adams syndrome", "class:lance-adams"),
    ],
)
def test_the_page_named_comes_first(library: Library, typed: str, first: str) -> None:
    """Enter opens the first hit: a name typed in full must not lose to a page that mentions it often."""
    assert library.search(typed).hits[0].url == first
