"""`python -m db check`: every kind of problem is reported as file:line: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.__main__ import main as db_main
from db.compiler.doses import parse_dose
from db.compiler.sources import load_sources
from db.model import ClassCategory, ReferenceKind, Role, TreatmentKind
from tests.minimal_content import ARTICLE, CLASSES, DRUGS, RECOMMENDATIONS, write_files


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems name files relative to the current folder: run from the folder the tree is in."""
    monkeypatch.chdir(tmp_path)


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


@pytest.mark.parametrize(
    ("file", "written", "wrong", "line", "message"),
    [
        (
            "drugs.toml",
            'name = "levetiracetam"',
            'name = "levetiracetam"\nkind = "pill"',
            4,
            "kind 'pill' is not one of drug, drug group",
        ),
        (
            "drugs.toml",
            'name = "levetiracetam"',
            'name = "levetiracetam"\nkind = ""',
            4,
            "kind '' is not one of drug, drug group",
        ),
        (
            "classes.toml",
            'category = "physiological"',
            'category = "anatomical"',
            4,
            "category 'anatomical' is not one of physiological, syndrome, general",
        ),
        (
            "recommendations.toml",
            'role = "first-line"',
            'role = "First-line"',
            4,
            "role 'First-line' is not one of first-line, mainstay, alternative, adjunct, last resort, "
            "controls associated epilepsy, reported ineffective",
        ),
        (
            "articles/test-article.md",
            'kind = "guideline"',
            'kind = "review"',
            12,
            "reference kind 'review' is not one of guideline, drug label, research, other",
        ),
    ],
)
def test_a_value_outside_its_vocabulary_is_named_with_the_allowed_ones(
    tmp_path: Path, file: str, written: str, wrong: str, line: int, message: str
) -> None:
    texts = {"drugs.toml": DRUGS, "classes.toml": CLASSES, "recommendations.toml": RECOMMENDATIONS}
    text = texts.get(file, ARTICLE)
    assert written in text
    found = problems_for(tmp_path, {file: text.replace(written, wrong, 1)})
    assert found == [f"resources/content/{file}:{line}: {message}"]


def test_vocabulary_fields_are_read_as_their_enums(tmp_path: Path) -> None:
    sources, problems = load_sources(write_files(tmp_path, {}))
    assert problems == []
    assert [r.role for r in sources.recommendations] == [Role.FIRST_LINE, Role.LAST_RESORT]
    assert {t.slug: t.kind for t in sources.treatments} == {
        "levetiracetam": TreatmentKind.DRUG,
        "ketogenic-diet": TreatmentKind.NON_DRUG,
    }
    assert [c.category for c in sources.classes] == [ClassCategory.PHYSIOLOGICAL, *[ClassCategory.SYNDROME] * 2]
    assert [r.kind for r in sources.articles[0].references] == [ReferenceKind.GUIDELINE, ReferenceKind.DRUG_LABEL]


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


@pytest.mark.parametrize("value", ["2025-02-30", "2025-3-30", "30-03-2025", "30/03/2025", "March 30, 2025"])
def test_a_bad_date_says_date_on_its_own_line(tmp_path: Path, value: str) -> None:
    found = problems_for(
        tmp_path, {"articles/test-article.md": ARTICLE.replace("updated = 2025-03-30", f"updated = {value}")}
    )
    assert found == [
        f"resources/content/articles/test-article.md:5: 'updated' is not a valid date: {value!r}; write a real "
        "date as YYYY-MM-DD without quotes, e.g. 2025-03-30 [nothing else is checked until this file parses]"
    ]


def test_a_date_with_a_time_is_shown_as_written(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, {"articles/test-article.md": ARTICLE.replace("updated = 2025-03-30", "updated = 2025-03-30T10:00:00")}
    )
    assert found == [
        "resources/content/articles/test-article.md:5: 'updated' must be a date written YYYY-MM-DD, "
        "without a time: not 2025-03-30T10:00:00"
    ]
    assert "datetime" not in found[0]


def test_a_toml_error_in_front_matter_names_the_file_line_only(tmp_path: Path) -> None:
    article = ARTICLE.replace('topic = "Myoclonus"', 'topic = "Myoclonus')
    found = problems_for(tmp_path, {"articles/test-article.md": article})
    assert len(found) == 1 and found[0].startswith("resources/content/articles/test-article.md:4: not valid TOML")
    assert "at line" not in found[0]


def test_a_file_that_does_not_parse_is_reported_alone(tmp_path: Path) -> None:
    """One missing ']' in drugs.toml: one problem, not one per recommendation that names a drug."""
    drugs = DRUGS.replace('brands = ["Keppra"]', 'brands = ["Keppra"')
    found = problems_for(tmp_path, {"drugs.toml": drugs})
    assert len(found) == 1 and found[0].startswith("resources/content/drugs.toml:"), found
    assert "not valid TOML" in found[0]


def test_bundled_drugs_with_one_bracket_removed_give_one_problem(tmp_path: Path) -> None:
    import shutil

    from db.paths import content_sources_dir

    root = tmp_path / "content"
    shutil.copytree(content_sources_dir(), root)
    text = (root / "drugs.toml").read_text(encoding="utf-8")
    (root / "drugs.toml").write_text(text.replace('brands = ["Keppra"]', 'brands = ["Keppra"', 1), encoding="utf-8")
    _sources, problems = load_sources(root)
    assert [p.file for p in problems] == ["content/drugs.toml"], problems


def test_paths_are_shown_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_files(tmp_path, {"drugs.toml": DRUGS.replace("500-3000", "500 - 3000")})
    assert db_main(["check", "--sources", "resources/content"]) == 1
    assert "\nresources/content/drugs.toml:6: dose" in "\n" + capsys.readouterr().err
    assert db_main(["check", "--sources", str(root)]) == 1  # absolute, inside the current folder
    assert "\nresources/content/drugs.toml:6: dose" in "\n" + capsys.readouterr().err


@pytest.mark.parametrize(
    ("markdown", "target"),
    [
        ('[x](drug:no-such "a title")', "drug:no-such"),
        ("[x][p]\n\n[p]: drug:no-such", "drug:no-such"),
        ('[x][p]\n\n[p]: class:no-such "title"', "class:no-such"),
        ("[x]\n\n[x]: article:no-such", "article:no-such"),
    ],
)
def test_every_link_form_is_checked(tmp_path: Path, markdown: str, target: str) -> None:
    found = problems_for(tmp_path, {"articles/test-article.md": ARTICLE + "\n" + markdown + "\n"})
    scheme, slug = target.split(":")
    assert any(f"link to {scheme}:{slug} goes nowhere" in p for p in found), found


@pytest.mark.parametrize(
    "target",
    ["drug:Levetiracetam", "drug:levetiracetam#dose", "class:cortical,post-hypoxic", "classes:cortical", "article:"],
)
def test_a_link_that_is_not_the_address_of_a_page_is_a_problem(tmp_path: Path, target: str) -> None:
    found = problems_for(tmp_path, {"articles/test-article.md": ARTICLE + f"\nSee [x]({target}).\n"})
    line = len(ARTICLE.splitlines()) + 2
    assert len(found) == 1 and found[0].startswith(f"resources/content/articles/test-article.md:{line}: link "), found
    assert target in found[0]


def test_a_reference_style_link_is_located_on_its_definition(tmp_path: Path) -> None:
    article = ARTICLE + "\nSee [primidone][p].\n\n[p]: drug:primidone\n"
    found = problems_for(tmp_path, {"articles/test-article.md": article})
    line = len(article.splitlines())
    assert found == [
        f"resources/content/articles/test-article.md:{line}: link to drug:primidone goes nowhere: no such drug"
    ]


@pytest.mark.parametrize(
    "markdown",
    [
        "[j]: javascript:alert(1)",
        "[x][j]\n\n[j]: JavaScript:alert(1)",
        '[x](javascript:alert(1) "t")',
        "<ftp://x.org/a>",
    ],
)
def test_unsafe_link_forms_are_rejected(tmp_path: Path, markdown: str) -> None:
    found = problems_for(tmp_path, {"articles/test-article.md": ARTICLE + "\n" + markdown + "\n"})
    assert any("is not allowed" in p for p in found), found


def test_autolinks_and_good_reference_links_pass(tmp_path: Path) -> None:
    article = ARTICLE + '\nSee <https://example.org/a> and [the drug][lev].\n\n[lev]: drug:levetiracetam "t"\n'
    assert problems_for(tmp_path, {"articles/test-article.md": article}) == []


def test_sources_is_accepted_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_files(tmp_path)
    assert db_main(["check", "--sources", str(root)]) == 0
    assert db_main(["--sources", str(root), "check"]) == 0
    assert db_main(["build", "--sources", str(root), "--out", str(tmp_path / "x.db")]) == 0
    assert (tmp_path / "x.db").is_file()


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
