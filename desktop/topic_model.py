"""The sidebar's tree of topics: articles by topic, classes, drugs A-Z, non-drug treatments, bookmarks, recent."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QWidget

from db.model import ClassSummary, TopicTree, TreatmentKind
from desktop.search_model import URL_ROLE

CATEGORY_NAMES = {"physiological": "Physiological classes", "syndrome": "Clinical syndromes", "general": "General"}


def _leaf(text: str, url: str, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(url, URL_ROLE)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _group(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setSelectable(False)
    font = QFont()
    font.setBold(True)
    item.setFont(font)
    return item


def append_classes(parent: QStandardItem, classes: Iterable[ClassSummary]) -> None:
    """Classes under ``parent``, grouped by category, subclasses under their parent class."""
    by_category: dict[str, QStandardItem] = {}
    classes = list(classes)
    items = {cls.slug: _leaf(cls.name, f"class:{cls.slug}") for cls in classes}
    for cls in classes:
        if cls.parent and cls.parent in items:
            items[cls.parent].appendRow(items[cls.slug])
            continue
        if cls.category not in by_category:
            by_category[cls.category] = _group(CATEGORY_NAMES.get(cls.category, cls.category.capitalize()))
            parent.appendRow(by_category[cls.category])
        by_category[cls.category].appendRow(items[cls.slug])


class TopicModel(QStandardItemModel):
    """Built from a :class:`TopicTree` (content) plus the user's bookmarks and recent pages."""

    GROUPS = ("Articles", "Myoclonus classes", "Drugs A-Z", "Non-drug treatments", "Bookmarks", "Recent")

    def __init__(self, tree: TopicTree, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups = {name: _group(name) for name in self.GROUPS}
        for item in self.groups.values():
            self.appendRow(item)
        for topic in tree.topics:
            topic_item = _group(topic.topic)
            self.groups["Articles"].appendRow(topic_item)
            for article in topic.articles:
                topic_item.appendRow(
                    _leaf(article.short_title, f"article:{article.slug}", f"{article.title}\nUpdated {article.updated}")
                )
        append_classes(self.groups["Myoclonus classes"], tree.classes)
        for drug in tree.drugs:
            label = f"{drug.name} ({', '.join(drug.brands)})" if drug.brands else drug.name
            if drug.kind is TreatmentKind.DRUG_GROUP:
                label += " (group)"
            self.groups["Drugs A-Z"].appendRow(_leaf(label, f"drug:{drug.slug}", str(drug.kind.value)))
        for therapy in tree.therapies:
            self.groups["Non-drug treatments"].appendRow(_leaf(therapy.name, f"drug:{therapy.slug}"))

    def _replace(self, group: str, entries: Iterable[tuple[str, str]], empty: str) -> None:
        item = self.groups[group]
        item.removeRows(0, item.rowCount())
        rows = [_leaf(title, url) for url, title in entries]
        if not rows:
            placeholder = QStandardItem(empty)
            placeholder.setEditable(False)
            placeholder.setSelectable(False)
            placeholder.setEnabled(False)
            rows = [placeholder]
        for row in rows:
            item.appendRow(row)

    def set_bookmarks(self, entries: Iterable[tuple[str, str]]) -> None:
        """(url, title) pairs, newest first."""
        self._replace("Bookmarks", entries, "No bookmarks yet (Ctrl+D)")

    def set_recent(self, entries: Iterable[tuple[str, str]]) -> None:
        self._replace("Recent", entries, "Nothing opened yet")

    def url_at(self, item: QStandardItem | None) -> str | None:
        value = item.data(URL_ROLE) if item is not None else None
        return str(value) if value else None
