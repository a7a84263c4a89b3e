"""The article pane: a QTextBrowser that shows pages, routes links, and never touches the network."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QWidget

from desktop.pages import PageStyle, stylesheet
from desktop.safe_document import ContentBrowser

INTERNAL_SCHEMES = ("article", "drug", "class")
EXTERNAL_SCHEMES = ("http", "https", "mailto")
BASE_POINT_SIZE = 11.0


def style_from_palette(palette: QPalette) -> PageStyle:
    """Page colours that follow the system light or dark palette."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    dark = base.lightness() < 128
    return PageStyle(
        text=text.name(),
        muted=palette.color(QPalette.ColorRole.PlaceholderText).name(),
        link=palette.color(QPalette.ColorRole.Link).name() if not dark else "#8ab4f8",
        rule=palette.color(QPalette.ColorRole.Mid).name(),
        notice_back="#4a3f00" if dark else "#fff4ce",
        notice_text="#ffe9a8" if dark else "#3d3000",
        ineffective="#f2b8b5" if dark else "#b3261e",
        dose_back="#1e3a5f" if dark else "#e8f0fe",
    )


class ArticleView(ContentBrowser):
    """Shows one page at a time. Emits ``link_activated`` for every link a person follows.

    Links inside the page (``#ref-3``) scroll; everything else is announced, never followed
    here: the reader decides what an address means. Resources come from the content only
    (:class:`~desktop.safe_document.ContentBrowser`): nothing a page names is ever read from disk.
    """

    link_activated = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self._zoom = 0
        self._html = ""
        self._apply_font()
        self.anchorClicked.connect(self._on_anchor)
        self._restyle()

    def _apply_font(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(BASE_POINT_SIZE + self._zoom)
        self.document().setDefaultFont(font)

    def _restyle(self) -> None:
        self.document().setDefaultStyleSheet(stylesheet(style_from_palette(self.palette())))
        self.document().setDocumentMargin(18)

    def show_html(self, html: str, anchor: str = "") -> None:
        self._html = html
        self.setHtml(html)
        if anchor:
            self.scrollToAnchor(anchor)
        else:
            self.verticalScrollBar().setValue(0)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self._html:
            position = self.verticalScrollBar().value()
            self._restyle()
            self.setHtml(self._html)
            self.verticalScrollBar().setValue(position)
        super().changeEvent(event)

    def _on_anchor(self, url: QUrl) -> None:
        if not url.scheme() and url.hasFragment():
            self.scrollToAnchor(url.fragment())
            return
        self.link_activated.emit(url)

    # -- zoom ----------------------------------------------------------------------------

    @property
    def zoom_steps(self) -> int:
        return self._zoom

    def set_zoom_steps(self, steps: int) -> None:
        self._zoom = max(-5, min(10, steps))
        self._apply_font()
