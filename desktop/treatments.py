"""The drug filter: pick one or more myoclonus classes, read the treatments for them.

``classFilter`` lists the classes (grouped; Ctrl+click combines); ``drugTable`` lists every
drug and non-drug treatment for the chosen classes with role, dose, note and source, sortable,
reported-ineffective rows always last and shown apart.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItemModel, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from db.library import Library
from db.model import ClassSummary, Recommendation, Role, TreatmentKind
from desktop.announce import send_announcement
from desktop.article_view import style_from_palette
from desktop.pages import recommendation_detail, stylesheet
from desktop.search_model import URL_ROLE
from desktop.topic_model import append_classes

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 10
INEFFECTIVE_ROLE = Qt.ItemDataRole.UserRole + 11
COLUMNS = ("Treatment", "Role", "Dose", "Class", "Source", "What the source says")
NOTE_COLUMN, SOURCE_COLUMN = 5, 4


class RecommendationsModel(QAbstractTableModel):
    """Adapts the recommendations Library returned; one row each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Recommendation, ...] = ()

    def set_recommendations(self, rows: tuple[Recommendation, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def recommendation(self, row: int) -> Recommendation | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        rec = self._rows[index.row()]
        column = index.column()
        ineffective = rec.role is Role.REPORTED_INEFFECTIVE
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(rec, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 2 and not rec.dose:
                return "The source gives no dose for this use; the drug page shows any range given elsewhere."
            return self._text(rec, column) if column in (NOTE_COLUMN, SOURCE_COLUMN) else None
        if role == SORT_ROLE:
            if column == 1:
                return rec.role.rank
            if column == 2:
                return (rec.dose.unit, rec.dose.low) if rec.dose else ("\uffff", 0.0)
            return self._text(rec, column).casefold()
        if role == INEFFECTIVE_ROLE:
            return ineffective
        if role == URL_ROLE:
            return f"drug:{rec.treatment_slug}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and not rec.dose:
            return QBrush(QColor("#6b6b6b"))
        if role == Qt.ItemDataRole.FontRole and (ineffective or (column == 2 and rec.dose)):
            font = QFont()
            font.setItalic(ineffective)
            font.setBold(column == 2 and rec.dose is not None)
            font.setStrikeOut(ineffective and column == 0)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and ineffective:
            return QBrush(QColor("#b3261e"))
        return None

    @staticmethod
    def _text(rec: Recommendation, column: int) -> str:
        if column == 0:
            suffix = "" if rec.treatment_kind is TreatmentKind.DRUG else f" ({rec.treatment_kind.value})"
            return rec.treatment_name + suffix
        if column == 1:
            return ("\u2717 " if rec.role is Role.REPORTED_INEFFECTIVE else "") + rec.role.value
        if column == 2:
            return rec.dose.text if rec.dose else "\u2014"
        if column == 3:
            return rec.class_name
        if column == SOURCE_COLUMN:
            return f"{rec.source.article_title} {rec.source.label()}"
        return rec.note


class RecommendationsProxy(QSortFilterProxyModel):
    """Sorts by any column; reported-ineffective rows stay at the bottom in either order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: Index, right: Index) -> bool:
        model = self.sourceModel()
        left_bad = bool(model.data(model.index(left.row(), 0), INEFFECTIVE_ROLE))
        right_bad = bool(model.data(model.index(right.row(), 0), INEFFECTIVE_ROLE))
        if left_bad != right_bad:
            # Qt reverses lessThan for descending order; answer so that the bad row still sinks.
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return right_bad if ascending else left_bad
        a, b = model.data(left, SORT_ROLE), model.data(right, SORT_ROLE)
        if a == b:
            rank_a = model.data(model.index(left.row(), 1), SORT_ROLE)
            rank_b = model.data(model.index(right.row(), 1), SORT_ROLE)
            if rank_a != rank_b:
                return bool(rank_a < rank_b)
            return left.row() < right.row()
        return bool(a < b)


class ClassFilter(QTreeView):
    """The myoclonus classes, grouped by category; select one or more (Ctrl+click, Shift+arrows)."""

    def __init__(self, classes: tuple[ClassSummary, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classFilter")
        self.setHeaderHidden(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAccessibleName("Myoclonus classes")
        self.setToolTip("Choose a class; Ctrl+click to combine classes")
        model = QStandardItemModel(self)
        append_classes(model.invisibleRootItem(), classes)
        self.setModel(model)
        self.expandAll()

    def selected_slugs(self) -> list[str]:
        slugs = []
        for index in self.selectionModel().selectedIndexes():
            url = str(index.data(URL_ROLE) or "")
            if url.startswith("class:"):
                slugs.append(url.removeprefix("class:"))
        return slugs

    def select_slug(self, slug: str) -> bool:
        model = self.model()
        matches = model.match(
            model.index(0, 0), URL_ROLE, f"class:{slug}", 1, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
        )
        if matches:
            self.setCurrentIndex(matches[0])
            return True
        return False


class TreatmentsPanel(QWidget):
    """Class filter beside the table of treatments. Emits ``open_requested('drug:SLUG')``."""

    open_requested = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("treatmentsPanel")
        self._library = library
        classes = library.classes()
        self._parents = {c.parent for c in classes if c.parent}
        self.class_filter = ClassFilter(classes, self)
        self.model = RecommendationsModel(self)
        self.proxy = RecommendationsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("drugTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Treatments for the chosen classes")
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SOURCE_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(SOURCE_COLUMN, 200)
        header.setSectionResizeMode(NOTE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("treatmentDetail")
        self.detail.setOpenLinks(False)
        self.detail.setAccessibleName("The chosen treatment entry in full")
        self.detail.document().setDefaultStyleSheet(stylesheet(style_from_palette(self.detail.palette())))
        self.detail.setPlaceholderText("Select a row to read the entry in full, with its source.")
        self.caption = QLabel("Choose a myoclonus class on the left to list its treatments.", self)
        self.caption.setObjectName("treatmentsCaption")
        self.caption.setWordWrap(True)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.caption)
        table_and_detail = QSplitter(Qt.Orientation.Vertical, right)
        table_and_detail.addWidget(self.table)
        table_and_detail.addWidget(self.detail)
        table_and_detail.setStretchFactor(0, 3)
        table_and_detail.setStretchFactor(1, 1)
        right_layout.addWidget(table_and_detail, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("treatmentsSplitter")
        self.splitter.addWidget(self.class_filter)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self.class_filter.selectionModel().selectionChanged.connect(self._classes_changed)
        self.table.doubleClicked.connect(self._open_row)
        self.table.activated.connect(self._open_row)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail.anchorClicked.connect(lambda url: self.open_requested.emit(url.toString()))

    def _classes_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        slugs = self.class_filter.selected_slugs()
        recommendations = self._library.treatments_for(slugs)
        self.model.set_recommendations(recommendations)
        self.detail.clear()
        if recommendations:  # the pane below shows the first entry in full, its source a click away
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        names = [
            str(i.data())
            for i in self.class_filter.selectionModel().selectedIndexes()
            if str(i.data(URL_ROLE) or "").startswith("class:")
        ]
        if not slugs:
            self.caption.setText("Choose a myoclonus class on the left to list its treatments.")
        else:
            ineffective = sum(r.role is Role.REPORTED_INEFFECTIVE for r in recommendations)
            text = f"<b>{len(recommendations)}</b> treatment entries for <b>{', '.join(names)}</b>"
            text += " (subclasses included)" if self._parents.intersection(slugs) else ""
            if ineffective:
                text += f"; {ineffective} reported ineffective, listed last"
            self.caption.setText(text + ". Double-click a row for the drug page; Source links to the citation.")
        # Said aloud too: a screen reader does not read a label that changes where nobody looks.
        send_announcement(self.caption, QTextDocumentFragment.fromHtml(self.caption.text()).toPlainText())

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rec = self.model.recommendation(self.proxy.mapToSource(current).row()) if current.isValid() else None
        self.detail.setHtml(recommendation_detail(rec) if rec else "")

    def _open_row(self, index: QModelIndex) -> None:
        url = index.data(URL_ROLE)
        if url:
            self.open_requested.emit(str(url))
