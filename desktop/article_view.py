"""The article pane: a QTextBrowser that shows pages, routes links, and never touches the network.

It is read with a keyboard caret (so a screen reader can read it line by line and hears the
caret move), a link under the caret is marked and Enter follows it, and Tab leaves the pane in
one step: the page's links are listed in "Contents and links of this page" (desktop/outline.py).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QKeyEvent, QPalette, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QToolTip, QWidget

from desktop.focus import ring_colour
from desktop.pages import PageStyle, stylesheet
from desktop.safe_document import ContentBrowser

EXTERNAL_SCHEMES = ("http", "https", "mailto")
BASE_POINT_SIZE = 11.0
ZOOM_RANGE = (-5, 10)


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


def make_caret_readable(browser: QTextBrowser) -> None:
    """A keyboard caret in a read-only pane, so a screen reader reads it line by line: Qt sends
    caret events only when text can be selected with the keyboard. Tab still leaves the pane."""
    flags = Qt.TextInteractionFlag
    browser.setTextInteractionFlags(
        flags.TextSelectableByKeyboard
        | flags.TextSelectableByMouse
        | flags.LinksAccessibleByKeyboard
        | flags.LinksAccessibleByMouse
    )
    browser.setTabChangesFocus(True)


def anchor_bounds(cursor: QTextCursor) -> QTextCursor | None:
    """A cursor selecting the whole link the given cursor is in, or None outside links."""
    block = cursor.block()
    position = cursor.position()
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        start, end = fragment.position(), fragment.position() + fragment.length()
        if fragment.charFormat().anchorHref() and start <= position < end:
            href = fragment.charFormat().anchorHref()
            # A link may be split into fragments (bold inside it): take every neighbour with its href.
            link = QTextCursor(cursor.document())
            link.setPosition(start)
            link.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            following = iterator
            following += 1
            while not following.atEnd() and following.fragment().charFormat().anchorHref() == href:
                end = following.fragment().position() + following.fragment().length()
                link.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                following += 1
            return link
        iterator += 1
    return None


class ArticleView(ContentBrowser):
    """Shows one page at a time. Emits ``link_activated`` for every link a person follows.

    Links inside the page (``#ref-3``) are announced too: following a citation is a step in
    the history (desktop/reader.py), so Back returns to the sentence it was cited in. Resources
    come from the content only (:class:`~desktop.safe_document.ContentBrowser`): nothing a page
    names is ever read from disk.
    """

    link_activated = Signal(QUrl)
    zoom_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.setAccessibleName("Article")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        make_caret_readable(self)
        self._zoom = 0
        self._html = ""
        self._target: list[QTextEdit.ExtraSelection] = []
        self._caret_link: list[QTextEdit.ExtraSelection] = []
        self._others: list[QTextEdit.ExtraSelection] = []
        self._apply_font()
        self.anchorClicked.connect(self._on_anchor)
        self.cursorPositionChanged.connect(self._mark_caret_link)
        self._restyle()

    def _apply_font(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(BASE_POINT_SIZE + self._zoom)
        self.document().setDefaultFont(font)

    def _restyle(self) -> None:
        self.document().setDefaultStyleSheet(stylesheet(style_from_palette(self.palette())))
        self.document().setDocumentMargin(18)

    def show_html(self, html: str, anchor: str = "", *, scroll: int | None = None, caret: int = 0) -> None:
        """Show a page at ``anchor``, or back where the person was (``scroll`` and ``caret``)."""
        self._html = html
        self._target = []
        self._set_html(html)
        self.go_to(anchor, scroll=scroll, caret=caret)

    def _set_html(self, html: str) -> None:
        """``setHtml`` with the vertical scroll bar kept while the page is laid out.

        ``setHtml`` empties the document first: the scroll bar went, the text was laid out at
        the wider width, the scroll bar came back, and the whole page was laid out again at the
        narrower one (a quarter of the instructions of opening a long article). Kept, the page
        is laid out once at the width it is shown at; a page too short for a scroll bar loses it
        after, and only that short page is laid out twice.
        """
        policy = self.verticalScrollBarPolicy()
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHtml(html)
        self.setVerticalScrollBarPolicy(policy)

    def go_to(self, anchor: str = "", *, scroll: int | None = None, caret: int = 0) -> None:
        """Move within the page shown: to ``anchor``, to a remembered place, or to the top."""
        self._target = []
        cursor = self.textCursor()
        if scroll is not None:  # back where the person was; a reference they were at is marked again
            if anchor:
                self._mark_target(anchor)
            cursor.setPosition(min(caret, self.document().characterCount() - 1))
            self.setTextCursor(cursor)
            self.verticalScrollBar().setValue(scroll)
        elif anchor:
            self._mark_target(anchor)  # moves the caret there too
            if anchor.startswith("ref-"):
                self.scrollToAnchor(anchor)
            else:
                # A third of the way down, not at the top: on a drug page opened at its dose the
                # drug's name stays in view above the dose.
                self.verticalScrollBar().setValue(0)
                top = self.cursorRect().top()
                self.verticalScrollBar().setValue(max(0, top - self.viewport().height() // 3))
        else:
            cursor.movePosition(QTextCursor.MoveOperation.Start)
            self.setTextCursor(cursor)
            self.verticalScrollBar().setValue(0)
        self._update_selections()

    def anchor_position(self, name: str) -> int:
        """Where the named anchor (``<a name>``) is in the document, or -1."""
        block = self.document().begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if name in fragment.charFormat().anchorNames():
                    return fragment.position()
                iterator += 1
            block = block.next()
        return -1

    def _mark_target(self, anchor: str) -> None:
        """Put the caret at an anchor's paragraph; highlight it when it is a reference (``ref-N``)."""
        position = self.anchor_position(anchor)
        if position < 0:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(position)
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        caret = QTextCursor(cursor)
        self.setTextCursor(caret)
        if not anchor.startswith("ref-"):
            return  # a dose row, the notes: the caret goes there; only a reference is highlighted
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        highlight = QTextCharFormat()
        colour = QColor(ring_colour(self.palette()))
        colour.setAlpha(60)
        highlight.setBackground(colour)
        highlight.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.format = highlight
        self._target = [selection]

    def target_text(self) -> str:
        """The text of the highlighted reference, or ''."""
        return self._target[0].cursor.selectedText() if self._target else ""

    def _mark_caret_link(self) -> None:
        """Mark the link under the keyboard caret: a solid ring colour background and underline."""
        link = anchor_bounds(self.textCursor())
        self._caret_link = []
        if link is not None and self.hasFocus():
            selection = QTextEdit.ExtraSelection()
            selection.cursor = link
            mark = QTextCharFormat()
            mark.setBackground(ring_colour(self.palette()))
            mark.setForeground(self.palette().color(QPalette.ColorRole.HighlightedText))
            selection.format = mark
            self._caret_link = [selection]
        self._update_selections()

    def link_at_caret(self) -> str:
        link = anchor_bounds(self.textCursor())
        return link.charFormat().anchorHref() if link is not None else ""

    def setExtraSelections(self, selections: list[QTextEdit.ExtraSelection]) -> None:  # type: ignore[override]
        """Other marks (find's matches) go with the reference highlight and the caret's link."""
        self._others = list(selections)
        self._update_selections()

    def _update_selections(self) -> None:
        super().setExtraSelections([*self._target, *self._others, *self._caret_link])

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            href = self.link_at_caret()
            if href:
                self._on_anchor(QUrl(href))
                return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # QTextBrowser moves Tab through the page's links (80 stops in an article); one Tab
        # leaves the pane instead, and the links are in "Contents and links of this page".
        return QWidget.focusNextPrevChild(self, next)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            result = super().event(event)
            self._mark_caret_link()
            return result
        return super().event(event)

    def tooltip_at(self, pos: QPoint) -> str:
        """A citation's reference (or a link's address) under a point of the viewport."""
        cursor = self.cursorForPosition(pos)
        link = anchor_bounds(cursor)
        if link is None and cursor.position() > 0:  # the point was on the right half of a link's last letter
            cursor.movePosition(QTextCursor.MoveOperation.PreviousCharacter)
            link = anchor_bounds(cursor)
        if link is None:
            return ""
        check = QTextCursor(link)
        check.setPosition(link.selectionStart() + 1)
        fmt = check.charFormat()
        return fmt.toolTip() or fmt.anchorHref()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self._html:
            position = self.verticalScrollBar().value()
            self._restyle()
            self._set_html(self._html)
            self.verticalScrollBar().setValue(position)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._apply_font()  # the window's zoom reached this pane: keep the reading size

    def _on_anchor(self, url: QUrl) -> None:
        self.link_activated.emit(url)

    def follow(self, href: str) -> None:
        """Follow a link of the page as a click on it would."""
        self._on_anchor(QUrl(href))

    # -- zoom ----------------------------------------------------------------------------

    @property
    def zoom_steps(self) -> int:
        return self._zoom

    def set_zoom_steps(self, steps: int) -> None:
        self._zoom = max(ZOOM_RANGE[0], min(ZOOM_RANGE[1], steps))
        self._apply_font()
        self.zoom_changed.emit(self._zoom)
