"""The Treatments tab: a condition, then one or more of its classes; everything that applies, one row per treatment.

``conditionChooser`` picks the condition; ``classFilter`` lists its classes (grouped; Ctrl+click
combines); ``drugTable`` shows the class view
the Library returns (:class:`db.model.ClassView`): each treatment once, with its strongest role, a dose
cell that always says the dose's use and source (or "no dose in the sources"), the evidence the content
holds, the classes it is said of, and its sources. Reported-ineffective rows are shown apart and stay
last in every sort order. The pane below shows the selected row in full. The table itself (columns,
model, colours, cells) is :mod:`desktop.treatment_table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from db.errors import LibraryError
from db.library import Library
from db.model import ClassSummary, ClassView
from desktop.announce import send_announcement
from desktop.article_view import make_caret_readable, style_from_palette
from desktop.class_view_runner import ClassViewRunner
from desktop.condition_chooser import ConditionChooser
from desktop.pages import CLASSES_SCHEME, recommendation_detail, stylesheet
from desktop.queries import Queries
from desktop.roles import URL_ROLE
from desktop.safe_document import ContentBrowser
from desktop.topic_model import append_classes
from desktop.treatment_table import COLUMNS, ROLE_COLUMN, FittedTable, TreatmentRowsModel, TreatmentRowsProxy


class ClassFilter(QTreeView):
    """The classes of one condition, grouped by category; select one or more (Ctrl+click, Shift+arrows)."""

    def __init__(self, classes: tuple[ClassSummary, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classFilter")
        self.setHeaderHidden(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAccessibleName("Classes")
        self.setToolTip("Choose a class; Ctrl+click to combine classes")
        model = QStandardItemModel(self)
        append_classes(model.invisibleRootItem(), classes)
        _name_tooltips(model.invisibleRootItem())  # a name cut off by a narrow list is still readable
        self.setModel(model)
        self.expandAll()

    def set_classes(self, classes: tuple[ClassSummary, ...]) -> None:
        """List these classes instead (another condition's); the selection is cleared."""
        model = self.model()
        assert isinstance(model, QStandardItemModel)
        self.selectionModel().clearSelection()
        model.clear()
        append_classes(model.invisibleRootItem(), classes)
        self.expandAll()

    def selected_slugs(self) -> list[str]:
        slugs = []
        for index in self.selectionModel().selectedIndexes():
            url = str(index.data(URL_ROLE) or "")
            if url.startswith("class:"):
                slugs.append(url.removeprefix("class:"))
        return slugs

    def select_slugs(self, slugs: Sequence[str]) -> list[str]:
        """Select exactly these classes (unknown ones are skipped); return the ones selected."""
        model = self.model()
        selection = QItemSelection()
        found = []
        first: QModelIndex | None = None
        for slug in slugs:
            matches = model.match(
                model.index(0, 0),
                URL_ROLE,
                f"class:{slug}",
                1,
                Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
            )
            if matches:
                selection.select(matches[0], matches[0])
                found.append(slug)
                first = first or matches[0]
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.selectionModel().select(selection, flags)
        if first is not None:
            self.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.scrollTo(first)
        return found

    def select_slug(self, slug: str) -> bool:
        return bool(self.select_slugs([slug]))


def _name_tooltips(parent: QStandardItem) -> None:
    for row in range(parent.rowCount()):
        child = parent.child(row)
        if child is not None:
            child.setToolTip(child.text())
            _name_tooltips(child)


class TreatmentsPanel(QWidget):
    """Class filter beside the table of treatments.

    Emits ``open_requested('drug:SLUG')`` for a page to open, and ``view_changed`` when the chosen
    classes change (the window's bookmark action follows it).
    """

    open_requested = Signal(str)
    view_changed = Signal()

    def __init__(self, library: Library, queries: Queries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("treatmentsPanel")
        self._library = library  # the class list of a condition chosen: a small read, on this thread
        self.class_view = ClassView((), (), (), "")
        self.runner = ClassViewRunner(queries, self)
        conditions = library.conditions()
        self.condition_chooser = ConditionChooser(conditions, self)
        self.class_filter = ClassFilter(library.classes(conditions[0].slug) if conditions else library.classes(), self)
        chooser_and_classes = QWidget(self)
        left_layout = QVBoxLayout(chooser_and_classes)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.condition_chooser)
        left_layout.addWidget(self.class_filter, 1)
        self.model = TreatmentRowsModel(self)
        self.model.set_palette(self.palette())
        self.proxy = TreatmentRowsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = FittedTable([c.share for c in COLUMNS], self)
        self.table.setObjectName("drugTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ROLE_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Treatments for the chosen classes")
        self.detail = ContentBrowser(self)
        make_caret_readable(self.detail)  # a screen reader reads the entry line by line
        self.detail.setObjectName("treatmentDetail")
        self.detail.setOpenLinks(False)
        self.detail.setAccessibleName("The chosen treatment in full: every entry, its note and source")
        self.detail.document().setDefaultStyleSheet(stylesheet(style_from_palette(self.detail.palette())))
        self.detail.setPlaceholderText("Select a row to read every entry in full, with its source.")
        self.caption = QLabel("Choose a condition and one of its classes on the left to list their treatments.", self)
        self.caption.setObjectName("treatmentsCaption")
        self.caption.setWordWrap(True)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.caption)
        table_and_detail = QSplitter(Qt.Orientation.Vertical, right)
        table_and_detail.addWidget(self.table)
        table_and_detail.addWidget(self.detail)
        table_and_detail.setStretchFactor(0, 4)
        table_and_detail.setStretchFactor(1, 1)
        right_layout.addWidget(table_and_detail, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("treatmentsSplitter")
        self.splitter.addWidget(chooser_and_classes)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        # Wide enough for the longest class name (within reason); a narrower list still has tooltips.
        names = self.class_filter.sizeHintForColumn(0) + self.class_filter.indentation() + 8
        self.splitter.setSizes([max(180, min(names, 230)), 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self.class_filter.selectionModel().selectionChanged.connect(self._classes_changed)
        self.condition_chooser.condition_chosen.connect(self._condition_chosen)
        self.runner.ready.connect(self._show_view)
        self.runner.failed.connect(self._show_error)
        self.table.doubleClicked.connect(self._open_row)
        self.table.activated.connect(self._open_row)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail.anchorClicked.connect(lambda url: self.open_requested.emit(url.toString()))

    # -- what is shown -------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop reading class views: the window is closing."""
        self.runner.shutdown()

    def focus_classes(self) -> None:
        self.class_filter.setFocus()

    def save_state(self) -> QByteArray:
        """The layout to remember (the splitter between classes, table and entry)."""
        return self.splitter.saveState()

    def restore_state(self, state: QByteArray) -> None:
        self.splitter.restoreState(state)

    def address(self) -> tuple[str, str] | None:
        """``('classes:a,b', 'Treatments: A, B')`` for the chosen classes, or None when none is chosen."""
        if not self.class_view.class_slugs:
            return None
        url = f"{CLASSES_SCHEME}:" + ",".join(self.class_view.class_slugs)
        return url, self.title()

    def title(self) -> str:
        names = ", ".join(self.class_view.class_names)
        return f"Treatments: {names}" if names else "Treatments by class"

    def show_address(self, url: str) -> bool:
        """Choose the classes a ``classes:a,b`` address names; False if it names none of this content's."""
        scheme, _, rest = url.partition(":")
        if scheme != CLASSES_SCHEME:
            return False
        wanted = [s for s in rest.split(",") if s]
        # The classes of a class view share one condition: show that condition's classes first.
        conditions = {c.condition for c in self._library.classes() if c.slug in wanted}
        if len(conditions) == 1:
            self.condition_chooser.choose(conditions.pop())
        return bool(self.class_filter.select_slugs(wanted))

    # -- behaviour -----------------------------------------------------------------------

    def changeEvent(self, event: Any) -> None:
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.model.set_palette(self.palette())
            self.detail.document().setDefaultStyleSheet(stylesheet(style_from_palette(self.detail.palette())))
        super().changeEvent(event)

    def _condition_chosen(self, slug: str) -> None:
        self.class_filter.set_classes(self._library.classes(slug))
        self._classes_changed(QItemSelection(), QItemSelection())

    def _classes_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        # Read off the GUI thread; until the answer comes, the caption says what is being read.
        slugs = self.class_filter.selected_slugs()
        if slugs:
            self.caption.setText("Reading the treatments for the chosen classes\u2026")
        self.runner.request(slugs)

    def _show_error(self, exc: LibraryError) -> None:
        # The content broke under us: say so where the table was, never a stale table.
        self.class_view = ClassView((), (), (), "")
        self.model.set_rows(())
        self.detail.clear()
        self.caption.setText(
            f"<b>The content cannot be read.</b> File: {escape(exc.path)}. Problem: {escape(exc.reason)}. "
            f"{escape(exc.advice)}"
        )
        self.view_changed.emit()

    def _show_view(self, view: ClassView) -> None:
        self.class_view = view
        rows = view.rows
        self.model.set_rows(rows)
        self.table.fit()
        self.detail.clear()
        if rows:  # the pane below shows the first row in full, its sources a click away
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        if not self.class_view.class_slugs:
            self.caption.setText("Choose a condition and one of its classes on the left to list their treatments.")
        else:
            names = escape(", ".join(self.class_view.class_names))
            ineffective = sum(r.ineffective for r in rows)
            inherited = sum(r.inherited for r in rows)
            text = f"<b>{len(rows)}</b> treatments for <b>{names}</b>, each once"
            if inherited:
                text += f" ({inherited} only from what is said of a broader class or in general)"
            if ineffective:
                text += f"; <b>{ineffective} reported ineffective</b>, listed last"
            self.caption.setText(text + ". Double-click a row for the drug page.")
        self.view_changed.emit()
        # Said aloud too: a screen reader does not read a label that changes where nobody looks.
        send_announcement(self.caption, QTextDocumentFragment.fromHtml(self.caption.text()).toPlainText())

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.treatment_row(self.proxy.mapToSource(current).row()) if current.isValid() else None
        self.detail.setHtml(recommendation_detail(row) if row else "")

    def _open_row(self, index: QModelIndex) -> None:
        url = index.data(URL_ROLE)
        if url:
            self.open_requested.emit(str(url))
