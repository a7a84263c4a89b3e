"""`python -m db build`: the database carries the sources, deterministically."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.__main__ import main as db_main
from db.compiler.build import build
from db.errors import ContentError
from db.library import Library
from db.paths import content_sources_dir
from db.schema import APPLICATION_ID, SCHEMA_VERSION
from tests.minimal_content import DRUGS, write_files


def test_two_builds_are_byte_identical(tmp_path: Path, built_db: Path) -> None:
    again = tmp_path / "again.db"
    build(content_sources_dir(), again)
    assert again.read_bytes() == built_db.read_bytes()


def test_build_records_schema_and_manifest(built_db: Path) -> None:
    conn = sqlite3.connect(built_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    manifest = dict(conn.execute("SELECT key, value FROM manifest"))
    assert manifest["content_version"] and len(manifest["inputs_hash"]) == 64
    assert manifest["build_tool"].startswith("clinref-db-build/")


def test_inputs_hash_changes_with_sources(tmp_path: Path) -> None:
    first = build(write_files(tmp_path / "a"), tmp_path / "a.db")
    second = build(write_files(tmp_path / "b", {"drugs.toml": DRUGS + "\n"}), tmp_path / "b.db")
    assert first.inputs_hash != second.inputs_hash


def test_failed_build_leaves_existing_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "clinref.db"
    build(write_files(tmp_path / "good"), out)
    before = out.read_bytes()
    bad = write_files(tmp_path / "bad", {"drugs.toml": DRUGS.replace("500-3000", "lots")})
    with pytest.raises(ContentError) as raised:
        build(bad, out)
    assert "drugs.toml:6" in str(raised.value)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["clinref.db", "clinref.db.minisig"]


def test_build_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x" / "clinref.db"
    assert db_main(["build", "--out", str(out)]) == 0
    assert out.is_file() and "wrote" in capsys.readouterr().out
    assert db_main(["info", str(out)]) == 0
    assert "schema" in capsys.readouterr().out


def test_rendered_article_is_inert(tmp_path: Path) -> None:
    """Even markup that slips past the checks reaches the app as text, never as markup."""
    from db.compiler.render import render_markdown

    html = render_markdown(
        '<script>alert(1)</script> <img src="https://x.org/a.png" onerror="x()">\n\n'
        "[a](javascript:alert(1)) [b](https://example.org)"
    )
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert 'href="https://example.org"' in html


def test_a_citation_keeps_how_the_source_printed_it() -> None:
    from db.compiler.render import render_markdown

    html = render_markdown("propofol works [@1; printed as 152] and <b>[@2; <i>x</i>]</b>")
    assert '[<a href="#ref-1" title="Reference 1">1</a>; printed as 152]' in html
    assert "<i>" not in html and "<b>" not in html


def test_the_bare_152_shows_as_citation_1_in_the_article(library: Library) -> None:
    article = library.article("post-hypoxic-myoclonus-treatment")
    assert article is not None
    assert '">&nbsp;[1; printed as 152]&nbsp;</a></span>' in article.html


def test_citations_are_built_as_word_sized_links(tmp_path: Path) -> None:
    """Each number a link of its own, padded (the app adds the tooltips); the text index skips them."""
    from db.compiler.articles import read_article
    from db.compiler.render import article_html, plain_text

    path = tmp_path / "a.md"
    path.write_text(
        '+++\ntitle = "T"\nslug = "a"\ntopic = "x"\nupdated = 2025-01-01\nreview_status = "r"\n'
        '[[references]]\nnumber = 1\nkind = "research"\ntitle = "Trial <1>."\npublication = "J"\nyear = 2001\n'
        '[[references]]\nnumber = 2\nkind = "other"\ntitle = "U"\nlisted = false\nnote = "n"\n+++\n'
        "Dose stated [@1,2; printed as 152] here.\n",
        encoding="utf-8",
    )
    problems: list[object] = []
    article = read_article(path, "a.md", problems)  # type: ignore[arg-type]
    assert article is not None and problems == []
    html = article_html(article)
    assert (
        '<span class="cite"><a href="#ref-1">&nbsp;[1]&nbsp;</a>'
        '<a href="#ref-2">&nbsp;[2; printed as 152]&nbsp;</a></span>'
    ) in html
    assert "<sup" not in html
    assert plain_text(html).startswith("Dose stated here. References [1] Trial")


_MARKDOWN_PIECES = [
    *"ab *_`\\[]()!<>@:/.\n-#|1;",
    "  \n",
    "\n\n",
    "[@1]",
    "[@1,2; printed as 3]",
    "[x](drug:a)",
    "](drug:x)",
    "![i](https://a.b/c.png)",
    "<https://a.b>",
    "<a@b.c>",
    "**",
    "__",
    "``",
    "\\`",
    "[r]: https://a.b\n",
    "[r]",
    "| a | b |\n| - | - |\n| 1 | 2 |\n",
    "- item\n",
    "1. item\n",
]


@settings(max_examples=400, deadline=None)
@given(body=st.lists(st.sampled_from(_MARKDOWN_PIECES), max_size=60).map("".join))
def test_the_quicker_inline_processor_renders_what_markdown_renders(body: str) -> None:
    """db.compiler.dialect skips an inline pattern in a text lacking what it needs: never a different result."""
    import markdown

    from db.compiler.dialect import _ClinRefMarkdown, markdown_parser

    stock = markdown.Markdown(extensions=["tables", "sane_lists", _ClinRefMarkdown()], output_format="html")
    assert markdown_parser().convert(body) == stock.convert(body)
