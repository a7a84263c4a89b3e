"""Conditions: a second condition checks, builds, and shows in the app under its own name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QTableView
from pytestqt.qtbot import QtBot

from db.compiler.build import build
from db.compiler.sources import load_sources
from db.library import Library
from tests.desktop_helpers import article_text, page_shown, running, type_search, window
from tests.minimal_content import CLASSES, RECOMMENDATIONS
from tests.two_conditions import CONDITIONS, TREMOR_CLASSES, TREMOR_RECOMMENDATIONS, write_two_conditions
from tests.ui import child


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _problems(tmp_path: Path, replace: dict[str, str]) -> list[str]:
    _sources, problems = load_sources(write_two_conditions(tmp_path, replace))
    return [str(p) for p in problems]


def test_two_conditions_are_clean(tmp_path: Path) -> None:
    assert _problems(tmp_path, {}) == []


def test_a_class_names_a_condition_that_exists(tmp_path: Path) -> None:
    found = _problems(tmp_path, {"classes.toml": CLASSES + TREMOR_CLASSES.replace('"essential-tremor"', '"tremor"', 1)})
    assert any("unknown condition 'tremor'" in p and p.startswith("resources/content/classes.toml:") for p in found)


def test_a_parent_is_of_its_own_condition(tmp_path: Path) -> None:
    classes = CLASSES + TREMOR_CLASSES.replace('parent = "limb-tremor"', 'parent = "post-hypoxic"')
    found = _problems(tmp_path, {"classes.toml": classes})
    assert any("its parent 'post-hypoxic' is of 'myoclonus'" in p for p in found), found


def test_a_recommendation_is_of_its_class_condition(tmp_path: Path) -> None:
    recs = RECOMMENDATIONS + TREMOR_RECOMMENDATIONS.replace(
        'class = "limb-tremor"', 'class = "limb-tremor"\ncondition = "myoclonus"'
    )
    found = _problems(tmp_path, {"recommendations.toml": recs})
    assert any("condition 'myoclonus' is not the condition of class 'limb-tremor'" in p for p in found), found


def test_conditions_file_is_required_and_checked(tmp_path: Path) -> None:
    assert any(
        "conditions.toml:1: no [[condition]] entries" in p for p in _problems(tmp_path / "a", {"conditions.toml": ""})
    )
    wrong = CONDITIONS.replace('overview = "tremor-article"', 'overview = "test-article"')
    found = _problems(tmp_path / "b", {"conditions.toml": wrong})
    assert any("overview article 'test-article' is of condition 'myoclonus'" in p for p in found), found


@pytest.fixture
def two_db(tmp_path: Path) -> Path:
    out = tmp_path / "two.db"
    build(write_two_conditions(tmp_path), out)
    return out


@pytest.fixture
def two(two_db: Path) -> Iterator[Library]:
    with Library(two_db) as library:
        yield library


def test_library_keeps_each_condition_to_itself(two: Library) -> None:
    assert [(c.slug, c.name) for c in two.conditions()] == [
        ("myoclonus", "Myoclonus"),
        ("essential-tremor", "Essential tremor"),
    ]
    assert [c.slug for c in two.classes("essential-tremor")] == ["tremor-any", "limb-tremor", "writing-tremor"]
    assert {c.condition for c in two.classes("myoclonus")} == {"myoclonus"}
    page = two.class_page("limb-tremor")
    assert page is not None and page.condition is not None and page.condition.name == "Essential tremor"
    assert {r.class_slug for r in page.recommendations} == {"limb-tremor", "writing-tremor"}
    assert {c.slug for c in page.children} == {"writing-tremor"}
    assert str(two.home()) == "article:test-article"
    hit = next(h for h in two.search("limb").hits if h.slug == "limb-tremor")
    assert hit.detail == "Essential tremor class · physiological"
    myoclonus = two.class_page("cortical")
    assert myoclonus is not None and {r.treatment_slug for r in myoclonus.recommendations} == {"levetiracetam"}


def _top_level(model: object) -> dict[str, list[str]]:
    from PySide6.QtCore import QAbstractItemModel, QModelIndex

    assert isinstance(model, QAbstractItemModel)

    def names(parent: QModelIndex) -> list[str]:
        out = []
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            out.append(str(index.data()))
            out += names(index)
        return out

    return {str(model.index(r, 0).data()): names(model.index(r, 0)) for r in range(model.rowCount())}


def test_the_sidebar_groups_classes_under_their_condition(qtbot: QtBot, two_db: Path, profile: Path) -> None:
    with running(qtbot, two_db) as app:
        tree = child(window(app), QAbstractItemView, "topicTree")
        groups = _top_level(tree.model())
        assert list(groups)[:5] == ["Bookmarks", "Recent", "Articles", "Myoclonus classes", "Essential tremor classes"]
        assert {"Limb tremor", "Writing tremor", "Essential tremor (any type)"} <= set(
            groups["Essential tremor classes"]
        )
        assert not {"Limb tremor", "Writing tremor"} & set(groups["Myoclonus classes"])
        assert "Cortical" in groups["Myoclonus classes"]
        assert "What treats test myoclonus?" in article_text(app), "the first condition's overview opens"


def test_the_treatments_tab_chooses_a_condition_then_its_classes(qtbot: QtBot, two_db: Path, profile: Path) -> None:
    with running(qtbot, two_db) as app:
        qtbot.keyClick(window(app), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        chooser = child(window(app), QComboBox, "conditionChooser")
        classes = child(window(app), QAbstractItemView, "classFilter")
        assert chooser.isVisible() and [chooser.itemText(i) for i in range(chooser.count())] == [
            "Myoclonus",
            "Essential tremor",
        ]
        listed = _top_level(classes.model())
        assert "Cortical" in str(listed) and "Limb tremor" not in str(listed)
        chooser.setFocus()
        qtbot.keyClick(chooser, Qt.Key.Key_Down)  # as a person picks the next entry with the keyboard
        assert chooser.currentText() == "Essential tremor"
        model = classes.model()
        listed = _top_level(model)
        assert "Limb tremor" in str(listed) and "Cortical" not in str(listed)
        found = model.match(
            model.index(0, 0), Qt.ItemDataRole.DisplayRole, "Limb tremor", 1, Qt.MatchFlag.MatchRecursive
        )
        assert found
        classes.scrollTo(found[0])
        qtbot.mouseClick(classes.viewport(), Qt.MouseButton.LeftButton, pos=classes.visualRect(found[0]).center())
        table = child(window(app), QTableView, "drugTable")
        qtbot.waitUntil(lambda: table.model().rowCount() > 0)
        model = table.model()
        headers = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]
        rows = [[str(model.index(r, c).data()) for c in range(model.columnCount())] for r in range(model.rowCount())]
        assert [r[0] for r in rows] == ["propranolol"], "one row per treatment"
        said_of = rows[0][headers.index("Said of")]
        assert "Limb tremor" in said_of and "Writing tremor" in said_of, "a class view includes its subclasses"


def test_search_finds_the_second_condition(qtbot: QtBot, two_db: Path, profile: Path) -> None:
    with running(qtbot, two_db) as app:
        view = type_search(qtbot, app, "tremor")
        model = view.model()
        texts = [str(model.index(r, 0).data()) for r in range(model.rowCount())]
        assert any("Limb tremor" in t for t in texts), texts
        assert any("What treats essential tremor?" in t for t in texts), texts
        view = type_search(qtbot, app, "inderal")
        assert "propranolol" in str(view.model().index(0, 0).data())


def test_class_and_drug_addresses_keep_working(qtbot: QtBot, two_db: Path, profile: Path) -> None:
    with running(qtbot, two_db) as app:
        app.userdata.add_bookmark("class:cortical", "Cortical")
        app.userdata.add_bookmark("class:writing-tremor", "Writing tremor")
        reader = window(app).reader
        with page_shown(qtbot, app, "class:cortical"):
            reader.open("class:cortical")
        assert article_text(app).startswith("Cortical") and "Myoclonus: physiological class" in article_text(app)
        with page_shown(qtbot, app, "class:writing-tremor"):
            reader.open("class:writing-tremor")
        text = article_text(app)
        assert "Essential tremor: syndrome class" in text and "Part of Limb tremor" in text
        with page_shown(qtbot, app, "drug:propranolol"):
            reader.open("drug:propranolol")
        assert "60-320 mg/day" in article_text(app) and "for limb tremor" in article_text(app)
