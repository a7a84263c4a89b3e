"""The reading pane: opens ClinRef addresses, keeps back / forward, find, zoom and the external-link guard."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from db.errors import LibraryError
from desktop.article_view import EXTERNAL_SCHEMES, INTERNAL_SCHEMES, ArticleView
from desktop.find_bar import FindBar
from desktop.navigation import Navigation
from desktop.pages import Page, Pages, PageStyle, not_found_page, stylesheet, unreadable_page
from desktop.safe_document import ContentDocument


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
        self.view = ArticleView(self)
        self.find_bar = FindBar(self.view, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.find_bar)
        self.view.link_activated.connect(self._follow)
        self.find_bar.closed.connect(self.view.setFocus)

    def open(self, url: str) -> bool:
        """Show the page at ``url``; returns False (and shows why) when there is no such page."""
        return self._show(url, remember=True)

    def _show(self, url: str, *, remember: bool) -> bool:
        _, _, fragment = url.partition("#")
        if remember and self.page is not None and self.page.found and url == self._navigation.current:
            return True  # already shown (a double-click, a second Enter): nothing to redo
        try:
            page = self._pages.page_for(url) or not_found_page(url)
        except LibraryError as error:  # the file changed or broke under us: say so, keep running
            page = unreadable_page(url, error)
        if remember:
            self._navigation.visit(url)
        self.page = page
        self.view.show_html(page.html, fragment if page.found else "")
        self.find_bar.refresh()
        self.page_changed.emit(page)
        self.navigation_changed.emit()
        return page.found

    def back(self) -> None:
        url = self._navigation.back()
        if url:
            self._show(url, remember=False)

    def forward(self) -> None:
        url = self._navigation.forward()
        if url:
            self._show(url, remember=False)

    def can_go_back(self) -> bool:
        return self._navigation.can_go_back()

    def can_go_forward(self) -> bool:
        return self._navigation.can_go_forward()

    def _follow(self, url: QUrl) -> None:
        scheme = url.scheme()
        if scheme in INTERNAL_SCHEMES:
            self.open(url.toString())
        elif scheme in EXTERNAL_SCHEMES:
            self.confirm_external(url)

    def confirm_external(self, url: QUrl) -> bool:
        """Show the address and ask before handing it to the system browser; never open it here."""
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
