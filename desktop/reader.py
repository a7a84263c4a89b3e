"""The reading pane: opens ClinRef addresses, keeps back / forward, find, zoom and the external-link guard."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from db.model import PageAddress, PageScheme
from desktop.announce import Announcer
from desktop.article_view import EXTERNAL_SCHEMES, ArticleView
from desktop.navigation import Navigation
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
from desktop.queries import Queries
from desktop.safe_document import ContentDocument

if TYPE_CHECKING:
    from desktop.find_bar import FindBar

#: Page opens share one channel: only the newest one asked for is shown.
_CHANNEL = "page"
#: Re-rendering the page shown with its notes on the source opened or closed.
_NOTES_CHANNEL = "page-notes"


#: The schemes of the pages a link in a page opens here (not ``classes:``: the Treatments panel shows those).
_PAGE_SCHEMES = frozenset(scheme.value for scheme in PageScheme if scheme.is_page)


def _page_address(url: str) -> PageAddress | None:
    """The page ``url`` names, without the place on it; None when it names none."""
    address = PageAddress.parse(url)
    return address.page if address is not None else None


def _read(pages: Pages, url: str) -> Page | None:
    """The page ``url`` names, read on a worker; None when it names none or this content has none."""
    address = PageAddress.parse(url)
    return pages.page_for(address) if address is not None else None


@dataclass(frozen=True)
class _Pending:
    """A page asked for and not yet shown: its address, and the history step it is (None: a new page)."""

    url: str
    step_to: int | None


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

    A page is read and rendered off the GUI thread (through :class:`~desktop.queries.Queries`) and
    laid out when it arrives; when a person asks for pages faster than they arrive, only the newest
    is shown and only what was shown enters the history. A place on the page already shown (a
    citation, Back to the sentence) needs no reading and is shown at once.

    ``page_changed`` announces every new page shown, so the window can update its title, bookmark
    state and the recent list without the reader knowing about them; ``page_shown`` ends every
    request: the address now on screen (a new page, a place on the same one, or the one asked for
    again).
    """

    page_changed = Signal(object)  # Page
    page_shown = Signal(str)  # the address laid out, with its anchor
    navigation_changed = Signal()
    zoom_changed = Signal(int)  # steps from the base size

    def __init__(self, pages: Pages, queries: Queries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pages = pages
        self._queries = queries
        self._navigation = Navigation()
        self._pending: _Pending | None = None
        self.page: Page | None = None
        self.back_to_text = BackToText(self)
        self.view = ArticleView(self)
        self._find_bar: FindBar | None = None  # made at the first Ctrl+F (find_bar), not at start-up
        self.announcer = Announcer(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.back_to_text)
        layout.addWidget(self.view, 1)
        self.view.link_activated.connect(self._follow)
        self.back_to_text.button.clicked.connect(self.back)
        notes = QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.toggle_source_notes)
        notes.setContext(Qt.ShortcutContext.WindowShortcut)

    def follow_in_tab_order(self, previous: QWidget) -> None:
        """Put the page right after ``previous`` when Tab moves through the window (the tab bar above it)."""
        QWidget.setTabOrder(previous, self.view)

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
        if self._pending is not None:  # a page on its way was rendered as things were: ask for it again
            self._ask(self._pending)
            return
        shown = self.page
        address = shown.address if shown is not None and shown.found else None
        if shown is None or address is None or address.scheme is not PageScheme.ARTICLE:
            return
        url, pages = shown.url, copy.copy(self._pages)
        self._queries.ask(
            _NOTES_CHANNEL,
            lambda _library: _read(pages, url),
            lambda page: self._notes_arrived(url, show, page),
            lambda error: self._notes_arrived(url, show, unreadable_page(url, error)),
        )

    def _notes_arrived(self, url: str, show: bool, page: Page | None) -> None:
        if page is None or self.page is None or self.page.url != url:
            return  # the page is gone from the content, or the person has moved on to another
        scroll, caret = self.view.verticalScrollBar().value(), self.view.textCursor().position()
        self.page = page
        if show:
            self.view.show_html(page.html, NOTES_ANCHOR)
            self.announcer.say("Notes on the source opened")
        else:
            self.view.show_html(page.html, scroll=scroll, caret=caret)
            self.announcer.say("Notes on the source closed")
        self._refresh_find()
        self.page_shown.emit(self._navigation.current or url)

    @property
    def opening(self) -> bool:
        """Whether a page asked for is still on its way."""
        return self._pending is not None

    @property
    def current_url(self) -> str | None:
        """The address shown, with its anchor (``drug:propofol#dose``, ``article:SLUG#ref-1``)."""
        return self._navigation.current

    def open(self, url: PageAddress | str) -> None:
        """Show the page at ``url`` (an address, or its text from a link, a bookmark, a signal) when it arrives
        (a page saying so when there is no such page)."""
        url = str(url)
        if self._pending is None and self.page is not None and self.page.found and url == self._navigation.current:
            self.page_shown.emit(url)  # already shown (a double-click, a second Enter): nothing to redo
            return
        self._request(_Pending(url, None))

    def _request(self, request: _Pending) -> None:
        shown = self.page
        if shown is not None and shown.found and _page_address(request.url) == shown.address:
            # A place on the page shown: no reading needed, and a page asked for before is no longer wanted.
            self._queries.cancel(_CHANNEL)
            self._pending = None
            if request.step_to is not None or request.url != self._navigation.current:
                self._lay_out(request, shown)
            else:
                self.page_shown.emit(request.url)  # asked for again while another was on its way: it stays
        else:
            self._ask(request)

    def _ask(self, request: _Pending) -> None:
        self._pending = request
        url = request.url
        pages = copy.copy(self._pages)  # as things are now: a notes toggle meanwhile cannot change it half-way
        self._queries.ask(
            _CHANNEL,
            lambda _library: _read(pages, url),
            lambda page: self._arrived(request, page),
            # The file changed or broke under us: say so, keep running.
            lambda error: self._arrived(request, unreadable_page(url, error)),
        )

    def _arrived(self, request: _Pending, page: Page | None) -> None:
        self._pending = None
        self._lay_out(request, page or not_found_page(request.url))

    def _lay_out(self, request: _Pending, page: Page) -> None:
        """Show ``page`` (the one shown, for a place on it) at the request's anchor or remembered place."""
        url = request.url
        _, _, fragment = url.partition("#")
        same_page = page is self.page
        # Leaving a place: keep where the person was on it, for Back.
        self._navigation.remember(self.view.verticalScrollBar().value(), self.view.textCursor().position())
        if request.step_to is None:
            self._navigation.visit(url)
            place = None
        else:
            self._navigation.go(request.step_to)
            place = self._navigation.place
            if place is not None and place.scroll is None:
                place = None  # never left: open it at its anchor
        scroll = place.scroll if place is not None else None
        caret = place.caret if place is not None else 0
        anchor = fragment if page.found else ""
        if same_page:
            self.view.go_to(anchor, scroll=scroll, caret=caret)
        else:
            self.page = page
            self.view.show_html(page.html, anchor, scroll=scroll, caret=caret)
            self._refresh_find()
        self._show_citation_bar(fragment if page.found else "")
        if not same_page:
            self.page_changed.emit(page)
            self.announcer.say(f"Opened {page.title}" if page.found else page.title)
        self.navigation_changed.emit()
        self.page_shown.emit(url)

    def _show_citation_bar(self, fragment: str) -> None:
        """After a citation jump: name the reference and offer the way back to the sentence."""
        previous = self._navigation.previous
        cited = fragment.startswith("ref-") and previous is not None and self.page is not None
        if cited and previous is not None and self.page is not None and _page_address(previous) == self.page.address:
            reference = self.view.target_text().strip()
            self.back_to_text.label.setText(reference or f"Reference {fragment[4:]}")
            self.back_to_text.show()
            self.announcer.say(f"{reference or 'Reference ' + fragment[4:]}. Alt+Left or Back to text returns.")
        else:
            self.back_to_text.hide()

    def back(self) -> None:
        self._step(-1)

    def forward(self) -> None:
        self._step(1)

    def _step(self, steps: int) -> None:
        """Back or forward from the place shown, or from the step on its way (Back pressed twice)."""
        pending = self._pending
        start = pending.step_to if pending is not None and pending.step_to is not None else self._navigation.index
        place = self._navigation.place_at(start + steps)
        if place is not None and start + steps >= 0:
            self._request(_Pending(place.url, start + steps))

    def can_go_back(self) -> bool:
        return self._navigation.can_go_back()

    def can_go_forward(self) -> bool:
        return self._navigation.can_go_forward()

    def _follow(self, url: QUrl) -> None:
        scheme = url.scheme()
        if not scheme and url.hasFragment():  # a citation or another place on this page: a step in the history
            here = self.page.address if self.page is not None and self.page.found else None
            there = PageAddress.parse(f"{here}#{url.fragment()}") if here is not None else None
            if there is not None:
                self.open(there)
            else:
                self.view.scrollToAnchor(url.fragment())
        elif scheme == "notes":
            self.set_source_notes(url.toString() == NOTES_SHOW)
        elif scheme in _PAGE_SCHEMES:  # its text, as written: one that names no page opens "not found"
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

    @property
    def find_bar(self) -> FindBar:
        """The find bar under the article, made now if it is not yet (it is hidden until opened)."""
        if self._find_bar is None:
            from desktop.find_bar import FindBar  # its text-format classes are not needed for the first paint

            bar = self._find_bar = FindBar(self.view, self)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(bar)  # last, under the article, where it always was
            bar.closed.connect(self.view.setFocus)
        return self._find_bar

    def _refresh_find(self) -> None:
        if self._find_bar is not None:  # a bar never made has nothing found to refresh
            self._find_bar.refresh()

    def open_find(self) -> None:
        self.find_bar.open_bar()
