"""Search hits as a Qt list model, and a delegate that draws title, detail and snippet."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from html import unescape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QFont, QTextCharFormat
from PySide6.QtWidgets import QStyledItemDelegate, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QPainter, QTextLayout
    from PySide6.QtWidgets import QStyleOptionViewItem

# QTextLayout, QPainter, QStyle and the style options are imported where a hit is first laid
# out or painted, not at start-up: the results are hidden then, and making a PySide6 class makes
# all its enums too (QStyle alone has 11; see bench/README.md).

from db.model import PageScheme, SearchHit
from desktop.roles import DETAIL_ROLE, HIT_ROLE, SNIPPET_ROLE, URL_ROLE

_KIND_LABEL: dict[str, str] = {PageScheme.ARTICLE: "Article", PageScheme.TREATMENT: "Drug", PageScheme.CLASS: "Class"}

# What each role shows, keyed by the role as a plain int: a view asks for a dozen roles per row
# each time it measures or paints one, and comparing Qt's enum members costs a Python call each.
_ROLE_VALUE: dict[int, Callable[[SearchHit], object]] = {
    int(Qt.ItemDataRole.DisplayRole): lambda hit: hit.title,
    int(Qt.ItemDataRole.ToolTipRole): lambda hit: hit.detail,
    int(URL_ROLE): lambda hit: hit.url,
    int(SNIPPET_ROLE): lambda hit: hit.snippet,
    int(DETAIL_ROLE): lambda hit: hit.detail,
    int(HIT_ROLE): lambda hit: hit,
    int(Qt.ItemDataRole.AccessibleTextRole): lambda hit: (
        f"{_KIND_LABEL.get(hit.kind, hit.kind)}: {hit.title}. {hit.detail}"
    ),
}

Index = QModelIndex | QPersistentModelIndex


class SearchResultsModel(QAbstractListModel):
    """Adapts the hits a search returned; it never queries anything itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hits: tuple[SearchHit, ...] = ()

    def set_hits(self, hits: tuple[SearchHit, ...]) -> None:
        self.beginResetModel()
        self._hits = hits
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = _ROLE_VALUE.get(int(role))
        if value is None or not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        return value(self._hits[index.row()])


_SNIPPET_TAG = re.compile(r"(</?b>)")
_LINE = "\u2028"  # a line break inside one paragraph of a QTextLayout


def _snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """The snippet's text in runs, each bold or not.

    The snippet is HTML of one shape only: escaped text with the matched words in ``<b>``
    (db.library.search), so it is read here rather than handed to a rich-text parser.
    """
    parts: list[tuple[str, bool]] = []
    bold = False
    for piece in _SNIPPET_TAG.split(snippet):
        if piece == "<b>":
            bold = True
        elif piece == "</b>":
            bold = False
        elif piece:
            parts.append((unescape(piece), bold))
    return parts


def _layout(title: str, detail: str, snippet: str, font: QFont, bold: QTextCharFormat, width: float) -> QTextLayout:
    """The three parts as one paragraph of lines, laid out once at ``width``, ready to draw."""
    ranges = []
    text = title.replace(_LINE, " ")
    ranges.append(_range(0, len(text), bold))
    text += _LINE + detail.replace(_LINE, " ")
    if snippet:
        text += _LINE
        for piece, strong in _snippet_parts(snippet):
            piece = piece.replace(_LINE, " ")
            if strong:
                ranges.append(_range(len(text), len(piece), bold))
            text += piece
    layout = _text_layout()(text, font)
    layout.setFormats(ranges)
    layout.setCacheEnabled(True)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout


def _range(start: int, length: int, char_format: QTextCharFormat) -> QTextLayout.FormatRange:
    selection = _text_layout().FormatRange()
    selection.start, selection.length, selection.format = start, length, char_format
    return selection


@cache
def _text_layout() -> type[QTextLayout]:
    # Imported once, here: an import statement in a function run for every row goes through
    # PySide6's import hook each time (about 20 times a keystroke, see bench/README.md).
    from PySide6.QtGui import QTextLayout

    return QTextLayout


class _Drawing:
    """The classes and constants :meth:`HitDelegate.paint` uses, looked up once.

    The style flags are kept as ints: ``option.state & QStyle.StateFlag.State_Selected`` on
    PySide6's Python enums makes a new flag object, about 1.4 us each time.
    """

    def __init__(self) -> None:
        from PySide6.QtGui import QPalette
        from PySide6.QtWidgets import QStyle, QStyleOptionFocusRect

        self.focus_option = QStyleOptionFocusRect
        self.panel = QStyle.PrimitiveElement.PE_PanelItemViewItem
        self.focus_frame = QStyle.PrimitiveElement.PE_FrameFocusRect
        self.selected: int = QStyle.StateFlag.State_Selected.value
        self.has_focus: int = QStyle.StateFlag.State_HasFocus.value
        self.text = QPalette.ColorRole.Text
        self.selected_text = QPalette.ColorRole.HighlightedText


@cache
def _drawing() -> _Drawing:
    return _Drawing()


def warm_up(font: QFont) -> None:
    """Make what drawing the first hits needs (classes, their enums, a bold font's glyphs) now.

    Called right after the window's first paint (desktop.main_window): the first key typed
    then does not pay for it.
    """
    # The classes Qt hands the delegate, a painter and the view's style option, are made with
    # their enums when first named: else while the first key's hits are measured and painted
    # (8 enum classes, about 2 ms; bench/README.md).
    from PySide6.QtGui import QPainter  # noqa: F401
    from PySide6.QtWidgets import QStyleOptionViewItem  # noqa: F401

    _drawing()
    bold = QTextCharFormat()
    bold.setFontWeight(QFont.Weight.Bold)
    _layout("Levetiracetam", "Drug (Keppra)", "…the <b>first</b> hit…", font, bold, 300.0)


class _Row:
    """One hit laid out at one width."""

    __slots__ = ("height", "layout")

    def __init__(self, layout: QTextLayout, height: int) -> None:
        self.layout, self.height = layout, height


class HitDelegate(QStyledItemDelegate):
    """Draws a hit as a bold title, a detail line, and the snippet with matches in bold.

    Each hit is one :class:`QTextLayout` (title, detail and snippet as lines of one paragraph,
    the title and the matches in bold), laid out once and drawn from its cached glyphs: a
    fraction of the cost of the rich-text document per row this drew before, which parsed
    HTML, built a document and laid it out (see bench/README.md). Laid-out rows are kept, keyed
    by what they show and how wide, so each is made once; and only about a screenful of rows
    (:attr:`EXACT_ROWS`) is measured before the first paint. Rows further down are given the
    height of the tallest measured one until they are first painted; then their own size is
    announced (``sizeHintChanged``) and the view lays them out again.
    """

    CACHE_SIZE = 256
    EXACT_ROWS = 12
    MARGIN = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: OrderedDict[tuple[object, ...], _Row] = OrderedDict()
        self._sizes: dict[tuple[object, ...], QSize] = {}
        self._estimate = QSize()
        self._bold = QTextCharFormat()
        self._bold.setFontWeight(QFont.Weight.Bold)

    @staticmethod
    def _texts(index: Index) -> tuple[str, str, str]:
        model = index.model()
        # From the model in Python: index.data() goes through C++ and back into the model's data()
        # (2.4 us against 0.9, some 50 times on a word's first key).
        hit = model.hit(index.row()) if isinstance(model, SearchResultsModel) else index.data(HIT_ROLE)
        if isinstance(hit, SearchHit):
            return (hit.title, hit.detail, hit.snippet)
        return (
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            str(index.data(DETAIL_ROLE) or ""),
            str(index.data(SNIPPET_ROLE) or ""),
        )

    @staticmethod
    def _size_key(option: QStyleOptionViewItem, texts: tuple[str, str, str]) -> tuple[object, ...]:
        return (*texts, max(120, option.rect.width()), option.font.key())

    def _row(self, option: QStyleOptionViewItem, texts: tuple[str, str, str], key: tuple[object, ...]) -> _Row:
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
            return row
        width = max(120, option.rect.width()) - 2 * self.MARGIN
        layout = _layout(*texts, option.font, self._bold, width)
        height = 2 * self.MARGIN + int(layout.boundingRect().height()) + 2
        row = self._rows[key] = _Row(layout, height)
        if len(self._rows) > self.CACHE_SIZE:
            self._rows.popitem(last=False)
        return row

    def _measured(self, key: tuple[object, ...], option: QStyleOptionViewItem, row: _Row) -> QSize:
        size = QSize(max(120, option.rect.width()), row.height)
        if len(self._sizes) > 4 * self.CACHE_SIZE:
            self._sizes.clear()
        self._sizes[key] = size
        if size.height() > self._estimate.height():
            self._estimate = size
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        names = _drawing()
        # The view has filled in the option's state, palette, font and rect; initStyleOption would
        # ask the model for a dozen roles more, none of which this drawing uses.
        texts = self._texts(index)
        key = self._size_key(option, texts)
        row = self._row(option, texts, key)
        rect = option.rect
        if key not in self._sizes and self._measured(key, option, row) != rect.size():
            self.sizeHintChanged.emit(index)  # it was painted at the estimate: lay it out at its own size
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawPrimitive(names.panel, option, painter, widget)
        palette = option.palette
        state = option.state.value
        painter.save()
        painter.setClipRect(rect)
        painter.setPen(palette.color(names.selected_text if state & names.selected else names.text))
        row.layout.draw(painter, QPointF(rect.x() + self.MARGIN, rect.y() + self.MARGIN))
        if state & names.has_focus and style is not None:
            focus = names.focus_option()
            focus.rect = rect
            focus.state = option.state
            focus.palette = palette
            style.drawPrimitive(names.focus_frame, focus, painter, widget)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # No initStyleOption here: the layout needs only the view's font and width, and filling
        # in every other role of the option is most of the cost of a cached answer.
        texts = self._texts(index)
        key = self._size_key(option, texts)
        size = self._sizes.get(key)
        if size is not None:
            return size
        if index.row() >= self.EXACT_ROWS and self._estimate.isValid():
            return self._estimate
        return self._measured(key, option, self._row(option, texts, key))
