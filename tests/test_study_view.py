"""The Study view, driven by keys as a trainee drives it: Ctrl+3, Space, 1-4, O; resumed after a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QTextBrowser, QTreeWidget, QWidget
from pytestqt.qtbot import QtBot

from db.library import Library
from db.study import generate_cards
from db.userdata import UserData
from db.userdata.reviews import Reviews
from desktop.startup import Startup
from desktop.study_view import StudyView
from tests.desktop_helpers import article_text, running, window

pytestmark = pytest.mark.usefixtures("profile")


def _find(startup: Startup, kind: type, name: str) -> QWidget:
    found = window(startup).findChild(kind, name)
    assert found is not None, name
    return found


def _study(startup: Startup) -> StudyView:
    view = _find(startup, StudyView, "studyView")
    assert isinstance(view, StudyView)
    return view


def _card_text(startup: Startup) -> str:
    card = _find(startup, QTextBrowser, "studyCard")
    assert isinstance(card, QTextBrowser)
    return card.toPlainText()


def _counts(startup: Startup) -> str:
    label = _find(startup, QLabel, "studyCounts")
    assert isinstance(label, QLabel)
    return label.text()


def _store_path(profile: Path) -> Path:
    """Where the app keeps the user store in the throwaway profile (XDG_DATA_HOME/ClinRef)."""
    return profile / "data" / "ClinRef" / "userdata.db"


def _open_study(qtbot: QtBot, startup: Startup) -> StudyView:
    qtbot.keyClick(window(startup), Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    view = _study(startup)
    qtbot.waitUntil(view.isVisible)
    tabs = _find(startup, QTabWidget, "mainTabs")
    assert isinstance(tabs, QTabWidget) and tabs.currentWidget() is view
    return view


def test_ctrl_3_space_and_1_to_4_study_a_card(qtbot: QtBot, built_db: Path, library: Library) -> None:
    cards = generate_cards(library)
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        assert _counts(app) == f"{len(cards)} due ({len(cards)} new) · 0 learned · {len(cards)} cards"
        first = view.current_card
        assert first is not None and first.question in _card_text(app)
        assert "Source:" not in _card_text(app)
        qtbot.keyClick(view.card, Qt.Key.Key_3)  # rating before the answer is shown does nothing
        assert view.current_card is first
        qtbot.keyClick(view.card, Qt.Key.Key_Space)
        text = _card_text(app)
        assert view.revealed and "Source: Treatment options for myoclonus [1] (guideline)" in text
        for line in first.lines:
            assert line.text in text
        qtbot.keyClick(view.card, Qt.Key.Key_4)  # Easy
        assert view.current_card is not None and view.current_card is not first
        assert not view.revealed and view.current_card.question in _card_text(app)
        assert _counts(app).startswith(f"{len(cards) - 1} due ({len(cards) - 1} new)")
        assert view.reveal_button.isEnabled() and not view.rate_buttons[1].isEnabled()


def test_o_opens_the_source_of_the_card(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        decks = _find(app, QTreeWidget, "studyDecks")
        assert isinstance(decks, QTreeWidget)
        jme = decks.findItems("Juvenile myoclonic epilepsy", Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive)
        assert len(jme) == 1
        decks.setCurrentItem(jme[0])  # selects it alone, as a click does
        assert view.selected_decks() == ["juvenile-myoclonic-epilepsy"]
        card = view.current_card
        assert card is not None and card.deck == "juvenile-myoclonic-epilepsy"
        decks.setFocus()  # the keys work from the deck list too
        qtbot.keyClick(decks, Qt.Key.Key_Space)
        assert view.revealed
        qtbot.keyClick(decks, Qt.Key.Key_4)
        assert view.current_card is not card and view.selected_decks() == ["juvenile-myoclonic-epilepsy"]
        card = view.current_card
        for _ in range(len(view.deck_cards())):  # Easy on each card until the levetiracetam one
            if card is None or card.card_id == "role:levetiracetam:juvenile-myoclonic-epilepsy":
                break
            qtbot.keyClick(view.card, Qt.Key.Key_Space)
            qtbot.keyClick(view.card, Qt.Key.Key_4)
            assert view.current_card is not card
            card = view.current_card
        assert card is not None and card.card_id == "role:levetiracetam:juvenile-myoclonic-epilepsy"
        qtbot.keyClick(view.card, Qt.Key.Key_Space)
        assert "60.4% with levetiracetam (N=54) vs 23.7% with placebo (N=59)" in _card_text(app)
        assert "[2] (drug label)" in _card_text(app)
        qtbot.keyClick(view.card, Qt.Key.Key_O)
        tabs = _find(app, QTabWidget, "mainTabs")
        assert isinstance(tabs, QTabWidget) and tabs.currentIndex() == 0
        page = window(app).reader.page
        assert page is not None and page.url == "article:myoclonus-treatment-options"
        assert "FDA drug label (levetiracetam)" in article_text(app)


def test_progress_is_there_after_a_restart(qtbot: QtBot, built_db: Path, profile: Path) -> None:
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        rated = []
        for _ in range(3):
            assert view.current_card is not None
            rated.append(view.current_card.card_id)
            qtbot.keyClick(view.card, Qt.Key.Key_Space)
            qtbot.keyClick(view.card, Qt.Key.Key_4)
        due_before = _counts(app)
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        assert _counts(app) == due_before
        assert view.current_card is not None and view.current_card.card_id not in rated
    conn = sqlite3.connect(_store_path(profile))
    try:
        assert [r[0] for r in conn.execute("SELECT card_id FROM study_log ORDER BY id")] == rated
    finally:
        conn.close()


def test_a_changed_fact_is_marked_and_the_trainee_told(
    qtbot: QtBot, built_db: Path, library: Library, profile: Path
) -> None:
    cards = generate_cards(library)
    path = _store_path(profile)
    with UserData(path) as store:  # what an earlier content release left: one dose card's answer was different
        Reviews(store).sync(
            [(c.card_id, "an older answer" if c.card_id == cards[0].card_id else c.fingerprint) for c in cards],
            "2025.01.01-1",
        )
    version = library.manifest.content_version
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        notice = _find(app, QLabel, "studyNotice")
        assert isinstance(notice, QLabel) and notice.isVisible()
        assert notice.text() == f"1 card changed in content {version}: its schedule was reset."
        assert view.current_card is cards[0] or view.current_card == cards[0]
        assert f"Updated in content {version}" in _card_text(app)


def test_the_card_follows_the_zoom(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        before = view.card.zoom_steps
        qtbot.keyClick(window(app), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert view.card.zoom_steps == before + 1 == window(app).reader.zoom_steps()


def test_export_from_the_view(qtbot: QtBot, built_db: Path, tmp_path: Path) -> None:
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        assert view.export_to(tmp_path / "deck.apkg")
        assert (tmp_path / "deck.apkg").stat().st_size > 0
        notice = _find(app, QLabel, "studyNotice")
        assert isinstance(notice, QLabel) and "Exported" in notice.text() and "deck.apkg" in notice.text()
        assert not view.export_to(tmp_path / "missing" / "deck.apkg")
        box = view.findChild(QMessageBox, "studyExportError")
        assert box is not None and "does not exist" in box.text() and "Traceback" not in box.text()
        box.close()


def test_a_class_is_studied_with_its_subclasses_and_classes_combine(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        decks = _find(app, QTreeWidget, "studyDecks")
        assert isinstance(decks, QTreeWidget)
        flags = Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive
        (post_hypoxic,) = decks.findItems("Post-hypoxic myoclonus", flags)
        decks.setCurrentItem(post_hypoxic)
        assert {c.deck for c in view.deck_cards()} == {
            "post-hypoxic",
            "post-hypoxic-acute",
            "lance-adams",
            "post-hypoxic-chronic",
        }
        assert _counts(app).startswith(f"{len(view.deck_cards())} due")
        assert post_hypoxic.text(0) == f"Post-hypoxic myoclonus  ·  {len(view.deck_cards())} due"
        (cortical,) = decks.findItems("Cortical  ", flags)
        cortical.setSelected(True)  # Ctrl+click adds a class
        assert "cortical" in (view.selected_decks() or [])
        post_hypoxic_decks = {"post-hypoxic", "post-hypoxic-acute", "lance-adams", "post-hypoxic-chronic"}
        assert {c.deck for c in view.deck_cards()} == {*post_hypoxic_decks, "cortical"}
        assert view.current_card is not None and view.current_card.deck in {"post-hypoxic", "cortical"}


def test_a_screen_reader_hears_the_question_and_the_answer(
    qtbot: QtBot, built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.study_view

    heard: list[str] = []

    class Accessible:
        """Stands in for QAccessible with a screen reader attached."""

        @staticmethod
        def isActive() -> bool:
            return True

        @staticmethod
        def updateAccessibility(event: object) -> None:
            heard.append(event.message())  # type: ignore[attr-defined]

    monkeypatch.setattr(desktop.study_view, "QAccessible", Accessible)
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        assert view.current_card is not None
        assert heard[-1] == f"Question: {view.current_card.question}"
        qtbot.keyClick(view.card, Qt.Key.Key_Space)
        assert heard[-1] == f"Answer: {view.current_card.answer}"


def test_a_store_that_cannot_be_kept_is_said(qtbot: QtBot, built_db: Path, profile: Path) -> None:
    folder = _store_path(profile).parent
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the folder should be")  # the store cannot be created: memory only
    with running(qtbot, built_db) as app:
        notices = window(app).findChild(QMessageBox, "startupNotice")
        assert notices is not None and "will not be kept" in notices.text()
        notices.close()
        view = _open_study(qtbot, app)
        notice = _find(app, QLabel, "studyNotice")
        assert isinstance(notice, QLabel) and "will not be kept after this session" in notice.text()
        qtbot.keyClick(view.card, Qt.Key.Key_Space)
        qtbot.keyClick(view.card, Qt.Key.Key_3)  # studying still works, in memory
        assert "could not be saved" not in notice.text()


def test_when_a_deck_is_done_it_says_when_the_next_card_is_due(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        view = _open_study(qtbot, app)
        decks = _find(app, QTreeWidget, "studyDecks")
        assert isinstance(decks, QTreeWidget)
        flags = Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive
        (jme,) = decks.findItems("Juvenile myoclonic epilepsy", flags)
        decks.setCurrentItem(jme)
        for _ in view.deck_cards():
            qtbot.keyClick(view.card, Qt.Key.Key_Space)
            qtbot.keyClick(view.card, Qt.Key.Key_4)
        assert view.current_card is None
        assert "All caught up" in _card_text(app) and "The next card is due" in _card_text(app)
        assert _counts(app) == "0 due (0 new) · 2 learned · 2 cards"
        assert not view.reveal_button.isEnabled() and not view.source_button.isEnabled()
        qtbot.keyClick(view.card, Qt.Key.Key_Space)  # nothing to reveal: nothing happens
        assert view.current_card is None and not view.revealed
