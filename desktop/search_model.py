"""Search hits as a Qt list model, and a delegate that draws title, detail and snippet."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from db.model import SearchHit

URL_ROLE = Qt.ItemDataRole.UserRole + 1
SNIPPET_ROLE = Qt.ItemDataRole.UserRole + 2
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3
_KIND_LABEL = {"article": "Article", "drug": "Drug", "class": "Class"}

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
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.detail
        if role == URL_ROLE:
            return hit.url
        if role == SNIPPET_ROLE:
            return hit.snippet
        if role == DETAIL_ROLE:
            return hit.detail
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{_KIND_LABEL.get(hit.kind, hit.kind)}: {hit.title}. {hit.detail}"
        return None


class HitDelegate(QStyledItemDelegate):
    """Draws a hit as a bold title, a muted detail line, and the snippet with matches in bold."""

    def _document(self, option: QStyleOptionViewItem, index: Index) -> QTextDocument:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text).name()
        muted = text if selected else palette.color(QPalette.ColorRole.PlaceholderText).name()
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(4)
        title = str(index.data(Qt.ItemDataRole.DisplayRole)).replace("&", "&amp;").replace("<", "&lt;")
        detail = str(index.data(DETAIL_ROLE) or "").replace("&", "&amp;").replace("<", "&lt;")
        snippet = str(index.data(SNIPPET_ROLE) or "")
        doc.setHtml(
            f'<div style="color:{text}"><b>{title}</b><br/><span style="color:{muted}; font-size:90%">{detail}</span>'
            + (f'<br/><span style="font-size:90%">{snippet}</span>' if snippet else "")
            + "</div>"
        )
        doc.setTextWidth(max(120, option.rect.width()))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        doc = self._document(option, index)
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
        self.initStyleOption(option, index)
        doc = self._document(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)
