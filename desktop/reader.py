"""The reading pane: opens ClinRef addresses, keeps back / forward, find, zoom and the external-link guard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from db.errors import LibraryError
from desktop.announce import Announcer
from desktop.article_view import EXTERNAL_SCHEMES, INTERNAL_SCHEMES, ArticleView
from desktop.find_bar import FindBar
from desktop.navigation import Navigation, Place
from desktop.pages import (
    NOTES_ANCHOR,
    NOTES_SHOW,
    Page,
    Pages,
    PageStyle,
    not_found_page,
    stylesheet,
    unreadable_page,
)
from desktop.safe_document import ContentDocument


def _page_address(url: str) -> str:
    return url.partition("#")[0]


class BackToText(QWidget):
    """Shown over the article after a citation was followed: which reference, and the way back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backToText")
        self.label = QLabel(self)
        self.label.setObjectName("citationTarget")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)  # a long reference wraps; it never widens the pane
        self.button = QPushButton("\u21a9 Back to text (Alt+Left)", self)
        self.button.setObjectName("backToTextButton")
        self.button.setAccessibleName("Back to text")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()


class Reader(QWidget):
    """Shows pages by address (``drug:levetiracetam``, ``article:SLUG#ref-5``) with history.

    ``page_changed`` announces every page shown, so the window can update its title,
    bookmark state and the recent list without the reader knowing about them.
    """

    page_changed = Signal(object)  # Page
    navigation_changed = Signal()
    zoom_changed = Signal(int)  # steps from the base size

    def __init__(self, pages: Pages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages = pages
        self._navigation = Navigation()
        self.page: Page | None = None
        self.back_to_text = BackToText(self)
        self.view = ArticleView(self)
        self.find_bar = FindBar(self.view, self)
        self.announcer = Announcer(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.back_to_text)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.find_bar)
        self.view.link_activated.connect(self._follow)
        self.find_bar.closed.connect(self.view.setFocus)
        self.back_to_text.button.clicked.connect(self.back)
        notes = QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.toggle_source_notes)
        notes.setContext(Qt.ShortcutContext.WindowShortcut)

    def show_outline(self) -> None:
        """Open "Contents and links of this page" (headings, links, citations; Enter goes there)."""
        from desktop.outline import OutlineDialog

        dialog = OutlineDialog(self.view, self.page.title if self.page else "ClinRef", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- notes on the source -------------------------------------------------------------

    def toggle_source_notes(self) -> None:
        self.set_source_notes(not self._pages.source_notes_open)

    def set_source_notes(self, show: bool) -> None:
        """Open or close every article's "Notes on the source"; opening one shows it."""
        self._pages.source_notes_open = show
        if self.page is None or not self.page.found or not self.page.url.startswith("article:"):
            return
        scroll, caret = self.view.verticalScrollBar().value(), self.view.textCursor().position()
        try:
            page = self._pages.page_for(self.page.url)
        except LibraryError as error:
            page = unreadable_page(self.page.url, error)
        if page is None:
            return
        self.page = page
        if show:
            self.view.show_html(page.html, NOTES_ANCHOR)
            self.announcer.say("Notes on the source opened")
        else:
            self.view.show_html(page.html, scroll=scroll, caret=caret)
            self.announcer.say("Notes on the source closed")
        self.find_bar.refresh()

    @property
    def current_url(self) -> str | None:
        """The address shown, with its anchor (``drug:propofol#dose``, ``article:SLUG#ref-1``)."""
        return self._navigation.current

    def open(self, url: str) -> bool:
        """Show the page at ``url``; returns False (and shows why) when there is no such page."""
        return self._show(url, remember=True)

    def _show(self, url: str, *, remember: bool, place: Place | None = None) -> bool:
        _, _, fragment = url.partition("#")
        if remember and self.page is not None and self.page.found and url == self._navigation.current:
            return True  # already shown (a double-click, a second Enter): nothing to redo
        if remember:  # leaving a page: keep where the person was on it, for Back
            self._navigation.remember(self.view.verticalScrollBar().value(), self.view.textCursor().position())
        same_page = self.page is not None and self.page.found and _page_address(url) == self.page.url
        if same_page and self.page is not None:
            page = self.page
        else:
            try:
                page = self._pages.page_for(url) or not_found_page(url)
            except LibraryError as error:  # the file changed or broke under us: say so, keep running
                page = unreadable_page(url, error)
        if remember:
            self._navigation.visit(url)
        scroll = place.scroll if place is not None else None
        caret = place.caret if place is not None else 0
        anchor = fragment if page.found else ""
        if same_page:
            self.view.go_to(anchor, scroll=scroll, caret=caret)
        else:
            self.page = page
            self.view.show_html(page.html, anchor, scroll=scroll, caret=caret)
            self.find_bar.refresh()
        self._show_citation_bar(fragment if page.found else "")
        if not same_page:
            self.page_changed.emit(page)
            self.announcer.say(f"Opened {page.title}" if page.found else page.title)
        self.navigation_changed.emit()
        return page.found

    def _show_citation_bar(self, fragment: str) -> None:
        """After a citation jump: name the reference and offer the way back to the sentence."""
        previous = self._navigation.previous
        cited = fragment.startswith("ref-") and previous is not None and self.page is not None
        if cited and previous is not None and self.page is not None and _page_address(previous) == self.page.url:
            reference = self.view.target_text().strip()
            self.back_to_text.label.setText(reference or f"Reference {fragment[4:]}")
            self.back_to_text.show()
            self.announcer.say(f"{reference or 'Reference ' + fragment[4:]}. Alt+Left or Back to text returns.")
        else:
            self.back_to_text.hide()

    def back(self) -> None:
        self._step(self._navigation.back)

    def forward(self) -> None:
        self._step(self._navigation.forward)

    def _step(self, move: Callable[[], str | None]) -> None:
        self._navigation.remember(self.view.verticalScrollBar().value(), self.view.textCursor().position())
        url = move()
        place = self._navigation.place
        if url and place is not None:
            self._show(url, remember=False, place=place if place.scroll is not None else None)

    def can_go_back(self) -> bool:
        return self._navigation.can_go_back()

    def can_go_forward(self) -> bool:
        return self._navigation.can_go_forward()

    def _follow(self, url: QUrl) -> None:
        scheme = url.scheme()
        if not scheme and url.hasFragment():  # a citation or another place on this page: a step in the history
            if self.page is not None and self.page.found:
                self.open(f"{self.page.url}#{url.fragment()}")
            else:
                self.view.scrollToAnchor(url.fragment())
        elif scheme == "notes":
            self.set_source_notes(url.toString() == NOTES_SHOW)
        elif scheme in INTERNAL_SCHEMES:
            self.open(url.toString())
        elif scheme in EXTERNAL_SCHEMES:
            self.confirm_external(url)

    def confirm_external(self, url: QUrl) -> bool:
        """Show the address and ask before handing it to the system browser; never open it here."""
        from PySide6.QtGui import QDesktopServices  # when a link leaves ClinRef: not at start-up
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Open in your web browser?",
            "This link leaves ClinRef and needs a network connection:",
            parent=self,
        )
        box.setObjectName("externalLinkDialog")
        box.setInformativeText(url.toDisplayString())
        box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        if box.exec() == QMessageBox.StandardButton.Open:
            return QDesktopServices.openUrl(url)
        return False

    def printable_document(self) -> QTextDocument:
        """The page as it should be on paper: light colours whatever the screen's theme."""
        document = ContentDocument(self)
        document.setDefaultFont(self.view.document().defaultFont())
        document.setDefaultStyleSheet(stylesheet(PageStyle()))
        document.setHtml(self.page.html if self.page else self.view.toHtml())
        return document

    # -- zoom ----------------------------------------------------------------------------

    def zoom_steps(self) -> int:
        return self.view.zoom_steps

    def set_zoom_steps(self, steps: int) -> None:
        """Zoom to ``steps`` from the base size (clamped by the view); announces the result."""
        self.view.set_zoom_steps(steps)
        self.zoom_changed.emit(self.view.zoom_steps)

    def zoom_in(self) -> None:
        self.set_zoom_steps(self.view.zoom_steps + 1)

    def zoom_out(self) -> None:
        self.set_zoom_steps(self.view.zoom_steps - 1)

    def zoom_reset(self) -> None:
        self.set_zoom_steps(0)

    def open_find(self) -> None:
        self.find_bar.open_bar()
