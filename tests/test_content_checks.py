"""`python -m db check`: every kind of problem is reported as file:line: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.__main__ import main as db_main
from db.compiler.doses import parse_dose
from db.compiler.sources import load_sources
from tests.minimal_content import ARTICLE, CLASSES, DRUGS, RECOMMENDATIONS, write_files


def problems_for(tmp_path: Path, replace: dict[str, str]) -> list[str]:
    root = write_files(tmp_path, replace)
    _sources, problems = load_sources(root)
    return [str(p) for p in problems]


def test_minimal_content_is_clean(tmp_path: Path) -> None:
    assert problems_for(tmp_path, {}) == []


def test_bundled_content_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert db_main(["check"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_citation_without_reference_names_file_and_line(tmp_path: Path) -> None:
    article = ARTICLE.replace("23.7% [@2]", "23.7% [@2,9]")
    found = problems_for(tmp_path, {"articles/test-article.md": article})
    line = article.splitlines().index(next(ln for ln in article.splitlines() if "[@2,9]" in ln)) + 1
    assert found == [
        f"resources/content/articles/test-article.md:{line}: citation 9 has no reference: "
        "add a [[references]] entry numbered 9 (listed = false if the source cites it "
        "without listing it)"
    ]


def test_malformed_citation(tmp_path: Path) -> None:
    found = problems_for(tmp_path, {"articles/test-article.md": ARTICLE.replace("[@1]", "[@one]")})
    assert any("malformed citation" in p for p in found)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("treatment", "levetiracetum", "unknown treatment 'levetiracetum'"),
        ("class", "cortex", "unknown class 'cortex'"),
        ("article", "no-such-article", "unknown article 'no-such-article'"),
        ("role", "second-line", "role 'second-line' is not one of"),
    ],
)
def test_recommendation_naming_unknowns(tmp_path: Path, field: str, value: str, message: str) -> None:
    original = {
        "treatment": '"levetiracetam"',
        "class": '"cortical"',
        "article": '"test-article"',
        "role": '"first-line"',
    }[field]
    recs = RECOMMENDATIONS.replace(f"{field} = {original}", f'{field} = "{value}"', 1)
    found = problems_for(tmp_path, {"recommendations.toml": recs})
    assert any(p.startswith("resources/content/recommendations.toml:") and message in p for p in found), found


def test_recommendation_with_no_source_citation(tmp_path: Path) -> None:
    recs = RECOMMENDATIONS.replace("citations = [1]", "citations = []", 1)
    found = problems_for(tmp_path, {"recommendations.toml": recs})
    assert any("needs its citation numbers" in p for p in found)


def test_citation_of_recommendation_must_exist_in_article(tmp_path: Path) -> None:
    recs = RECOMMENDATIONS.replace("citations = [1]", "citations = [1, 8]", 1)
    found = problems_for(tmp_path, {"recommendations.toml": recs})
    assert any("citation 8 is not in the references of 'test-article'" in p for p in found)


@pytest.mark.parametrize("dose", ["500 to 3000 mg/day", "3000-500 mg/day", "500-3000 mg", "five-10 mg/day"])
def test_dose_that_does_not_parse(tmp_path: Path, dose: str) -> None:
    drugs = DRUGS.replace('dose = "500-3000 mg/day"', f'dose = "{dose}"')
    found = problems_for(tmp_path, {"drugs.toml": drugs})
    assert any(p.startswith("resources/content/drugs.toml:6: dose") and "does not parse" in p for p in found), found


def test_dose_must_match_its_source_text(tmp_path: Path) -> None:
    drugs = DRUGS.replace('dose = "500-3000 mg/day"', 'dose = "500-4000 mg/day"')
    found = problems_for(tmp_path, {"drugs.toml": drugs})
    assert any("does not appear in the text of 'test-article'" in p for p in found)


def test_bad_date(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, {"articles/test-article.md": ARTICLE.replace("updated = 2025-03-30", 'updated = "March 30, 2025"')}
    )
    assert found == [
        "resources/content/articles/test-article.md:5: 'updated' must be a date written "
        "YYYY-MM-DD, not 'March 30, 2025'"
    ]


def test_impossible_date_is_a_toml_error_on_its_line(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, {"articles/test-article.md": ARTICLE.replace("updated = 2025-03-30", "updated = 2025-02-30")}
    )
    assert found[0].startswith("resources/content/articles/test-article.md:5: not valid TOML")


def test_duplicate_slug(tmp_path: Path) -> None:
    copy = ARTICLE.replace('slug = "test-article"', 'slug = "test-article"')
    root = write_files(tmp_path, {"articles/test-article-copy.md": copy})
    _sources, problems = load_sources(root)
    messages = [str(p) for p in problems]
    assert any("test-article-copy.md:3: slug 'test-article' must match the file name" in m for m in messages)


def test_duplicate_class_slug(tmp_path: Path) -> None:
    classes = CLASSES + '\n[[class]]\nslug = "cortical"\nname = "Again"\ncategory = "physiological"\n'
    found = problems_for(tmp_path, {"classes.toml": classes})
    assert any("duplicate class slug 'cortical'" in p for p in found)


def test_link_to_nothing(tmp_path: Path) -> None:
    found = problems_for(tmp_path, {"articles/test-article.md": ARTICLE.replace("(class:cortical)", "(class:cortex)")})
    assert any("link to class:cortex goes nowhere" in p for p in found)


@pytest.mark.parametrize(
    "line", ["<script>alert(1)</script>", "![x](https://example.org/x.png)", "[x](javascript:alert(1))"]
)
def test_unsafe_markdown_is_rejected(tmp_path: Path, line: str) -> None:
    found = problems_for(tmp_path, {"articles/test-article.md": ARTICLE + f"\n{line}\n"})
    assert found and all("test-article.md:" in p for p in found)


def test_unknown_field_catches_typos(tmp_path: Path) -> None:
    found = problems_for(tmp_path, {"drugs.toml": DRUGS.replace("brands =", "brand =")})
    assert any("unknown field 'brand'" in p for p in found)


def test_unlisted_reference_needs_a_note(tmp_path: Path) -> None:
    article = ARTICLE.replace('note = "Cited but not listed."\n', "")
    found = problems_for(tmp_path, {"articles/test-article.md": article})
    assert any("missing field 'note'" in p for p in found)


def test_same_brand_on_two_drugs(tmp_path: Path) -> None:
    drugs = DRUGS + '\n[[drug]]\nslug = "other"\nname = "other"\nbrands = ["keppra"]\n'
    found = problems_for(tmp_path, {"drugs.toml": drugs})
    assert any("'keppra' is used by both 'levetiracetam' and 'other'" in p for p in found)


def test_check_command_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_files(tmp_path, {"drugs.toml": DRUGS.replace("500-3000", "500 - 3000")})
    assert db_main(["--sources", str(root), "check"]) == 1
    err = capsys.readouterr().err
    assert "drugs.toml:6: dose '500 - 3000 mg/day' does not parse" in err


def test_parse_dose() -> None:
    dose = parse_dose("1.5-15 mg/day")
    assert dose is not None and (dose.low, dose.high, dose.unit, dose.per) == (1.5, 15.0, "mg", "day")
    assert parse_dose("8-24 g/day") is not None
    assert parse_dose("24-8 g/day") is None


def test_a_drug_dose_needs_its_context(tmp_path: Path) -> None:
    found = problems_for(tmp_path, {"drugs.toml": DRUGS.replace('dose_context = "in cortical myoclonus"\n', "")})
    assert any("a dose needs 'dose_context'" in p for p in found), found


def test_a_drug_dose_is_never_silently_uncited(tmp_path: Path) -> None:
    found = problems_for(tmp_path, {"drugs.toml": DRUGS.replace("dose_citations = [1]", "dose_citations = []")})
    assert any("a dose needs its citation numbers" in p and "dose_uncited = true" in p for p in found), found
    uncited = DRUGS.replace("dose_citations = [1]", "dose_citations = []\ndose_uncited = true")
    assert problems_for(tmp_path / "ok", {"drugs.toml": uncited}) == []


@pytest.mark.parametrize("text", ["2.5-10 mg/day", "15-10 mg/day", "5-10 mg/days", "0.5-10 mg/day"])
def test_a_dose_must_stand_whole_in_its_source(tmp_path: Path, text: str) -> None:
    from db.compiler.doses import appears_as_written

    assert not appears_as_written("5-10 mg/day", f"Give {text} now.")
    assert appears_as_written("5-10 mg/day", "Give 5-10 mg/day, then review.")
    assert appears_as_written("5-10 mg/day", "The range is 5-10 mg/day.")


def test_a_cited_dose_must_sit_beside_its_citation(tmp_path: Path) -> None:
    """Citation 2 supports the responder rates, not the dose: the check says so."""
    recs = RECOMMENDATIONS.replace("citations = [1]", "citations = [2]", 1)
    found = problems_for(tmp_path, {"recommendations.toml": recs})
    assert any(
        "dose '500-3000 mg/day' is given in 'test-article' only beside citations [1], not [2]" in p for p in found
    ), found
