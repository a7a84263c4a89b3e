"""Every item model the app shows passes Qt's model tester, filled with the real content."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItemModel
from pytestqt.modeltest import ModelTester

from db.library import Library
from db.model import Role
from desktop.roles import URL_ROLE
from desktop.search_model import SearchResultsModel
from desktop.topic_model import LazyTopicModel, TopicModel, append_classes
from desktop.treatment_table import TreatmentRowsModel, TreatmentRowsProxy


def test_topic_model(qtmodeltester: ModelTester, library: Library) -> None:
    model = TopicModel(library.topics())
    qtmodeltester.check(model)
    model.set_bookmarks([("drug:clonazepam", "clonazepam")])
    model.set_recent([("class:cortical", "Cortical"), ("drug:piracetam", "piracetam")])
    qtmodeltester.check(model)
    model.set_bookmarks([])
    qtmodeltester.check(model)
    names = [model.item(r).text() for r in range(model.rowCount())]
    assert names == ["Bookmarks", "Recent", "Articles", "Myoclonus classes", "Drugs A-Z", "Non-drug treatments"]


def test_search_results_model(qtmodeltester: ModelTester, library: Library) -> None:
    model = SearchResultsModel()
    qtmodeltester.check(model)
    model.set_hits(library.search("clonazepam").hits)
    qtmodeltester.check(model)
    assert model.rowCount() > 1 and str(model.index(0, 0).data(URL_ROLE)).startswith(("drug:", "class:", "article:"))
    model.set_hits(())
    qtmodeltester.check(model)


def test_class_filter_model(qtmodeltester: ModelTester, library: Library) -> None:
    model = QStandardItemModel()
    append_classes(model.invisibleRootItem(), library.classes())
    qtmodeltester.check(model)

    def addresses(parent: QModelIndex) -> list[str]:
        found = []
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            found += [str(index.data(URL_ROLE))] if index.data(URL_ROLE) else []
            found += addresses(index)
        return found

    # Every class is listed once, under its category or its parent class.
    assert sorted(addresses(QModelIndex())) == sorted(f"class:{c.slug}" for c in library.classes())


@pytest.mark.parametrize(
    "classes", [["cortical"], ["post-hypoxic"], ["post-hypoxic-acute"], ["cortical", "functional"], []]
)
def test_treatment_rows_model_and_proxy(qtmodeltester: ModelTester, library: Library, classes: list[str]) -> None:
    model = TreatmentRowsModel()
    proxy = TreatmentRowsProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(model)
    model.set_rows(library.class_view(classes).rows)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    for column in range(model.columnCount()):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(column, order)
            roles = [str(proxy.index(r, 1).data()) for r in range(proxy.rowCount())]
            ineffective = [Role.REPORTED_INEFFECTIVE.value in r for r in roles]
            assert ineffective == sorted(ineffective), (column, order, roles)
            if classes and classes[0].startswith("post-hypoxic"):
                assert ineffective[-1], (column, order)


def test_lazy_topic_model_makes_long_groups_on_demand(
    qtmodeltester: ModelTester, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(LazyTopicModel, "LAZY_ROWS", 1)  # the bundled content is small: make every group "long"
    model = LazyTopicModel(library.topics(most_articles=1), library.topic_articles)
    drugs = model.indexFromItem(model.groups["Drugs A-Z"])
    assert model.rowCount(drugs) == 0 and model.hasChildren(drugs) and model.canFetchMore(drugs)
    qtmodeltester.check(model)
    model.fetchMore(drugs)
    assert not model.canFetchMore(drugs)
    labels = [model.index(r, 0, drugs).data() for r in range(model.rowCount(drugs))]
    assert "levetiracetam (Keppra)" in labels and "anticonvulsants (group)" in labels
    articles = model.indexFromItem(model.groups["Articles"])
    topic = model.index(0, 0, articles)
    model.fetchMore(topic)
    assert model.rowCount(topic) == 2
    qtmodeltester.check(model)
