"""`python -m db import`: article exports in both layouts to drafts and a review report."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.__main__ import main as db_main
from db.compiler.export import read_export
from db.compiler.importer import Catalogue, draft_text, import_export, load_catalogue, review_report
from db.paths import content_sources_dir

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
_CHECKOUT = Path(__file__).resolve().parents[1]
#: The shared seeds lie beside the checkout (CI) or beside the folder of worktrees.
SEEDS = next(
    (p / "shared" / "seeds" for p in (_CHECKOUT.parent, _CHECKOUT.parent.parent) if (p / "shared" / "seeds").is_dir()),
    _CHECKOUT.parent / "shared" / "seeds",
)
FURNITURE_TEXT = (
    "Medical Advisory Board",
    "Educational purpose only",
    "Article Review Status",
    "Under Review",
    "View editorial policy",
    "Personalize",
    "Help us tailor your experience",
    "Which best describes you?",
    "Professional Medical Disclaimer",
    "This information is intended for healthcare professionals",
    "Have a follow-up question?",
    "Our Medical A.I.",
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(content_sources_dir())


def _front(draft: str) -> dict[str, object]:
    return tomllib.loads(draft.split("+++\n")[1])


def _quirks(front: dict[str, object]) -> list[dict[str, str]]:
    quirks = front["quirks"]
    assert isinstance(quirks, list)
    return quirks


def _body(draft: str) -> str:
    return draft.split("+++\n", 2)[2]


def _import(tmp_path: Path, name: str, catalogue: Catalogue) -> tuple[str, str]:
    result = import_export(EXPORTS / name, tmp_path, catalogue, topic="Imported drafts")
    return result.draft_path.read_text(encoding="utf-8"), result.report


def test_sections_layout(tmp_path: Path, catalogue: Catalogue) -> None:
    draft, report = _import(tmp_path, "sections-layout.txt", catalogue)
    front = _front(draft)
    assert front["draft"] is True
    assert front["title"] == "What is the treatment for spinal segmental myoclonus (rhythmic spinal jerks)?"
    assert str(front["updated"]) == "2025-06-02" and front["review_status"] == "pending human review"
    body = _body(draft)
    assert re.findall(r"^## .*", body, re.M) == [
        "## From the guidelines",
        "## From the drug label",
        "## From the research",
    ]
    assert re.findall(r"^### .*", body, re.M) == ["### Key Considerations", "### Symptomatic Treatment"]
    export_bullets = [ln for ln in (EXPORTS / "sections-layout.txt").read_text().splitlines() if "•" in ln]
    export_bullets = [b for b in export_bullets if not b.startswith("Educational")]
    assert len(re.findall(r"^- ", body, re.M)) == len(export_bullets) == 6
    assert "reduced the jerks in most reported patients [@1,2]." in body
    assert "effective in case reports [@3]" in body
    assert "limited by sedation [@2]." in body and "reference_id" not in body
    assert "in small series 241." in body, "a bare number is left as the export has it"
    assert "38. 5%" in body and "Levetiracetem" in body, "nothing is fixed silently"
    refs = front["references"]
    assert isinstance(refs, list)
    assert [(r["number"], r["kind"], r.get("year"), r.get("listed", True)) for r in refs] == [
        (1, "guideline", 2025, True),
        (2, "research", 2019, True),
        (3, "research", 2021, True),
        (4, "other", None, False),
    ]
    assert refs[1]["title"] == "Spinal myoclonus: a review of 40 cases."
    assert refs[1]["publication"] == "Movement disorders clinical practice"
    quirks = " | ".join(q["text"] for q in _quirks(front))
    for expected in (
        "'[reference_id: 2]'",
        "bare number '241'",
        "'38. 5%'",
        "citation 4 points past",
        "'levetiracetem'",
    ):
        assert expected in quirks, expected
    assert all(q["resolution"].startswith("Not yet resolved") for q in _quirks(front))
    assert "line 25: clonazepam: 0.5-6 mg/day" in report and "citations on the line: 1, 2" in report
    assert "line 26: no drug name recognised before it: 1000-3000 mg/day" in report
    assert "tetrabenazine: lines 37" in report
    assert "No recommendation is proposed" in report


def test_topics_layout(tmp_path: Path, catalogue: Catalogue) -> None:
    draft, report = _import(tmp_path, "topics-layout.txt", catalogue)
    front = _front(draft)
    body = _body(draft)
    assert str(front["updated"]) == "2025-09-14"
    assert re.findall(r"^## .*", body, re.M) == [
        "## First-Line Medications",
        "## Dosing Summary",
        "## Second-Line Options",
    ]
    assert "is not enough [@1,2]\n" in body, "the summary paragraph is kept, its citations converted"
    assert "| Propranolol | 40 mg/day | 60-320 mg/day |" in body and "| Primidone | 25 mg/day | 50-750 mg/day |" in body
    assert "despite medication [@3,4]" in body and "[@5]" in body
    quirks = " | ".join(q["text"] for q in _quirks(front))
    for expected in ("'52. 3%'", "bare number '318'", "'[reference_id: 3]'", "citation 5 points past", "'clonazepan'"):
        assert expected in quirks, expected
    for dose in ("60-320 mg/day", "50-750 mg/day", "200-400 mg/day"):
        assert dose in report
    assert "line 22: Propranolol (not in the catalogue): 60-320 mg/day" in report
    assert "citations on the line: 1, 2" in report
    assert "deep-brain-stimulation: lines 36" in report


@pytest.mark.parametrize("name", ["sections-layout.txt", "topics-layout.txt"])
def test_no_furniture_in_a_draft(tmp_path: Path, catalogue: Catalogue, name: str) -> None:
    draft, report = _import(tmp_path, name, catalogue)
    for text in FURNITURE_TEXT:
        assert text not in _body(draft), text
    assert "dropped as page furniture: lines 3-16" in report


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seeds are not beside the checkout")
def test_the_seed_exports(tmp_path: Path, catalogue: Catalogue) -> None:
    first = import_export(SEEDS / "000_b4104c897ddacba1.txt", tmp_path, catalogue, topic="T")
    second = import_export(SEEDS / "002_0062268808dc0616.txt", tmp_path, catalogue, topic="T")
    assert "line 44: the number '60. 4%' is split" in first.report
    assert "citation 7 points past the reference list" in first.report
    assert "'5-hydrotryptophan': a recorded misspelling of '5-hydroxytryptophan'" in first.report
    assert "line 30: levetiracetam (Keppra): 500-3000 mg/day" in first.report
    assert "line 31: piracetam: 8-24 g/day" in first.report and "citations on the line: 1)" in first.report
    assert "bare number '152'" in second.report and "'[reference_id: 1]' (2 times on this line)" in second.report


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exports = [str(EXPORTS / "sections-layout.txt"), str(EXPORTS / "topics-layout.txt")]
    assert db_main(["import", *exports, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("(draft = true)") == 2 and "Dose ranges" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "first-line-treatment-for-essential-tremor.md",
        "treatment-for-spinal-segmental-myoclonus.md",
    ]
    before = (tmp_path / "first-line-treatment-for-essential-tremor.md").read_bytes()
    from tests.minimal_content import write_files

    root = write_files(tmp_path / "checkout")
    assert db_main(["import", exports[0], "--sources", str(root)]) == 0, "default: the sources' articles folder"
    assert (root / "articles" / "treatment-for-spinal-segmental-myoclonus.md").is_file()
    capsys.readouterr()
    assert db_main(["import", exports[1], "--out", str(tmp_path)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert (tmp_path / "first-line-treatment-for-essential-tremor.md").read_bytes() == before


_FURNITURE_LINES = [
    "Medical Advisory BoardAll articles are reviewed for accuracy by our Medical Advisory Board",
    "Educational purpose only • Exercise caution as content is pending human review",
    "Article Review Status",
    "Last updated: March 30, 2025View editorial policy",
    "Personalize",
    "Help us tailor your experience",
    "Which best describes you? Your choice helps us use language that's most understandable for you.",
    "Have a follow-up question?",
    "Our Medical A.I. is used by practicing medical doctors at top research institutions around the world.",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=2000))
def test_any_text_never_raises(tmp_path: Path, text: str) -> None:
    from db.compiler.articles import read_article
    from db.errors import Problem

    export = read_export(text)
    draft = draft_text(export, "x", "export.txt", topic="T")
    tomllib.loads(draft.split("+++\n")[1])  # the front matter is always valid TOML
    path = tmp_path / "x.md"
    path.write_text(draft, encoding="utf-8")
    problems: list[Problem] = []
    article = read_article(path, "x.md", problems)
    assert article is not None and article.draft, problems  # a draft always parses as an article
    review_report(
        export,
        Catalogue({"lev": ("levetiracetam", "Keppra")}, {"c": ("Cortical", "cortical myoclonus")}),
        Path("e"),
        Path("d"),
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_FURNITURE_LINES),
            st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=80).filter(
                lambda s: not any(f.split()[0] in s for f in _FURNITURE_LINES)
            ),
            st.just(""),
        ),
        max_size=40,
    )
)
def test_furniture_never_leaks_into_a_draft(lines: list[str]) -> None:
    export = read_export("\n".join(["A title", "", *lines]))
    body = "\n".join(line for _n, line in export.body)
    for furniture in _FURNITURE_LINES:
        assert furniture not in body
    assert export.title == "A title" or not export.title


# -- drafts ------------------------------------------------------------------------------------


def _content_with_draft(tmp_path: Path) -> Path:
    from tests.minimal_content import write_files

    root = write_files(tmp_path)
    import_export(
        EXPORTS / "topics-layout.txt",
        root / "articles",
        load_catalogue(root),
        topic="Imported drafts",
        condition="myoclonus",
    )
    return root


def test_check_accepts_a_draft_as_a_draft_and_says_what_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _content_with_draft(tmp_path)
    assert db_main(["check", "--sources", str(root)]) == 0
    out = capsys.readouterr().out
    todos = [line for line in out.splitlines() if "draft: to do:" in line]
    assert all("first-line-treatment-for-essential-tremor.md:" in line for line in todos)
    text = " | ".join(todos)
    for expected in (
        "rewrite it in the project's words",
        "4 note(s) on the source not yet resolved",
        "reference(s) 5 are cited but not in the export's list",
        "choose the article's topic",
        "write a one- or two-sentence summary",
        "no recommendation names this article yet",
        "delete draft = true",
    ):
        assert expected in text, expected
    assert "1 draft(s), which the build refuses" in out


def test_build_refuses_a_draft_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _content_with_draft(tmp_path)
    out = tmp_path / "clinref.db"
    assert db_main(["build", "--sources", str(root), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "first-line-treatment-for-essential-tremor.md:4: this article is a draft" in err
    assert "--include-drafts" in err and not out.exists()
    assert db_main(["build", "--sources", str(root), "--out", str(out), "--include-drafts"]) == 0
    # An up-to-date preview build is not taken for a release build of the same sources.
    assert db_main(["build", "--sources", str(root), "--out", str(out), "--if-changed"]) == 1
    assert "this article is a draft" in capsys.readouterr().err

    from db.library import Library

    with Library(out) as library:
        draft = library.article("first-line-treatment-for-essential-tremor")
        finished = library.article("test-article")
        hit = next(h for h in library.search("propranolol").hits if h.kind == "article")
    assert hit.detail.endswith("· DRAFT, not reviewed"), "a preview's search results say which articles are drafts"
    assert draft is not None and draft.draft
    assert finished is not None and not finished.draft


def test_a_draft_article_page_carries_the_banner() -> None:
    from dataclasses import replace

    from db.model import Article
    from desktop.pages import article_page

    article = Article("a", "A title", "A", "T", "2025-01-01", "pending human review", "", "", "<p>x</p>", (), (), ())
    assert "DRAFT, NOT REVIEWED" not in article_page(article, "verify")
    assert "DRAFT, NOT REVIEWED" in article_page(replace(article, draft=True), "verify")
