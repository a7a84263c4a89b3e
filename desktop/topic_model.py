"""The sidebar's tree of topics: articles by topic, classes under their condition's name, drugs A-Z,
non-drug treatments, bookmarks, recent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QWidget

from db.model import (
    ArticleSummary,
    ClassCategory,
    ClassSummary,
    PageAddress,
    PageScheme,
    TopicTree,
    TreatmentKind,
    TreatmentSummary,
)
from desktop.roles import PENDING_ROLE, URL_ROLE

CATEGORY_NAMES: dict[str, str] = {
    ClassCategory.PHYSIOLOGICAL: "Physiological classes",
    ClassCategory.SYNDROME: "Clinical syndromes",
    ClassCategory.GENERAL: "General",
}


def _leaf(text: str, address: PageAddress | str, tooltip: str = "") -> QStandardItem:
    """An item that opens ``address`` (its text, as a bookmark or the history keeps it, is what the item holds)."""
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(str(address), URL_ROLE)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _article_leaf(article: ArticleSummary) -> QStandardItem:
    address = PageAddress(PageScheme.ARTICLE, article.slug)
    return _leaf(article.short_title, address, f"{article.title}\nUpdated {article.updated}")


def _drug_leaf(drug: TreatmentSummary) -> QStandardItem:
    label = f"{drug.name} ({', '.join(drug.brands)})" if drug.brands else drug.name
    if drug.kind is TreatmentKind.DRUG_GROUP:
        label += " (group)"
    return _leaf(label, PageAddress(PageScheme.TREATMENT, drug.slug), str(drug.kind.value))


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
    items = {cls.slug: _leaf(cls.name, PageAddress(PageScheme.CLASS, cls.slug)) for cls in classes}
    for cls in classes:
        if cls.parent and cls.parent in items:
            items[cls.parent].appendRow(items[cls.slug])
            continue
        if cls.category not in by_category:
            by_category[cls.category] = _group(CATEGORY_NAMES.get(cls.category, cls.category.capitalize()))
            parent.appendRow(by_category[cls.category])
        by_category[cls.category].appendRow(items[cls.slug])


def class_groups(tree: TopicTree) -> list[tuple[str, list[ClassSummary]]]:
    """The classes under their condition's name, conditions in the editors' order."""
    names = {c.slug: c.name for c in tree.conditions}
    groups: dict[str, list[ClassSummary]] = {slug: [] for slug in names}
    for cls in tree.classes:
        groups.setdefault(cls.condition, []).append(cls)
    return [
        (f"{names[slug]} classes" if slug in names else "Classes", classes)
        for slug, classes in groups.items()
        if classes
    ]


class TopicModel(QStandardItemModel):
    """Built from a :class:`TopicTree` (content) plus the user's bookmarks and recent pages.

    Bookmarks and Recent come first, where they are seen without scrolling past the whole
    topic tree; Recent shows the last :attr:`RECENT_ROWS` pages (the Bookmarks menu has more).
    Then the articles, one group of classes per condition ("<name> classes"), drugs and therapies.
    """

    GROUPS = ("Bookmarks", "Recent", "Articles", "Drugs A-Z", "Non-drug treatments")
    RECENT_ROWS = 5

    def __init__(self, tree: TopicTree, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups = {name: _group(name) for name in self.GROUPS}
        for name in ("Bookmarks", "Recent", "Articles"):
            self.appendRow(self.groups[name])
        for label, classes in class_groups(tree):
            self.groups[label] = _group(label)
            self.appendRow(self.groups[label])
            append_classes(self.groups[label], classes)
        for name in ("Drugs A-Z", "Non-drug treatments"):
            self.appendRow(self.groups[name])
        for topic in tree.topics:
            topic_item = _group(topic.topic)
            self.groups["Articles"].appendRow(topic_item)
            for article in topic.articles:
                topic_item.appendRow(_article_leaf(article))
        for drug in tree.drugs:
            self.groups["Drugs A-Z"].appendRow(_drug_leaf(drug))
        for therapy in tree.therapies:
            address = PageAddress(PageScheme.TREATMENT, therapy.slug)
            self.groups["Non-drug treatments"].appendRow(_leaf(therapy.name, address))

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
        self._replace("Recent", list(entries)[: self.RECENT_ROWS], "Nothing opened yet")


class LazyTopicModel(TopicModel):
    """The topic tree, with the rows of a long group (a topic's articles, drugs A-Z) made when
    the group is first opened (``canFetchMore`` / ``fetchMore``) instead of at start-up.

    ``tree`` comes from ``Library.topics(most_articles=LAZY_ROWS)``: a topic without articles
    in it is a long one, and ``topic_articles`` (``Library.topic_articles``) gives them when it
    is opened. At 10,000 articles and 1,000 drugs, making every row up front took about 130 ms
    and 15 MB of start-up (see bench/README.md).
    """

    LAZY_ROWS = 200

    def __init__(
        self,
        tree: TopicTree,
        topic_articles: Callable[[str], tuple[ArticleSummary, ...]],
        parent: QWidget | None = None,
    ) -> None:
        drugs_later = len(tree.drugs) > self.LAZY_ROWS
        super().__init__(replace(tree, drugs=() if drugs_later else tree.drugs), parent)
        self._pending: dict[int, Callable[[], list[QStandardItem]]] = {}
        later = {group.topic for group in tree.topics if not group.articles}
        articles = self.groups["Articles"]
        for row in range(articles.rowCount()):
            topic = articles.child(row)
            name = topic.text() if topic is not None else ""
            if topic is not None and name in later:
                self._later(topic, lambda name=name: [_article_leaf(a) for a in topic_articles(name)])  # type: ignore[misc]
        if drugs_later:
            self._later(self.groups["Drugs A-Z"], lambda: [_drug_leaf(d) for d in tree.drugs])

    def _later(self, item: QStandardItem, rows: Callable[[], list[QStandardItem]]) -> None:
        key = len(self._pending) + 1
        self._pending[key] = rows
        item.setData(key, PENDING_ROLE)

    def _pending_key(self, parent: QModelIndex | QPersistentModelIndex) -> int | None:
        if not parent.isValid():
            return None
        key = parent.data(PENDING_ROLE)
        return int(key) if key is not None and int(key) in self._pending else None

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008 - Qt's API
        return self._pending_key(parent) is not None or super().hasChildren(parent)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self._pending_key(parent) is not None or super().canFetchMore(parent)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        key = self._pending_key(parent)
        item = (
            self.itemFromIndex(self.index(parent.row(), parent.column(), parent.parent())) if key is not None else None
        )
        if key is None or item is None:
            super().fetchMore(parent)
            return
        rows = self._pending.pop(key)()
        item.setData(None, PENDING_ROLE)
        item.setColumnCount(1)  # apart from the rows: Qt would insert the column in the middle of inserting them
        item.appendRows(rows)
