"""The main window: lays out the sidebar, the reader and the drug filter, and connects them.

Nothing here does feature work. Bookmarks and history are :class:`desktop.bookmarks.Bookmarks`,
print and export :class:`desktop.print_actions.PrintActions`, the Help menu's windows
:mod:`desktop.help`; the children announce what a person wants (``open_requested``,
``page_changed``) and :meth:`_connect_signals` routes it, in one place.

What is not on screen at start-up (the Treatments and Study tabs, the home article) is made
just after the window's first paint, or when first needed (:mod:`desktop.deferred`); the
modules only those need are imported then.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QMainWindow, QMenu, QSplitter, QTabWidget, QToolBar, QWidget

from db.library import Library
from db.model import PageAddress, PageScheme
from desktop.bookmarks import Bookmarks
from desktop.bookmarks_menu import BookmarksMenu
from desktop.deferred import AfterFirstPaint, DeferredTab
from desktop.focus import FocusRing
from desktop.pages import Page, Pages, format_date
from desktop.queries import Queries
from desktop.reader import Reader
from desktop.resources import Disclaimer
from desktop.settings import UserSettings
from desktop.sidebar import Sidebar
from desktop.store_status import StoreStatus
from desktop.zoom import apply_zoom

if TYPE_CHECKING:
    from desktop.print_actions import Printable, PrintActions
    from desktop.study_view import StudyView
    from desktop.treatments import TreatmentsPanel

READING_TAB, TREATMENTS_TAB, STUDY_TAB = 0, 1, 2


class MainWindow(QMainWindow):
    """Builds the widgets and actions, connects their signals, and remembers the layout."""

    def __init__(
        self,
        library: Library,
        settings: UserSettings,
        bookmarks: Bookmarks,
        queries: Queries,
        disclaimer: Disclaimer,
        notices: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.library = library
        self.settings = settings
        self.bookmarks = bookmarks
        self.queries = queries
        self.disclaimer = disclaimer
        self.notices = [n for n in (notices or []) if n]
        self.setWindowTitle("ClinRef")
        screen = self.screen().availableGeometry()
        self.resize(min(1280, int(screen.width() * 0.92)), min(820, int(screen.height() * 0.9)))
        self._build_widgets()
        self._build_actions()
        self._connect_signals()
        self._restore_layout()
        self._update_navigation()  # nothing to go back to until the first page: not enabled in the first paint
        self.bookmarks.load()
        self.sidebar.focus_search()  # typing at start-up goes to search: "kep", Enter opens levetiracetam
        # Once the window is on screen: the home article, search's warm-up, the tabs not shown, each after the last.
        self.after_first_paint = AfterFirstPaint(
            self, [self._open_home, self._warm_up_search, self._treatments_tab.widget, self._study_tab.widget]
        )
        # And the search results page, hidden until a search answers: made now, not by the first key typed.
        self.after_first_paint.add(self.sidebar.make_results_page)

    # -- layout --------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.sidebar = Sidebar(self.library, self.queries, self)
        self.reader = Reader(Pages(self.library, self.disclaimer.notice), self.queries, self)
        self._printing: PrintActions | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.reader, "&Reading")
        self._treatments_tab = DeferredTab(
            self.tabs, "&Treatments by class", self._make_treatments, self._connect_treatments
        )
        self._study_tab = DeferredTab(self.tabs, "&Study", self._make_study, self._connect_study)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 960])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.reader.follow_in_tab_order(self.tabs.tabBar())  # the tab bar before the page under it
        self.focus_ring = FocusRing(self._panes(self), self)
        manifest = self.library.manifest
        self.content_label = QLabel(
            f"Content {manifest.content_version} · latest article {format_date(manifest.content_date)}", self
        )
        self.content_label.setObjectName("contentVersion")
        self.content_label.setToolTip(f"{self.library.path}\nsha256 {manifest.inputs_hash}")
        self.statusBar().addPermanentWidget(self.content_label)
        self.store_status = StoreStatus(self.bookmarks.store, self)  # stays while bookmarks are not being saved
        self.statusBar().addPermanentWidget(self.store_status)

    def _action(self, text: str, shortcuts: list[QKeySequence | str], tip: str = "") -> QAction:
        action = QAction(text, self)
        sequences: list[QKeySequence] = []
        for shortcut in shortcuts:  # a platform's standard key may repeat ours: duplicates make Qt ambiguous
            sequence = QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut
            if not sequence.isEmpty() and sequence not in sequences:
                sequences.append(sequence)
        action.setShortcuts(sequences)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.act_print = self._action("&Print…", [QKeySequence(std.Print)])
        self.act_export = self._action("&Export to PDF…", ["Ctrl+E"])
        self.act_quit = self._action("&Quit", [QKeySequence(std.Quit), "Ctrl+Q"])
        self.act_find = self._action("&Find in page…", [QKeySequence(std.Find)])
        self.act_zoom_in = self._action("Zoom &in", ["Ctrl++", "Ctrl+="])
        self.act_zoom_out = self._action("Zoom &out", ["Ctrl+-"])
        self.act_zoom_reset = self._action("&Actual size", ["Ctrl+0"])
        self.act_reading = self._action("&Reading", ["Ctrl+1"])
        self.act_treatments = self._action("&Treatments by class", ["Ctrl+2"])
        self.act_study = self._action("&Study", ["Ctrl+3"])
        self.act_back = self._action("&Back", ["Alt+Left", QKeySequence(std.Back)])
        self.act_forward = self._action("&Forward", ["Alt+Right", QKeySequence(std.Forward)])
        self.act_search = self._action("&Search", ["Ctrl+K"])
        self.act_outline = self._action("Contents and &links of this page…", ["Ctrl+L"])
        self.act_bookmark = self._action("&Bookmark this page", ["Ctrl+D"])
        self.act_bookmark.setCheckable(True)
        self.act_shortcuts = self._action("&Keyboard shortcuts", ["F1"])
        self.act_disclaimer = self._action("&Disclaimer", [])
        self.act_about = self._action("&About ClinRef", [])
        menus = (
            ("&File", (self.act_print, self.act_export, None, self.act_quit)),
            ("&Edit", (self.act_find,)),
            (
                "&View",
                (
                    self.act_zoom_in,
                    self.act_zoom_out,
                    self.act_zoom_reset,
                    None,
                    self.act_reading,
                    self.act_treatments,
                    self.act_study,
                ),
            ),
            ("&Go", (self.act_back, self.act_forward, None, self.act_search, self.act_outline)),
            ("&Bookmarks", ()),
            ("&Help", (self.act_shortcuts, self.act_disclaimer, None, self.act_about)),
        )
        self.bookmarks_menu = BookmarksMenu(
            self.act_bookmark,
            self.bookmarks.bookmark_entries,  # the service's, not the window's: nothing outlives the window
            self.bookmarks.recent_entries,
            self,
        )
        for title, actions in menus:
            menu = self.bookmarks_menu if title == "&Bookmarks" else QMenu(title, self)
            self.menuBar().addMenu(menu)
            for action in actions:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)
        toolbar = QToolBar("Navigation", self)
        toolbar.setObjectName("navigationToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.act_back, self.act_forward, self.act_bookmark, self.act_find, self.act_print):
            toolbar.addAction(action)
        self.addToolBar(toolbar)

    def _connect_signals(self) -> None:
        status = self.statusBar()
        # What a person asks to open, from anywhere, opens in the reader (the tabs made later: _connect_treatments).
        self.sidebar.open_requested.connect(self.open_url)
        self.bookmarks_menu.open_requested.connect(self.open_url)
        # A page shown: title, history, bookmark state; bookmarks and history to the sidebar.
        self.reader.page_changed.connect(self._show_title)
        self.reader.page_changed.connect(self._say_if_missing)
        self.reader.page_changed.connect(self.bookmarks.page_shown)
        self.reader.navigation_changed.connect(self._update_navigation)
        self.reader.zoom_changed.connect(self.settings.set_zoom)
        self.reader.zoom_changed.connect(self._zoom_window)  # one zoom, the whole window
        self.bookmarks.bookmarks_changed.connect(self.sidebar.show_bookmarks)
        self.bookmarks.recent_changed.connect(self.sidebar.show_recent)
        self.reader.page_changed.connect(self._update_bookmark_action)
        self.bookmarks.bookmarks_changed.connect(self._update_bookmark_action)
        self.bookmarks.message.connect(status.showMessage)
        self.store_status.changed.connect(self.bookmarks.load)  # a retry that worked: show what is kept now
        self.queries.failed.connect(self._show_failure)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.sidebar.results_page_made.connect(self._add_panes)
        # Actions.
        self.act_print.triggered.connect(self.print_page)
        self.act_export.triggered.connect(self.export_page)
        self.act_quit.triggered.connect(self.close)
        self.act_find.triggered.connect(self.open_find)
        self.act_zoom_in.triggered.connect(self.reader.zoom_in)
        self.act_zoom_out.triggered.connect(self.reader.zoom_out)
        self.act_zoom_reset.triggered.connect(self.reader.zoom_reset)
        self.act_reading.triggered.connect(self.show_reading)
        self.act_treatments.triggered.connect(self.show_treatments)
        self.act_study.triggered.connect(self.show_study)
        self.act_back.triggered.connect(self.reader.back)
        self.act_forward.triggered.connect(self.reader.forward)
        self.act_search.triggered.connect(self.focus_search)
        self.act_outline.triggered.connect(self.reader.show_outline)
        self.act_bookmark.triggered.connect(self.toggle_bookmark)
        self.act_shortcuts.triggered.connect(self.show_shortcuts)
        self.act_disclaimer.triggered.connect(self.show_disclaimer)
        self.act_about.triggered.connect(self.show_about)
        # No lambda in this method captures the window: PySide keeps a connected lambda alive past the
        # window's deletion (a content reload replaces the window), and with it the whole window.

    # -- made after the first paint, or when first needed (desktop/deferred.py) -------------

    def _make_treatments(self, parent: QWidget) -> TreatmentsPanel:
        from desktop.treatments import TreatmentsPanel

        return TreatmentsPanel(self.library, self.queries, parent)

    def _connect_treatments(self, panel: TreatmentsPanel) -> None:
        panel.open_requested.connect(self.open_url)
        panel.view_changed.connect(self._update_bookmark_action)
        saved = self.settings.layout("treatments_splitter")
        if saved is not None:
            panel.restore_state(saved)
        self.focus_ring.add(self._panes(panel))

    def _add_panes(self, root: QWidget) -> None:
        """The focus ring also goes round the panes of a part made after the window (the results list)."""
        self.focus_ring.add(self._panes(root))

    def _make_study(self, parent: QWidget) -> StudyView:
        from desktop.study_view import StudyView

        return StudyView(self.library, self.bookmarks.store, parent)

    def _connect_study(self, study: StudyView) -> None:
        study.open_requested.connect(self.open_url)
        study.set_zoom_steps(self.reader.zoom_steps())
        self.reader.zoom_changed.connect(study.set_zoom_steps)  # the card follows the zoom
        self.focus_ring.add(self._panes(study))

    @property
    def treatments(self) -> TreatmentsPanel:
        """The Treatments tab's panel (made now if it is not yet)."""
        return self._treatments_tab.widget()

    @property
    def study(self) -> StudyView:
        """The Study tab's view (made now if it is not yet)."""
        return self._study_tab.widget()

    @property
    def printing(self) -> PrintActions:
        """Print and export (made, with the modules they need, when first used)."""
        if self._printing is None:
            from desktop.print_actions import PrintActions

            self._printing = PrintActions(self.library.manifest.content_version, self.disclaimer.notice, self)
            self._printing.message.connect(self.statusBar().showMessage)
        return self._printing

    def _open_home(self) -> None:
        # Nothing shown or on its way yet (a bookmark, a search hit): the first condition's overview article.
        if self.reader.page is None and not self.reader.opening:
            self.reader.open(self.library.home() or "")

    def _warm_up_search(self) -> None:
        # The workers' connections and what drawing the first hits needs, made before a key is typed.
        from desktop.search_model import warm_up  # here: the first paint need not import it

        self.queries.warm_up()
        warm_up(self.sidebar.font())

    @staticmethod
    def _panes(root: QWidget) -> list[QAbstractScrollArea]:
        """The panes under ``root`` the focus ring is drawn around (the named ones)."""
        return [pane for pane in root.findChildren(QAbstractScrollArea) if pane.objectName()]

    # -- routing -------------------------------------------------------------------------

    def _zoom_window(self, steps: int) -> None:
        apply_zoom(self.splitter, steps)

    def _show_failure(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    def show_reading(self) -> None:
        self.tabs.setCurrentIndex(READING_TAB)

    def export_page(self) -> None:
        self.printing.export(self._printable())

    def show_shortcuts(self) -> None:
        from desktop import help as help_windows

        help_windows.show_shortcuts(self)

    def show_disclaimer(self) -> None:
        from desktop import help as help_windows

        help_windows.show_disclaimer(self, self.disclaimer, self.settings.accepted_disclaimer_at())

    def show_about(self) -> None:
        from desktop import help as help_windows

        help_windows.show_about(self, self.library.manifest, self.library.path, self.settings.path, self.bookmarks.path)

    def open_url(self, url: str) -> None:
        address = PageAddress.parse(url)
        # A bookmarked class view: its classes chosen again (the Treatments tab is made only for one).
        if address is not None and address.scheme is PageScheme.CLASSES and self.treatments.show_address(url):
            self.show_treatments()
            return
        self.tabs.setCurrentIndex(READING_TAB)
        self.reader.open(url)

    def _show_title(self, page: Page) -> None:
        self.setWindowTitle(f"{page.title} — ClinRef")

    def _say_if_missing(self, page: Page) -> None:
        if not page.found:
            self.statusBar().showMessage(f"No page {page.url} in this content", 5000)

    def _tab_changed(self, index: int) -> None:
        # The class filter takes the sidebar's place beside the (wide) treatments table.
        self.sidebar.setVisible(index == READING_TAB)
        self._update_bookmark_action()

    def _on_treatments(self) -> bool:
        """Print, export and bookmark act on the Treatments table while its tab is the one shown."""
        return self.tabs.currentIndex() == TREATMENTS_TAB  # chosen: made

    def _current_address(self) -> tuple[str, str, bool] | None:
        """(address, title, found) of what is shown: the class view on the Treatments tab, else the page."""
        if self._on_treatments():
            address = self.treatments.address()
            return (str(address[0]), address[1], True) if address else None
        page = self.reader.page
        return (page.url, page.title, page.found) if page else None

    def _update_bookmark_action(self) -> None:
        current = self._current_address()
        self.act_bookmark.setChecked(current is not None and self.bookmarks.is_bookmarked(current[0]))
        self.act_bookmark.setEnabled(not self.bookmarks.read_only)  # a read-only store shows, never takes

    def _update_navigation(self) -> None:
        self.act_back.setEnabled(self.reader.can_go_back())
        self.act_forward.setEnabled(self.reader.can_go_forward())

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(READING_TAB)
        self.sidebar.focus_search()

    def show_treatments(self) -> None:
        self.tabs.setCurrentIndex(TREATMENTS_TAB)
        self.treatments.focus_classes()

    def show_study(self) -> None:
        self.tabs.setCurrentIndex(STUDY_TAB)
        self.study.focus_card()

    def open_find(self) -> None:
        self.tabs.setCurrentIndex(READING_TAB)
        self.reader.open_find()

    def toggle_bookmark(self) -> None:
        current = self._current_address()
        if current is None:
            self.act_bookmark.setChecked(False)
            self.statusBar().showMessage("Choose a class first: there is nothing here to bookmark", 4000)
            return
        url, title, found = current
        self.bookmarks.toggle(url, title, found=found)

    def zoom_in(self) -> None:
        self.reader.zoom_in()

    def _printable(self) -> Printable:
        """What is on screen, for paper: the Treatments table on its tab, else the page."""
        from desktop.print_actions import Printable

        if self._on_treatments():
            return self.treatments.printable(self.disclaimer.notice)
        page = self.reader.page
        return Printable(
            document=self.reader.printable_document(),
            title=page.title if page else "ClinRef",
            updated=page.updated if page else "",
            file_stem=page.url.replace(":", "-") if page else "clinref",
        )

    def print_page(self) -> None:
        self.printing.print_(self._printable())

    def export_pdf_to(self, path: Path) -> bool:
        return self.printing.export_to(self._printable(), path)

    def show_notices(self) -> None:
        """Say what went wrong at start-up (content fallback, a reset profile), without blocking."""
        if self.notices:
            from desktop import help as help_windows

            help_windows.show_notices(self, self.statusBar(), self.notices)

    # -- layout memory -------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.layout("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.layout("state")
        if state is not None:
            self.restoreState(state)
        saved = self.settings.layout("splitter")
        if saved is not None:
            self.splitter.restoreState(saved)
        self.reader.set_zoom_steps(self.settings.zoom())

    def save_layout(self) -> None:
        self.settings.set_layout("geometry", self.saveGeometry())
        self.settings.set_layout("state", self.saveState())
        self.settings.set_layout("splitter", self.splitter.saveState())
        treatments = self._treatments_tab.made_widget()
        if treatments is not None:  # else the layout saved last time stays
            self.settings.set_layout("treatments_splitter", treatments.save_state())
        self.settings.set_zoom(self.reader.zoom_steps())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.sidebar.shutdown()
        self.queries.shutdown()
        treatments = self._treatments_tab.made_widget()
        if treatments is not None:
            treatments.shutdown()
        super().closeEvent(event)
