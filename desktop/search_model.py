"""Search hits as a Qt list model, and a delegate that draws title, detail and snippet."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from db.model import SearchHit
from desktop.roles import DETAIL_ROLE, SNIPPET_ROLE, URL_ROLE
from desktop.safe_document import ContentDocument

_KIND_LABEL = {"article": "Article", "drug": "Drug", "class": "Class"}

# What each role shows, keyed by the role as a plain int: a view asks for a dozen roles per row
# each time it measures or paints one, and comparing Qt's enum members costs a Python call each.
_ROLE_VALUE: dict[int, Callable[[SearchHit], str]] = {
    int(Qt.ItemDataRole.DisplayRole): lambda hit: hit.title,
    int(Qt.ItemDataRole.ToolTipRole): lambda hit: hit.detail,
    int(URL_ROLE): lambda hit: hit.url,
    int(SNIPPET_ROLE): lambda hit: hit.snippet,
    int(DETAIL_ROLE): lambda hit: hit.detail,
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


class HitDelegate(QStyledItemDelegate):
    """Draws a hit as a bold title, a muted detail line, and the snippet with matches in bold.

    Each hit is a small rich-text document; making and laying one out costs 0.1-0.2 ms and a
    list view asks for every row's size before it paints any, so a new search spent most of its
    time here (see bench/README.md). Two things keep that down: laid-out documents are kept,
    keyed by what they show and how wide, so each is made once; and only about a screenful of
    rows (:attr:`EXACT_ROWS`) is measured before the first paint. Rows further down are given
    the height of the tallest measured one until they are first painted; then their own size is
    announced (``sizeHintChanged``) and the view lays them out again.
    """

    CACHE_SIZE = 256
    EXACT_ROWS = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._documents: OrderedDict[tuple[object, ...], QTextDocument] = OrderedDict()
        self._sizes: dict[tuple[object, ...], QSize] = {}
        self._estimate = QSize()

    @staticmethod
    def _texts(index: Index) -> tuple[str, str, str]:
        return (
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            str(index.data(DETAIL_ROLE) or ""),
            str(index.data(SNIPPET_ROLE) or ""),
        )

    @staticmethod
    def _size_key(option: QStyleOptionViewItem, texts: tuple[str, str, str]) -> tuple[object, ...]:
        return (*texts, max(120, option.rect.width()), option.font.key())

    def _document(self, option: QStyleOptionViewItem, texts: tuple[str, str, str]) -> QTextDocument:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text).name()
        muted = text if selected else palette.color(QPalette.ColorRole.PlaceholderText).name()
        key = (*self._size_key(option, texts), text, muted)
        doc = self._documents.get(key)
        if doc is not None:
            self._documents.move_to_end(key)
            return doc
        title, detail, snippet = texts
        doc = ContentDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(4)
        title, detail = escape(title), escape(detail)
        doc.setHtml(
            f'<div style="color:{text}"><b>{title}</b><br/><span style="color:{muted}; font-size:90%">{detail}</span>'
            + (f'<br/><span style="font-size:90%">{snippet}</span>' if snippet else "")
            + "</div>"
        )
        doc.setTextWidth(max(120, option.rect.width()))
        self._documents[key] = doc
        if len(self._documents) > self.CACHE_SIZE:
            self._documents.popitem(last=False)
        return doc

    def _measured(self, key: tuple[object, ...], doc: QTextDocument) -> QSize:
        size = QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)
        if len(self._sizes) > 4 * self.CACHE_SIZE:
            self._sizes.clear()
        self._sizes[key] = size
        if size.height() > self._estimate.height():
            self._estimate = size
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        texts = self._texts(index)
        doc = self._document(option, texts)
        key = self._size_key(option, texts)
        if key not in self._sizes and self._measured(key, doc) != option.rect.size():
            self.sizeHintChanged.emit(index)  # it was painted at the estimate: lay it out at its own size
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        rect = option.rect
        painter.translate(rect.topLeft())
        painter.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        context = QAbstractTextDocumentLayout.PaintContext()
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # No initStyleOption here: the document needs only the view's font, palette and width,
        # and filling in every other role of the option is most of the cost of a cached answer.
        texts = self._texts(index)
        key = self._size_key(option, texts)
        size = self._sizes.get(key)
        if size is not None:
            return size
        if index.row() >= self.EXACT_ROWS and self._estimate.isValid():
            return self._estimate
        return self._measured(key, self._document(option, texts))
