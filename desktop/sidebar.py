"""The sidebar: the search box over either the topic tree or the search results.

It announces what a person wants to open (``open_requested``) and knows nothing of the
article pane.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from db.library import Library
from db.model import SearchHit, SearchResults
from db.userdata import Bookmark, Visit
from desktop.announce import Announcer
from desktop.queries import Queries
from desktop.roles import URL_ROLE
from desktop.search import SearchRunner
from desktop.topic_model import LazyTopicModel

if TYPE_CHECKING:
    from PySide6.QtWidgets import QListView

    from desktop.search_model import SearchResultsModel


class Sidebar(QWidget):
    """Search box, topic tree and search results. Emits the address a person chose.

    ``results_shown`` announces each search answer once it is on screen (tests wait on it).
    """

    open_requested = Signal(str)
    results_shown = Signal(object)  # SearchResults
    results_page_made = Signal(QWidget)  # the results page, once made (make_results_page)

    def __init__(self, library: Library, queries: Queries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search drugs, brands, classes, articles  (Ctrl+K)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search")

        self.topics = LazyTopicModel(
            library.topics(most_articles=LazyTopicModel.LAZY_ROWS), library.topic_articles, self
        )
        self.topic_tree = QTreeView(self)
        self.topic_tree.setObjectName("topicTree")
        self.topic_tree.setModel(self.topics)
        self.topic_tree.setHeaderHidden(True)
        self.topic_tree.setUniformRowHeights(True)
        self.topic_tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.topic_tree.setAccessibleName("Topics")
        self._expand_loaded()
        # Bookmarks and Recent are filled after the tree is made, and refilled as they change:
        # open them as their rows arrive, so they are seen at the top without a click.
        self.topics.rowsInserted.connect(self._expand_refilled)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.topic_tree)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(self.search_box)
        layout.addWidget(self.stack, 1)

        # The results page (status line, list, delegate) is made when first needed, or right after
        # the first paint (make_results_page, desktop.main_window): it is hidden until a search
        # answers, and its classes and their enums are not needed for the first paint.
        self._results_page: QWidget | None = None
        self.runner = SearchRunner(queries, self)
        self._last: SearchResults | None = None
        #: The text whose first hit opens as soon as its results arrive (Enter pressed before them).
        self._open_on_arrival: str | None = None
        self.search_box.textChanged.connect(self._on_text_changed)
        self.search_box.returnPressed.connect(self._open_top_hit)
        self.search_box.installEventFilter(self)
        self.runner.results_ready.connect(self._show_results)
        self.runner.failed.connect(self._show_failure)
        self.topic_tree.activated.connect(self._open_index)
        self.topic_tree.clicked.connect(self._open_index)

    def make_results_page(self) -> None:
        """Make the search results page (status line and results list) if it is not made yet."""
        if self._results_page is not None:
            return
        from PySide6.QtWidgets import QListView

        from desktop.search_model import HitDelegate, SearchResultsModel

        self._status_label = QLabel(self)
        self._status_label.setObjectName("searchStatus")
        self._status_label.setWordWrap(True)
        self._status_label.setTextFormat(Qt.TextFormat.RichText)
        self._status_label.setContentsMargins(4, 2, 4, 2)
        self._results = SearchResultsModel(self)
        self._results_view = QListView(self)
        self._results_view.setObjectName("searchResults")
        self._results_view.setModel(self._results)
        self._results_view.setItemDelegate(HitDelegate(self._results_view))
        self._results_view.setWordWrap(True)
        self._results_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # A scroll bar that comes and goes changes the width every hit is laid out at, so each
        # first keystroke laid out its thirty hits twice; kept, the text does not reflow either.
        self._results_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._results_view.setAccessibleName("Search results")
        results_page = QWidget(self)
        self._results_page_layout = results_layout = QVBoxLayout(results_page)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self._status_label)
        results_layout.addWidget(self._results_view, 1)
        self.stack.addWidget(results_page)
        self._announcer = Announcer(self._results_view)
        self._results_view.activated.connect(self._open_index)
        self._results_view.clicked.connect(self._open_index)
        self._status_label.linkActivated.connect(self.search_box.setText)
        self._results_page = results_page
        self.results_page_made.emit(results_page)

    @property
    def status(self) -> QLabel:
        """The line above the results (count, "no results", "did you mean")."""
        self.make_results_page()
        return self._status_label

    @property
    def results(self) -> SearchResultsModel:
        self.make_results_page()
        return self._results

    @property
    def results_view(self) -> QListView:
        self.make_results_page()
        return self._results_view

    @property
    def announcer(self) -> Announcer:
        self.make_results_page()
        return self._announcer

    def _expand_loaded(self) -> None:
        """Open every group whose rows are made (expandAll would make the deferred ones too)."""
        parents = [QModelIndex()]
        while parents:
            parent = parents.pop()
            for row in range(self.topics.rowCount(parent)):
                index = self.topics.index(row, 0, parent)
                if self.topics.rowCount(index):
                    self.topic_tree.expand(index)
                    parents.append(index)

    # -- what the window tells it --------------------------------------------------------

    def show_bookmarks(self, bookmarks: tuple[Bookmark, ...]) -> None:
        """The user's bookmarks, newest first, in their group of the topic tree."""
        self.topics.set_bookmarks((b.url, b.title) for b in bookmarks)

    def show_recent(self, visits: tuple[Visit, ...]) -> None:
        """The pages read last, newest first, in the Recent group."""
        self.topics.set_recent((v.url, v.title) for v in visits)

    def shutdown(self) -> None:
        """Stop searching: the window is closing."""
        self.runner.shutdown()

    def _expand_refilled(self, parent: QModelIndex, _first: int, _last: int) -> None:
        if parent.isValid() and not parent.parent().isValid() and parent.data() in ("Bookmarks", "Recent"):
            self.topic_tree.expand(parent)

    # -- searching -----------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def _searching(self) -> bool:
        return bool(self.search_box.text().strip())

    def _on_text_changed(self, text: str) -> None:
        self._open_on_arrival = None  # an Enter pressed for earlier text no longer stands
        if text.strip():
            # The results page replaces the topics when the first answer is in (_show_results):
            # shown now, it was laid out and painted empty while the search ran, and on the first
            # key of a word that was a third of the time to the answer (see bench/README.md).
            self.runner.request(text)
        else:
            self.runner.request("")
            self._last = None
            if self._results_page is not None:  # else there is nothing shown to clear
                self.results.set_hits(())
                self.status.clear()
            self.stack.setCurrentIndex(0)

    def _show_results(self, results: SearchResults) -> None:
        if results.query != self.search_box.text():
            return  # typed on since; a newer answer is coming
        self._last = results
        offered = results.showing_suggestion
        status, spoken = self._status(results)
        # The status first, then the page, then the hits: the page is laid out once, with the
        # status at its new height. Set after the hits, the status line's new height resized the
        # list once it had been laid out and painted, and (word-wrapped) it was laid out and
        # painted again: twice on a word's first key and on "did you mean" (bench/README.md).
        self.status.setText(status)
        if self.stack.currentIndex() == 1:
            self._results_page_layout.activate()  # shown already: resize it now, not after the paint
        self.stack.setCurrentIndex(1)  # before the hits: hits laid out while hidden would be laid out again
        self.results.set_hits(results.hits)
        if results.hits and not offered:
            self.results_view.setCurrentIndex(self.results.index(0, 0))
        self.announcer.say(spoken)
        self.results_shown.emit(results)
        if self._open_on_arrival == results.query:
            self._open_on_arrival = None
            if results.hits and not offered:
                self.open_requested.emit(results.hits[0].url)

    def _status(self, results: SearchResults) -> tuple[str, str]:
        """What the status line shows for these results (rich text), and what a screen reader says."""
        if results.showing_suggestion and results.suggestion:
            # Safety: a corrected name is offered, never opened on its own; no hit is chosen
            # until the person chooses one (Down, a click, or the suggestion's link).
            link = f'<a href="{escape(results.suggestion)}">{escape(results.suggestion)}</a>'
            spoken = f"No results for {results.query}. Did you mean {results.suggestion}?"
            if not results.hits:
                return f"No results for <b>{escape(results.query)}</b>. Did you mean {link}?", spoken
            shown = (
                f"No results for <b>{escape(results.query)}</b>. Did you mean {link}? "
                "Its results are below: Down to choose one."
            )
            return shown, spoken + f" {self._count(results)} for it; press Down to choose one."
        if not results.hits:
            shown = (
                f"No results for <b>{escape(results.query)}</b>. "
                "Try a generic or brand name, or a class such as “cortical”."
            )
            return shown, f"No results for {results.query}."
        return (
            f"{self._count(results)} · Enter opens the first",
            f"{self._count(results)}. First: {self._spoken(results.hits[0], 0, len(results.hits))}",
        )

    @staticmethod
    def _count(results: SearchResults) -> str:
        count = len(results.hits)
        return f"{count} result{'s' if count != 1 else ''}"

    def _spoken(self, hit: SearchHit, row: int, count: int | None = None) -> str:
        detail = hit.detail.split(" · ")[0]
        return f"{hit.title}, {detail}, {row + 1} of {self.results.rowCount() if count is None else count}"

    def _show_failure(self, message: str) -> None:
        self.stack.setCurrentIndex(1)
        self.results.set_hits(())
        self.status.setText(f"Search is not available: {escape(message)}")

    def _open_top_hit(self) -> None:
        text = self.search_box.text()
        if self._last is not None and self._last.query == text and self._last.hits:
            index = self.results_view.currentIndex()
            if self._last.showing_suggestion and not index.isValid():
                self.announcer.say(f"Did you mean {self._last.suggestion}? Press Down to choose a result.")
                return  # a corrected name is never opened without the person choosing it
            hit = self.results.hit(index.row() if index.isValid() else 0) or self._last.hits[0]
            self.open_requested.emit(hit.url)
        elif text.strip():
            # Enter before the pause: search now; _show_results opens the first hit for this text.
            self._open_on_arrival = text
            self.runner.search_now(text)

    def _open_index(self, index: QModelIndex) -> None:
        url = index.data(URL_ROLE)
        if url:
            self.open_requested.emit(str(url))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_box and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.search_box.clear()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self._searching():
                rows = self.results.rowCount() if self._results_page is not None else 0
                if rows:
                    current = self.results_view.currentIndex().row()
                    step = 1 if event.key() == Qt.Key.Key_Down else -1
                    row = max(0, min(rows - 1, current + step))
                    self.results_view.setCurrentIndex(self.results.index(row, 0))
                    hit = self.results.hit(row)
                    if hit is not None:
                        self.announcer.say(self._spoken(hit, row))
                return True
            if event.key() == Qt.Key.Key_Down and not self._searching():
                self.topic_tree.setFocus()
                return True
        return super().eventFilter(watched, event)
