"""Study mode without Qt: cards against the content, scheduling in the user's store, content updates, Anki export."""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.library import Library
from db.model import PageAddress, PageScheme, Recommendation, Role, SourceRef
from db.paths import content_sources_dir
from db.study import DRUGS_DECK, AnswerLine, Card, CardKind, Statement, generate_cards
from db.study.anki import FIELDS, ExportError, write_apkg
from db.study.cards import fingerprint
from db.study.queue import counts, next_card
from db.study.render import answer_html, question_html
from db.userdata import UserData
from db.userdata.reviews import Reviews
from db.userdata.store import SCHEMA_VERSION
from tests.kill_mid_write import run_and_kill

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cards(library: Library) -> tuple[Card, ...]:
    return generate_cards(library)


def _said(recs: list[Recommendation]) -> list[tuple[str, object]]:
    return [(r.note, r.source) for r in recs]


def _by_value(recs: list[Recommendation], value: str) -> dict[str, list[tuple[str, object]]]:
    grouped: dict[str, list[Recommendation]] = defaultdict(list)
    for rec in recs:
        key = {"role": rec.role.value, "treatment": rec.treatment_name, "dose": rec.dose.text if rec.dose else ""}
        grouped[key[value]].append(rec)
    return {k: list(dict.fromkeys(_said(v))) for k, v in grouped.items()}


def _answer(card: Card) -> dict[str, list[tuple[str, object]]]:
    return {line.text: [(s.text, s.source) for s in line.statements] for line in card.lines}


# -- every card against the content ------------------------------------------------------


def test_every_card_answer_is_the_content_row_it_names(library: Library, cards: tuple[Card, ...]) -> None:
    classes = {c.slug: c for c in library.classes()}
    checked: defaultdict[CardKind, int] = defaultdict(int)
    for card in cards:
        kind, *key = card.card_id.split(":")
        if card.kind in (CardKind.ROLE, CardKind.OPTIONS, CardKind.INEFFECTIVE, CardKind.CLASS_DOSE):
            class_slug = key[-1] if card.kind in (CardKind.ROLE, CardKind.CLASS_DOSE) else key[0]
            assert class_slug in classes and card.deck == class_slug and str(card.page) == f"class:{class_slug}"
            rows = list(library.treatments_for([class_slug], include_subclasses=False))
            if card.kind is CardKind.ROLE:
                assert kind == "role"
                expected = _by_value([r for r in rows if r.treatment_slug == key[0]], "role")
            elif card.kind is CardKind.CLASS_DOSE:
                assert kind == "dose"
                expected = _by_value([r for r in rows if r.treatment_slug == key[0] and r.dose], "dose")
            elif card.kind is CardKind.OPTIONS:
                assert kind == "options"
                expected = _by_value([r for r in rows if r.role.value == key[1]], "treatment")
            else:
                assert kind == "ineffective"
                expected = _by_value([r for r in rows if r.role is Role.REPORTED_INEFFECTIVE], "treatment")
            assert expected and _answer(card) == expected, card.card_id
        elif card.kind is CardKind.DOSE:
            page = library.treatment(key[0])
            assert page is not None and page.dose is not None and card.deck == DRUGS_DECK
            assert str(card.page) == f"drug:{page.slug}"
            assert _answer(card) == {page.dose.text: [(page.dose_context, page.dose_source)]}
            assert page.dose_context, "a dose card always says what the dose is for"
        else:
            assert card.kind is CardKind.BRAND and kind == "brand"
            owners = [d for d in library.topics().drugs if key[0] in d.brands]
            assert len(owners) == 1
            assert card.answer == owners[0].name and str(card.page) == f"drug:{owners[0].slug}"
        checked[card.kind] += 1
    assert set(checked) == set(CardKind), checked


def test_every_structured_fact_has_its_card(library: Library, cards: tuple[Card, ...]) -> None:
    ids = {c.card_id for c in cards}
    for rec in library.treatments_for([c.slug for c in library.classes()], include_subclasses=False):
        assert f"role:{rec.treatment_slug}:{rec.class_slug}" in ids
        if rec.role is Role.REPORTED_INEFFECTIVE:
            assert f"ineffective:{rec.class_slug}" in ids
        else:
            assert f"options:{rec.class_slug}:{rec.role.value}" in ids
        if rec.dose:
            assert f"dose:{rec.treatment_slug}:{rec.class_slug}" in ids
    for drug in library.topics().drugs:
        page = library.treatment(drug.slug)
        assert page is not None
        assert (f"dose:{drug.slug}" in ids) == (page.dose is not None)
        assert all(f"brand:{brand}" in ids for brand in drug.brands)


def test_a_reported_ineffective_warning_is_a_card(cards: tuple[Card, ...]) -> None:
    card = next(c for c in cards if c.card_id == "ineffective:post-hypoxic")
    assert card.answer == "phenytoin"
    assert card.question == "Which treatment is reported ineffective in Post-hypoxic myoclonus?"


def test_every_answer_shows_where_it_comes_from(cards: tuple[Card, ...]) -> None:
    for card in cards:
        for line in card.lines:
            assert line.statements
            for statement in line.statements:
                shown = statement.provenance()
                if statement.source is None:
                    assert card.kind is CardKind.BRAND
                elif statement.source.citations:
                    assert f"[{statement.source.citations[0]}" in shown and str(card.source_url).startswith("article:")
                else:
                    assert shown.endswith("uncited in source")


def test_the_jme_responder_rates_stay_in_the_note_with_the_drug_label(cards: tuple[Card, ...]) -> None:
    card = next(c for c in cards if c.card_id == "role:levetiracetam:juvenile-myoclonic-epilepsy")
    (line,) = card.lines
    (statement,) = line.statements
    assert "60.4% with levetiracetam (N=54) vs 23.7% with placebo (N=59)" in statement.text
    assert statement.provenance() == "Treatment options for myoclonus [2] (drug label)"
    assert str(card.source_url) == "article:myoclonus-treatment-options#ref-2"


def test_identities_are_unique_and_stable(library: Library, cards: tuple[Card, ...]) -> None:
    assert len({c.card_id for c in cards}) == len(cards)
    assert generate_cards(library) == cards


def test_nothing_comes_from_a_draft_article(library: Library, cards: tuple[Card, ...]) -> None:
    draft = "post-hypoxic-myoclonus-treatment"
    assert any(s.source and s.source.article_slug == draft for c in cards for ln in c.lines for s in ln.statements)
    kept = generate_cards(library, drafts=frozenset({draft}))
    assert kept and len(kept) < len(cards)
    for card in kept:
        assert all(s.source is None or s.source.article_slug != draft for ln in card.lines for s in ln.statements)


# -- content updates ---------------------------------------------------------------------


def _variant(tmp_path: Path, name: str, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of the bundled sources with ``file: (old, new)`` replaced once each, built to a database."""
    from db.compiler.build import build

    root = tmp_path / name
    shutil.copytree(content_sources_dir(), root)
    for relative, (old, new) in edits.items():
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, (relative, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    out = tmp_path / f"{name}.db"
    build(root, out)
    return out


def test_a_changed_dose_marks_exactly_its_cards_and_resets_them(tmp_path: Path) -> None:
    before = _variant(tmp_path, "before", {})
    # One dose: zonisamide in cortical myoclonus. The content holds it twice, as the drug's range and in
    # the recommendation, both checked against the article's line, so the edit touches all three.
    after = _variant(
        tmp_path,
        "after",
        {
            "articles/myoclonus-treatment-options.md": (
                "[zonisamide](drug:zonisamide) 100-400 mg/day",
                "[zonisamide](drug:zonisamide) 100-300 mg/day",
            ),
            "drugs.toml": ('dose = "100-400 mg/day"', 'dose = "100-300 mg/day"'),
            "recommendations.toml": ('dose = "100-400 mg/day"', 'dose = "100-300 mg/day"'),
        },
    )
    now = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
    with Library(before) as lib:
        old = {c.card_id: c for c in generate_cards(lib)}
    with Library(after) as lib:
        new = {c.card_id: c for c in generate_cards(lib)}
    assert old.keys() == new.keys()
    with UserData(tmp_path / "user" / "userdata.db") as store:
        reviews = Reviews(store)
        first = reviews.sync([(i, c.fingerprint) for i, c in old.items()], "v1", now)
        assert first.new == len(old) and first.message() is None
        for card_id in old:
            assert reviews.rate(card_id, 4, now) is not None  # Easy: due days later
        later = now + timedelta(days=1)
        report = reviews.sync([(i, c.fingerprint) for i, c in new.items()], "v2", later)
        assert set(report.changed) == {"dose:zonisamide", "dose:zonisamide:cortical"}
        assert report.new == 0 and report.retired == ()
        assert report.message() == "2 cards changed in content v2: their schedules were reset."
        states = reviews.states()
        for card_id, state in states.items():
            if card_id in report.changed:
                assert state.updated_in == "v2" and state.reviews == 0 and state.is_due(later)
                assert new[card_id].answer == "100-300 mg/day"
            else:
                assert state.updated_in == "" and state.reviews == 1 and not state.is_due(later)
        # The same release again changes nothing.
        assert reviews.sync([(i, c.fingerprint) for i, c in new.items()], "v2", later).message() is None


def test_a_dose_changed_in_one_row_marks_exactly_that_card(tmp_path: Path) -> None:
    before = _variant(tmp_path, "before", {})
    # Only the drug's range changes (the article gains the new figure so the build's check still holds);
    # the recommendation keeps its dose, so its card must stay as it was.
    after = _variant(
        tmp_path,
        "after",
        {
            "articles/myoclonus-treatment-options.md": (
                "[zonisamide](drug:zonisamide) 100-400 mg/day",
                "[zonisamide](drug:zonisamide) 100-400 mg/day (100-300 mg/day)",
            ),
            "drugs.toml": ('dose = "100-400 mg/day"', 'dose = "100-300 mg/day"'),
        },
    )
    with Library(before) as lib:
        old = [(c.card_id, c.fingerprint) for c in generate_cards(lib)]
    with Library(after) as lib:
        new = [(c.card_id, c.fingerprint) for c in generate_cards(lib)]
    with UserData(tmp_path / "userdata.db") as store:
        reviews = Reviews(store)
        reviews.sync(old, "v1")
        report = reviews.sync(new, "v2")
    assert report.changed == ("dose:zonisamide",) and report.retired == () and report.new == 0
    assert report.message() == "1 card changed in content v2: its schedule was reset."


def test_a_fact_that_is_gone_is_retired_and_comes_back_with_its_schedule(tmp_path: Path) -> None:
    now = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
    with UserData(tmp_path / "userdata.db") as store:
        reviews = Reviews(store)
        reviews.sync([("a", "1"), ("b", "1")], "v1", now)
        reviews.rate("b", 4, now)
        report = reviews.sync([("a", "1")], "v2", now)
        assert report.retired == ("b",) and report.message() == "1 card retired (no longer in the content)."
        assert reviews.states()["b"].retired
        assert reviews.rate("b", 3, now) is None
        assert counts([], reviews.states(), now).due == 0
        back = reviews.sync([("a", "1"), ("b", "1")], "v3", now)
        assert back.revived == 1 and back.message() is None
        state = reviews.states()["b"]
        assert not state.retired and state.reviews == 1 and not state.is_due(now)


# -- scheduling ------------------------------------------------------------------------------


def test_ratings_persist_across_restarts(tmp_path: Path, cards: tuple[Card, ...]) -> None:
    path = tmp_path / "data" / "userdata.db"
    now = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    deck = list(cards[:6])
    with UserData(path) as store:
        reviews = Reviews(store)
        reviews.sync([(c.card_id, c.fingerprint) for c in deck], "v1", now)
        assert counts(deck, reviews.states(), now).due == 6
        first = next_card(deck, reviews.states(), now)
        assert first is deck[0]
        easy = reviews.rate(first.card_id, 4, now)
        assert easy is not None and easy.due > now + timedelta(days=1)
        again = reviews.rate(deck[1].card_id, 1, now)
        assert again is not None and again.due < now + timedelta(hours=1)
        saved = reviews.states()
    # The next evening: a new process, the same file.
    with UserData(path) as store:
        assert store.reset_reason is None
        reviews = Reviews(store)
        assert reviews.states() == saved
        tomorrow = now + timedelta(hours=20)
        state = counts(deck, reviews.states(), tomorrow)
        assert (state.due, state.new, state.total) == (5, 4, 6)
        assert next_card(deck, reviews.states(), tomorrow) is deck[1]  # the forgotten one first
        assert reviews.log_count() == 2


def test_a_bad_rating_is_refused(tmp_path: Path) -> None:
    with UserData(tmp_path / "userdata.db") as store:
        reviews = Reviews(store)
        reviews.sync([("a", "1")], "v1")
        with pytest.raises(ValueError, match="1 \\(Again\\)"):
            reviews.rate("a", 5)
        assert reviews.rate("unknown", 3) is None


def test_a_version_1_store_gains_the_study_tables_and_keeps_its_bookmarks(tmp_path: Path) -> None:
    path = tmp_path / "userdata.db"
    with UserData(path) as store:
        store.add_bookmark("drug:levetiracetam", "levetiracetam")
    conn = sqlite3.connect(path)  # what ClinRef before study mode left: no study tables, version 1
    conn.execute("DROP TABLE study_cards")
    conn.execute("DROP TABLE study_log")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with UserData(path) as store:
        assert store.reset_reason is None
        assert [b.url for b in store.bookmarks()] == ["drug:levetiracetam"]
        reviews = Reviews(store)
        assert reviews.sync([("a", "1")], "v1").new == 1
        assert reviews.rate("a", 3) is not None
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    finally:
        conn.close()


def test_a_damaged_schedule_row_starts_afresh_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "userdata.db"
    with UserData(path) as store:
        reviews = Reviews(store)
        reviews.sync([("a", "1")], "v1")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE study_cards SET schedule = 'not json'")
    conn.commit()
    conn.close()
    with UserData(path) as store:
        reviews = Reviews(store)
        assert reviews.states()["a"].reviews == 0
        assert reviews.rate("a", 3) is not None and store.last_error is None


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from db.userdata import UserData
    from db.userdata.reviews import Reviews

    store = UserData(Path(sys.argv[1]))
    if store.reset_reason is not None:
        print("RESET", store.reset_reason, flush=True)
        sys.exit(3)
    reviews = Reviews(store)
    cards = [f"card-{n}" for n in range(7)]
    reviews.sync([(c, "f") for c in cards], "v1")
    i = 0
    while True:
        card = cards[i % len(cards)]
        if reviews.rate(card, i % 4 + 1) is None:
            print("ERROR", store.last_error, flush=True)
            sys.exit(4)
        print(card, flush=True)
        i += 1
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_every_returned_rating_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "data" / "userdata.db"
    reported: defaultdict[str, int] = defaultdict(int)
    for lines in (1, 9, 30, 4, 17, 60):
        for card in run_and_kill(_CHILD, [str(path)], lines):
            reported[card] += 1
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            logged = dict(conn.execute("SELECT card_id, count(*) FROM study_log GROUP BY card_id").fetchall())
            kept = dict(conn.execute("SELECT card_id, reviews FROM study_cards").fetchall())
        finally:
            conn.close()
        for card, count in reported.items():
            assert logged.get(card, 0) >= count, (card, logged.get(card), count)
        # A rating and its log entry are one transaction: never one without the other.
        assert {c: n for c, n in kept.items() if n} == logged
        with UserData(path) as store:
            assert store.reset_reason is None and store.persistent
            assert sum(s.reviews for s in Reviews(store).states().values()) == sum(logged.values())


# -- Anki ------------------------------------------------------------------------------------


def _notes(apkg: Path, tmp_path: Path) -> Iterator[tuple[str, list[str], str]]:
    with zipfile.ZipFile(apkg) as archive:
        assert archive.testzip() is None
        assert "collection.anki2" in archive.namelist()
        collection = tmp_path / "collection.anki2"
        collection.write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(collection)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT guid, flds, tags FROM notes ORDER BY id").fetchall()
    finally:
        conn.close()
    for guid, fields, tags in rows:
        yield guid, fields.split("\x1f"), tags


def test_the_apkg_is_sqlite_in_a_zip_with_one_note_per_card(
    library: Library, cards: tuple[Card, ...], tmp_path: Path
) -> None:
    path = tmp_path / "deck.apkg"
    assert write_apkg(cards, library.manifest, path) == len(cards)
    notes = list(_notes(path, tmp_path))
    assert len(notes) == len(cards)
    by_id = {fields[FIELDS.index("Card")]: (fields, tags) for _, fields, tags in notes}
    assert set(by_id) == {c.card_id for c in cards}
    for card in cards:
        fields, tags = by_id[card.card_id]
        assert fields[FIELDS.index("Content version")] == library.manifest.content_version
        assert str(card.source_url) in fields[FIELDS.index("Source")]
        for line in card.lines:
            assert line.text.replace("&", "&amp;") in fields[FIELDS.index("Answer")]
        assert f"clinref::{card.deck}" in tags.split()
    assert len({guid for guid, _, _ in notes}) == len(cards)
    # The same cards give the same note identities, so a re-import updates rather than duplicates.
    write_apkg(cards, library.manifest, tmp_path / "again.apkg")
    (tmp_path / "again").mkdir()
    assert [g for g, _, _ in _notes(tmp_path / "again.apkg", tmp_path / "again")] == [g for g, _, _ in notes]


def test_an_apkg_that_cannot_be_written_says_why_and_leaves_nothing(
    library: Library, cards: tuple[Card, ...], tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        write_apkg(cards, library.manifest, tmp_path / "missing" / "deck.apkg")
    (tmp_path / "taken.apkg").mkdir()
    with pytest.raises(ExportError, match=r"taken\.apkg"):
        write_apkg(cards, library.manifest, tmp_path / "taken.apkg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.apkg"]


def _clinref(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


@pytest.mark.slow
def test_export_anki_from_the_command_line(built_db: Path, tmp_path: Path) -> None:
    written = _clinref("--db", str(built_db), "--export-anki", str(tmp_path / "deck.apkg"), cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "study cards" in written.stdout and (tmp_path / "deck.apkg").is_file()
    (tmp_path / "notes").mkdir()
    assert len(list(_notes(tmp_path / "deck.apkg", tmp_path / "notes"))) > 50
    failed = _clinref("--db", str(built_db), "--export-anki", str(tmp_path / "no" / "deck.apkg"), cwd=tmp_path)
    assert failed.returncode == 1
    assert "the folder" in failed.stderr and "does not exist" in failed.stderr
    assert "Traceback" not in failed.stderr + failed.stdout


# -- text from outside ---------------------------------------------------------------------

_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_TEXT, note=_TEXT, title=_TEXT, slug=_TEXT, question=_TEXT)
def test_any_content_text_is_shown_as_text(value: str, note: str, title: str, slug: str, question: str) -> None:
    # Content files are untrusted input: whatever they hold reaches the card as text, never as markup.
    source = SourceRef(slug, title, (1,))
    lines = (AnswerLine(value, (Statement(note, source, ("drug label",)),)),)
    card = Card(
        "role:x:y", CardKind.ROLE, "y", question, lines, PageAddress(PageScheme.TREATMENT, slug), fingerprint(lines)
    )
    shown = question_html(card) + answer_html(card) + answer_html(card, links=False)
    for text in (value, note, title, slug, question):
        assert html.escape(text) in shown
    tags = re.findall(r"</?([a-z]+)", shown)
    assert set(tags) <= {"p", "b", "ul", "li", "br", "span", "a"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(_TEXT, min_size=1, max_size=8, unique=True), version=_TEXT)
def test_any_card_identity_round_trips_through_the_store(tmp_path: Path, ids: list[str], version: str) -> None:
    path = tmp_path / f"{abs(hash((tuple(ids), version)))}.db"
    with UserData(path) as store:
        reviews = Reviews(store)
        report = reviews.sync([(i, f"fp-{i}") for i in ids], version)
        assert report.saved and report.new == len(ids), store.last_error
        assert reviews.rate(ids[0], 3) is not None
    with UserData(path) as store:
        states = Reviews(store).states()
        assert set(states) == set(ids) and states[ids[0]].reviews == 1


def test_a_damaged_store_is_moved_aside_and_study_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "userdata.db"
    with UserData(path) as store:
        reviews = Reviews(store)
        reviews.sync([("a", "1")], "v1")
        reviews.rate("a", 4)
    with path.open("r+b") as damaged:  # overwrite the page after the header: the tables' pages
        damaged.seek(4096)
        damaged.write(b"\xff" * 4096)
    with UserData(path) as store:
        assert store.reset_reason is not None and "has been reset" in store.reset_reason
        reviews = Reviews(store)
        assert reviews.states() == {}
        assert reviews.sync([("a", "1")], "v1").new == 1
    kept = [p for p in tmp_path.iterdir() if ".broken-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1


def test_a_draft_article_built_for_preview_gives_no_card(tmp_path: Path) -> None:
    """A build with --include-drafts carries the draft; the Library says so and its statements give no card."""
    from db.compiler.build import build
    from tests.minimal_content import ARTICLE, write_files

    root = write_files(tmp_path, {"articles/test-article.md": ARTICLE.replace("+++\n", "+++\ndraft = true\n", 1)})
    out = tmp_path / "preview.db"
    build(root, out, include_drafts=True)
    with Library(out) as preview:
        assert preview.draft_articles() == {"test-article"}
        assert preview.treatments_for(["cortical"])  # the draft's statements are in the file...
        cards = generate_cards(preview)
    # ...and none of them becomes a card: what is left is the brand name, which drugs.toml holds itself.
    assert [c.card_id for c in cards] == ["brand:Keppra"]
    assert all(s.source is None for c in cards for ln in c.lines for s in ln.statements)
