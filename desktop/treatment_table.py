"""The Treatments tab's table: its columns, model, sort order, colours and cells.

Columns are described as objects (label, text, sort key, width share, line cap), as Anki describes
its browser columns. The model adapts the rows of a :class:`db.model.ClassView`; the proxy keeps
reported-ineffective rows last in every sort order; the warning and "no dose" colours come from the
palette and reach 4.5:1 on both row backgrounds; the table shares its width among the columns (no
horizontal scrolling), wrapping long cells and eliding, whole line by whole line, the ones it caps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from db.model import DoseState, PageAddress, PageScheme, TreatmentKind, TreatmentRow
from desktop.article_view import style_from_palette
from desktop.roles import INEFFECTIVE_ROLE, SORT_ROLE, URL_ROLE

Index = QModelIndex | QPersistentModelIndex

#: WCAG's contrast for body text, reached by every coloured cell in light and dark palettes.
MIN_CONTRAST = 4.5


def _treatment_text(row: TreatmentRow) -> str:
    suffix = "" if row.treatment_kind is TreatmentKind.DRUG else f" ({row.treatment_kind.value})"
    return row.treatment_name + suffix


def _dose_sort(row: TreatmentRow) -> tuple[Any, ...]:
    order = list(DoseState).index(row.dose.state)
    dose = row.dose.dose
    return (order, dose.unit, dose.low) if dose else (order, "", 0.0)


@dataclass(frozen=True)
class Column:
    """One column of the table: what it is called, what it shows, how it sorts, its share of the width."""

    label: str
    text: Callable[[TreatmentRow], str]
    sort_key: Callable[[TreatmentRow], Any]
    share: int
    tooltip: str = ""
    #: At most this many lines in the table (0: as many as it takes); the tooltip and the pane have the rest.
    max_lines: int = 0


COLUMNS: tuple[Column, ...] = (
    Column("Treatment", _treatment_text, lambda r: r.treatment_name.casefold(), 15),
    Column(
        "Role",
        lambda r: r.role_text(),
        lambda r: (r.role.rank, r.inheritance.rank),
        15,
        "The strongest role; the pane below lists every entry",
    ),
    Column(
        "Dose (use · source)",
        lambda r: r.dose.text(),
        _dose_sort,
        25,
        "A dose always comes with what it is given for and where it comes from",
    ),
    Column(
        "Evidence",
        lambda r: r.evidence.text(),
        lambda r: r.evidence.text().casefold(),
        16,
        "The kind of source behind the row and the source's own hedges; not a grade",
        max_lines=4,
    ),
    Column("Said of", lambda r: r.said_of(), lambda r: (r.inheritance.rank, r.said_of().casefold()), 14, max_lines=3),
    Column("Source", lambda r: r.sources_text(), lambda r: r.sources_text().casefold(), 15, max_lines=3),
)
ROLE_COLUMN, DOSE_COLUMN = 1, 2


def contrast_ratio(one: QColor, two: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1.0 to 21.0."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(preferred: QColor, palette: QPalette) -> QColor:
    """``preferred``, moved toward the palette's text colour until it reads at 4.5:1 on every row background."""
    text = palette.color(QPalette.ColorRole.Text)
    backgrounds = (palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.AlternateBase))
    colour = QColor(preferred)
    for step in range(11):
        weight = step / 10
        colour = QColor.fromRgbF(
            preferred.redF() * (1 - weight) + text.redF() * weight,
            preferred.greenF() * (1 - weight) + text.greenF() * weight,
            preferred.blueF() * (1 - weight) + text.blueF() * weight,
        )
        if all(contrast_ratio(colour, back) >= MIN_CONTRAST for back in backgrounds):
            return colour
    return text


@dataclass(frozen=True)
class CellColours:
    """The foreground colours of the warning and "no dose" cells, from the palette, readable on it."""

    ineffective: QColor
    no_dose: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> CellColours:
        style = style_from_palette(palette)
        return cls(readable(QColor(style.ineffective), palette), readable(QColor(style.muted), palette))


class TreatmentRowsModel(QAbstractTableModel):
    """Adapts the rows of a class view; one row per treatment, columns from :data:`COLUMNS`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[TreatmentRow, ...] = ()
        self.colours = CellColours.from_palette(QPalette())

    def set_rows(self, rows: tuple[TreatmentRow, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def set_palette(self, palette: QPalette) -> None:
        self.colours = CellColours.from_palette(palette)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def treatment_row(self, row: int) -> TreatmentRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].label
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tooltip or None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or not 0 <= index.column() < len(COLUMNS):
            return None
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)  # the tooltip carries a cell's whole text wherever the column cuts it
        if role == SORT_ROLE:
            return column.sort_key(row)
        if role == INEFFECTIVE_ROLE:
            return row.ineffective
        if role == URL_ROLE:
            return str(PageAddress(PageScheme.TREATMENT, row.treatment_slug))  # the text: Qt's edge
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.ineffective:
                return QBrush(self.colours.ineffective)
            if index.column() == DOSE_COLUMN and row.dose.state is DoseState.NONE:
                return QBrush(self.colours.no_dose)
            return None
        if role == Qt.ItemDataRole.FontRole and (row.ineffective or index.column() == DOSE_COLUMN):
            font = QFont()
            font.setItalic(row.ineffective or row.dose.state is DoseState.NONE)
            font.setBold(row.ineffective and index.column() == ROLE_COLUMN)
            return font
        return None


class TreatmentRowsProxy(QSortFilterProxyModel):
    """Sorts by any column; reported-ineffective rows stay at the bottom in either order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: Index, right: Index) -> bool:
        model = self.sourceModel()
        left_bad = bool(model.data(model.index(left.row(), 0), INEFFECTIVE_ROLE))
        right_bad = bool(model.data(model.index(right.row(), 0), INEFFECTIVE_ROLE))
        if left_bad != right_bad:
            # Qt reverses lessThan for descending order; answer so that the warning still sinks.
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return right_bad if ascending else left_bad
        a, b = model.data(left, SORT_ROLE), model.data(right, SORT_ROLE)
        if a == b:
            return left.row() < right.row()
        return bool(a < b)


class CappedDelegate(QStyledItemDelegate):
    """Asks for no more height than a column's ``max_lines``; the style elides the last line shown.

    The treatment, role and dose columns have no cap: a dose is never cut from its use and source.
    """

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        lines = COLUMNS[index.column()].max_lines if 0 <= index.column() < len(COLUMNS) else 0
        if lines:
            cap = option.fontMetrics.lineSpacing() * lines + 6  # 6: the cell's margins, as the style draws them
            hint.setHeight(min(hint.height(), cap))
        return hint

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if not 0 <= index.column() < len(COLUMNS) or not COLUMNS[index.column()].max_lines:
            super().paint(painter, option, index)
            return
        # A capped cell: the style draws its background and selection, then the lines that fit the row,
        # the last one elided, so that no line is ever cut through the middle.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, opt, widget) + 1
        rect = opt.rect.adjusted(margin, 0, -margin, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        active = bool(opt.state & QStyle.StateFlag.State_Active)
        group = QPalette.ColorGroup.Active if active else QPalette.ColorGroup.Inactive
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(group, role))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        painter.drawText(rect, int(flags.value), fit_lines(text, opt.font, rect.width(), rect.height()))
        painter.restore()


def fit_lines(text: str, font: QFont, width: float, height: float) -> str:
    """``text`` broken into lines of ``width`` (joined by newlines), cut to the lines ``height`` holds, the
    last one shown elided."""
    # A cell is one paragraph: its breaks are the ones made here, and a control character (a line or
    # paragraph separator to Qt's layout) shows as a space.
    text = "".join(c if c.isprintable() else " " for c in text)
    if width <= 0 or not text:
        return text
    metrics = QFontMetricsF(font)
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    # n lines take (n - 1) line spacings plus one line's height.
    room = max(1, int((height - metrics.height()) // metrics.lineSpacing()) + 1)
    if len(spans) <= room:
        return "\n".join(text[start : start + length].rstrip() for start, length in spans)
    kept = [text[start : start + length].rstrip() for start, length in spans[: room - 1]]
    rest = text[spans[room - 1][0] :]
    kept.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
    return "\n".join(kept)


class FittedTable(QTableView):
    """A table whose columns share its width (no horizontal scrolling): long cells wrap, rows grow to fit."""

    def __init__(self, shares: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shares = tuple(shares)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(CappedDelegate(self))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def fit(self) -> None:
        width = self.viewport().width()
        total = sum(self._shares)
        used = 0
        for column, share in enumerate(self._shares):
            size = width - used if column == len(self._shares) - 1 else width * share // total
            self.horizontalHeader().resizeSection(column, max(size, 24))
            used += size
        self.resizeRowsToContents()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()
