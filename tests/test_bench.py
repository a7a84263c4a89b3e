"""The benchmark corpus generator writes content the real check and build accept (no timings here)."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytestqt.modeltest import ModelTester

from bench.generate import CorpusSpec, GeneratedCorpus, cached, generate
from db.__main__ import main as db_main
from db.compiler.build import build
from db.compiler.mentions import mentions as _mentions
from db.compiler.render import article_html, plain_text
from db.compiler.sources import read_sources
from db.compiler.tree import ContentSources
from db.library import Library

SMALL = CorpusSpec(articles=30, drugs=20, classes=8, recommendations=60, seed=7)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCorpus:
    return generate(tmp_path_factory.mktemp("corpus") / "sources", SMALL)


@pytest.fixture(scope="module")
def corpus_sources(corpus: GeneratedCorpus) -> ContentSources:
    """The corpus read once (0.4 s a time); tests that vary it change a copy."""
    return read_sources(corpus.root)


@pytest.fixture(scope="module")
def corpus_db(corpus: GeneratedCorpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "clinref.db"
    build(corpus.root, out)
    return out


def test_generated_sources_pass_the_check(corpus: GeneratedCorpus, capsys: pytest.CaptureFixture[str]) -> None:
    assert db_main(["--sources", str(corpus.root), "check"]) == 0
    assert "ok: 30 articles, 26 treatments, 8 classes, 60 recommendations" in capsys.readouterr().out


def test_generated_sources_build_and_a_brand_name_finds_its_drug(corpus: GeneratedCorpus, corpus_db: Path) -> None:
    with Library(corpus_db) as library:
        assert library.manifest.article_count == 30
        hits = library.search(corpus.brand).hits
        assert (hits[0].kind, hits[0].slug) == ("drug", corpus.brand_drug)
        assert library.article(corpus.largest_article) is not None


def test_the_largest_article_is_several_times_the_usual(corpus: GeneratedCorpus) -> None:
    sizes = sorted(p.stat().st_size for p in (corpus.root / "articles").glob("*.md"))
    largest = (corpus.root / "articles" / f"{corpus.largest_article}.md").stat().st_size
    assert largest == sizes[-1] and largest > 3 * sizes[len(sizes) // 2]
    assert 1000 <= corpus.median_words <= 1600


def test_same_seed_same_bytes_and_the_cache_knows_it(corpus: GeneratedCorpus, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", SMALL)
    for path in [*sorted((corpus.root / "articles").glob("*.md"))[:5], corpus.root / "recommendations.toml"]:
        assert (again.root / path.relative_to(corpus.root)).read_bytes() == path.read_bytes()
    assert cached(again.root, SMALL) is not None
    assert cached(again.root, CorpusSpec(articles=31, drugs=20, classes=8, recommendations=60, seed=7)) is None


def test_generator_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(tmp_path, SMALL)
    assert (tmp_path / "notes.txt").exists()


def test_broad_searches_list_name_matches_first(corpus_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the corpus were large: more rows match 'm' than a search ranks one by one.
    monkeypatch.setattr("db.library.search.BROAD_MATCHES", 10)
    with Library(corpus_db) as library:
        assert len(library.search("m", limit=10_000).hits) > 30  # all that match 'm': past BROAD_MATCHES
        hits = library.search("m").hits
        assert len(hits) == 30
        kinds = [h.kind for h in hits]
        assert kinds == sorted(kinds, key=["drug", "class", "article"].index)  # treatments, classes, articles
        assert all(h.snippet.count("<b>") == h.snippet.count("</b>") for h in hits)


# -- the faster mention finder in db.build gives exactly what the one-pattern-per-treatment scan gave --


def _mentions_by_scanning(sources: ContentSources, texts: dict[str, str]) -> list[dict[str, str]]:
    """The build's original definition: every treatment's names as one pattern, searched in every article."""
    pairs: set[tuple[str, str]] = set()
    for article in sources.articles:
        for address, _line in article.links:
            if address.scheme.value == "drug":
                pairs.add((address.slug, article.slug))
    for rec in sources.recommendations:
        pairs.add((rec.treatment, rec.article))
    for treatment in sources.treatments:
        names = [treatment.name, *treatment.brands, *treatment.synonyms]
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
        for article in sources.articles:
            if pattern.search(texts[article.slug]):
                pairs.add((treatment.slug, article.slug))
    return [{"treatment_slug": t, "article_slug": a} for t, a in sorted(pairs)]


def test_mentions_match_the_scan_on_a_generated_corpus(corpus_sources: ContentSources) -> None:
    sources = corpus_sources
    texts = {a.slug: plain_text(article_html(a)) for a in sources.articles}
    assert _mentions(sources, texts) == _mentions_by_scanning(sources, texts)


# Letters that match others when case is ignored: the Kelvin sign, long s, dotted and dotless i.
_TRICKY = "\u212a\u017f\u0130\u0131\u00df\u00e9"
_NAMEISH = st.text(alphabet="abcKs -5" + _TRICKY, min_size=1, max_size=6).filter(lambda s: s.strip() == s and s)


@settings(max_examples=150, deadline=None)
@given(names=st.lists(_NAMEISH, min_size=1, max_size=4, unique_by=str.casefold), seed=st.integers(0, 10**6))
def test_mentions_match_the_scan_for_any_names_and_text(
    corpus_sources: ContentSources, names: list[str], seed: int
) -> None:
    rng = random.Random(seed)
    first = corpus_sources.treatments[0]
    sources = dataclasses.replace(
        corpus_sources,
        treatments=[dataclasses.replace(first, name=names[0], brands=tuple(names[1:]))],
        recommendations=[],
        articles=[dataclasses.replace(article, links=[]) for article in corpus_sources.articles[:3]],
    )
    pieces = [*names, "x", " ", "-", "K", "ss", "e", "5", *_TRICKY]
    texts = {a.slug: "".join(rng.choice(pieces) for _ in range(40)) for a in sources.articles}
    assert _mentions(sources, texts) == _mentions_by_scanning(sources, texts)


def test_topics_can_leave_long_topics_for_later(corpus_db: Path) -> None:
    with Library(corpus_db) as library:
        full = library.topics()
        lazy = library.topics(most_articles=0)
        assert [g.topic for g in lazy.topics] == [g.topic for g in full.topics]
        assert all(not g.articles for g in lazy.topics)
        assert [library.topic_articles(g.topic) for g in full.topics] == [g.articles for g in full.topics]
        assert (lazy.classes, lazy.drugs, lazy.therapies) == (full.classes, full.drugs, full.therapies)


def test_lazy_topic_tree_makes_long_groups_when_opened(qtmodeltester: ModelTester, corpus_db: Path) -> None:
    from desktop.topic_model import LazyTopicModel

    with Library(corpus_db) as library:
        model = LazyTopicModel(library.topics(most_articles=0), library.topic_articles)
        articles = model.indexFromItem(model.groups["Articles"])
        first_topic = model.index(0, 0, articles)
        assert model.rowCount(first_topic) == 0 and model.hasChildren(first_topic)
        assert model.canFetchMore(first_topic)
        model.fetchMore(first_topic)
        assert model.rowCount(first_topic) == len(library.topic_articles(str(first_topic.data())))
        assert not model.canFetchMore(first_topic)
        qtmodeltester.check(model)


# -- python -m bench --json / --from-json --update-readme (no measuring: figures made up here) --


def _figures(build_s: float, size: float, app: float, bare: float) -> dict[str, object]:
    keys = {"median_ms": 5.0, "p95_ms": 9.0, "max_ms": 12.0, "n": 60}
    return {
        "content": "2 articles",
        "build_s": build_s,
        "size_bytes": size,
        "app_startup_s": app,
        "bare_startup_s": bare,
        "startup_pair_ratio_median": app / bare,
        "xvfb_app_startup_s": app * 2,
        "xvfb_bare_startup_s": bare * 2,
        "xvfb_frozen_startup_s": 0.300,  # python -m bench --frozen DIR
        "xvfb_frozen_startup_pair_ratio_median": 1.2,
        "app_rss_mb": 70.0,
        "bare_rss_mb": 54.0,
        "search_keystroke": keys,
        "keystrokes": 60,
        "library_search": keys,
        "open_laid_out": keys,
        "open_painted": keys,
        "open_article": {"slug": "a", "characters": 8000},
        "slowest_keystrokes": [["k", 12.0]],
        "words": ["keppra"],
    }


def test_json_figures_make_both_readme_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.run import MARKS, Corpus, main, meta, read_json, update_readmes, write_json

    info = {**meta(), "load_average_end": [1.0, 1.0, 1.0], "seconds": 100.0}
    assert {"python", "pyside6", "qt", "sqlite", "cpus", "load_average_start"} <= info.keys()
    corpora = [
        Corpus("bundled", Path(), [], "", "", _figures(0.2, 3e5, 0.150, 0.120)),
        Corpus("10,000 articles", Path(), [], "", "", _figures(70.0, 290e6, 0.140, 0.120)),
    ]
    write_json(tmp_path / "bench.json", info, corpora, 7)
    for name, (begin, end) in MARKS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# before\n{begin}\nold figures\n{end}\n# after\n", encoding="utf-8")
    assert main(["--from-json", str(tmp_path / "bench.json")]) == 0
    update_readmes(*read_json(tmp_path / "bench.json"), root=tmp_path)
    summary = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "old figures" not in summary and summary.startswith("# before") and summary.endswith("# after\n")
    build_row = "| database build / size | 0.2 s / 0.3 MB | 70.0 s / 290.0 MB | ≤ 75 s / ≤ 300 MB at 10k: met / met |"
    assert build_row in summary
    assert "150 ms (120 ms): 1.25x" in summary and "300 ms (240 ms): 1.25x" in summary
    assert f"PySide6 {info['pyside6']}" in summary
    full = (tmp_path / "bench" / "README.md").read_text(encoding="utf-8")
    assert full.split("<!-- bench:results -->")[1].split("<!-- /bench:results -->")[0] in capsys.readouterr().out
    xvfb_row = "| start-up ratio under Xvfb (median of the interleaved pairs' ratios) | 1.25x | 1.17x | ≤ 1.3x: met |"
    assert xvfb_row in full
    assert "| memory above the bare window | +16 MB | +16 MB | ≤ 30 MB: met |" in full
    frozen_row = "| start-up to first paint, under Xvfb, frozen bundle (bare window) | 300 ms (240 ms): 1.25x | "
    assert frozen_row in summary
    assert "frozen bundle / bare window (median of the interleaved pairs' ratios) | 1.25x (1.20x) |" in full
    assert "start-up to first paint offscreen, ClinRef's frozen bundle" not in full  # not measured offscreen here


# -- the build renders articles in a pool of processes without changing a byte --


@pytest.mark.slow
def test_a_pool_build_is_byte_identical_to_a_serial_one(
    corpus: GeneratedCorpus, corpus_db: Path, tmp_path: Path
) -> None:
    serial = tmp_path / "serial.db"
    build(corpus.root, serial, workers=1)
    pooled = tmp_path / "pooled.db"
    build(corpus.root, pooled, workers=2)
    assert serial.read_bytes() == corpus_db.read_bytes()  # 30 articles: the default is serial
    assert pooled.read_bytes() == serial.read_bytes()


def test_the_search_index_keeps_no_second_copy_of_the_text(corpus: GeneratedCorpus, corpus_db: Path) -> None:
    conn = sqlite3.connect(corpus_db)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert "search" in tables and "search_content" not in tables  # contentless: no shadow copy of the text
    leads = {lead for (lead,) in conn.execute("SELECT lead FROM search_rows WHERE kind = 'article'")}
    assert leads == {""}  # an article's text is kept once: its summary and HTML in articles
    with Library(corpus_db) as library:
        drug = library.search(corpus.drug).hits[0]
        assert drug.slug == corpus.drug
        article_hits = [h for h in library.search("myoclonus").hits if h.kind == "article"]
        assert article_hits and all(h.snippet and h.title and h.detail.startswith("Article") for h in article_hits)


@pytest.mark.slow
def test_articles_read_in_the_pool_report_the_same_problems(corpus: GeneratedCorpus, tmp_path: Path) -> None:
    """A pooled build refuses broken sources with exactly the problems the serial check lists."""
    from db.compiler.build import read_and_render
    from db.compiler.sources import load_sources
    from db.errors import ContentError

    root = tmp_path / "sources"
    shutil.copytree(corpus.root, root)
    first, second = sorted((root / "articles").glob("*.md"))[:2]
    first.write_text(first.read_text(encoding="utf-8").replace("title = ", "title = 5 #", 1), encoding="utf-8")
    with second.open("a", encoding="utf-8") as body:
        body.write("\nA citation [@99] with raw <b>HTML</b> and ![an image](https://example.org/a.png)\n")
    _sources, serial = load_sources(root)
    with pytest.raises(ContentError) as refused:
        read_and_render(root, workers=2)
    assert len(serial) >= 4 and refused.value.problems == serial
