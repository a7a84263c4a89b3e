"""The main window: lays out the sidebar, the reader and the drug filter, and connects them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QWidget,
)

from db.library import Library
from db.userdata import UserData
from desktop.lazy import LazyPage, after_first_paint
from desktop.pages import Page, Pages, format_date
from desktop.reader import Reader
from desktop.resources import Disclaimer
from desktop.settings import UserSettings
from desktop.sidebar import Sidebar

if TYPE_CHECKING:
    from desktop.printing import PrintFooter
    from desktop.treatments import TreatmentsPanel

HOME = "article:myoclonus-treatment-options"

SHORTCUTS = (
    ("Ctrl+K", "Search (type a drug, brand, class or topic; Enter opens the first hit)"),
    ("Esc", "Clear the search box / close find"),
    ("Up / Down", "Move through search results"),
    ("Alt+Left / Alt+Right", "Back / forward"),
    ("Ctrl+F, F3, Shift+F3", "Find in page, next, previous"),
    ("Ctrl++ / Ctrl+- / Ctrl+0", "Zoom in / out / reset (remembered)"),
    ("Ctrl+D", "Bookmark this page (again to remove)"),
    ("Ctrl+1 / Ctrl+2", "Reading / Treatments by class"),
    ("Ctrl+P / Ctrl+E", "Print / export to PDF"),
    ("F1", "These shortcuts"),
)


class MainWindow(QMainWindow):
    """Builds the widgets, wires their signals, and remembers the layout. Features live in their own files."""

    def __init__(
        self,
        library: Library,
        settings: UserSettings,
        userdata: UserData,
        disclaimer: Disclaimer,
        notices: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.library = library
        self.settings = settings
        self.userdata = userdata
        self.disclaimer = disclaimer
        self.notices = [n for n in (notices or []) if n]
        manifest = library.manifest
        self.setWindowTitle("ClinRef")
        screen = self.screen().availableGeometry()
        self.resize(min(1280, int(screen.width() * 0.92)), min(820, int(screen.height() * 0.9)))
        self._build_widgets()
        self._build_actions()
        self._connect_signals()
        self._restore_layout()
        self._refresh_bookmarks()  # Recent is filled as the home page opens
        date = format_date(manifest.content_date)
        self.content_label = QLabel(f"Content {manifest.content_version} · latest article {date}", self)
        self.content_label.setObjectName("contentVersion")
        self.content_label.setToolTip(f"{library.path}\nsha256 {manifest.inputs_hash}")
        self.statusBar().addPermanentWidget(self.content_label)
        # Start-up ends at the first paint, of the frame, the sidebar and the content status: the
        # home article and the Treatments tab are made right after it (see desktop/lazy.py).
        after_first_paint(self, self._after_first_paint)

    # -- layout --------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.sidebar = Sidebar(self.library, self)
        self.reader = Reader(Pages(self.library, self.disclaimer.notice), self)
        # The Treatments tab is built after the first paint (or when first asked for): see desktop/lazy.py.
        self._treatments_page = LazyPage(self._make_treatments, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.reader, "&Reading")
        self.tabs.addTab(self._treatments_page, "&Treatments by class")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 960])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

    def _after_first_paint(self) -> None:
        if self.reader.page is None:  # nothing opened meanwhile
            self.reader.open(HOME)
        self._treatments_page.content()
        from desktop.search_model import warm_up

        warm_up(self.sidebar.font())

    @property
    def treatments(self) -> TreatmentsPanel:
        return cast("TreatmentsPanel", self._treatments_page.content())

    def _make_treatments(self, parent: QWidget) -> TreatmentsPanel:
        from desktop.treatments import TreatmentsPanel

        panel = TreatmentsPanel(self.library, parent)
        panel.open_requested.connect(self.open_url)
        saved = self.settings.layout("treatments_splitter")
        if saved is not None:
            panel.splitter.restoreState(saved)
        return panel

    def _action(self, text: str, shortcuts: list[QKeySequence | str], slot: object, tip: str = "") -> QAction:
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
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.act_print = self._action("&Print…", [QKeySequence(std.Print)], self.print_page)
        self.act_export = self._action("&Export to PDF…", ["Ctrl+E"], self.choose_pdf_path)
        self.act_quit = self._action("&Quit", [QKeySequence(std.Quit), "Ctrl+Q"], self.close)
        self.act_find = self._action("&Find in page…", [QKeySequence(std.Find)], self.open_find)
        self.act_zoom_in = self._action("Zoom &in", ["Ctrl++", "Ctrl+="], self.zoom_in)
        self.act_zoom_out = self._action("Zoom &out", ["Ctrl+-"], self.zoom_out)
        self.act_zoom_reset = self._action("&Actual size", ["Ctrl+0"], self.zoom_reset)
        self.act_reading = self._action("&Reading", ["Ctrl+1"], lambda: self.tabs.setCurrentIndex(0))
        self.act_treatments = self._action("&Treatments by class", ["Ctrl+2"], self.show_treatments)
        self.act_back = self._action("&Back", ["Alt+Left", QKeySequence(std.Back)], self.reader.back)
        self.act_forward = self._action("&Forward", ["Alt+Right", QKeySequence(std.Forward)], self.reader.forward)
        self.act_search = self._action("&Search", ["Ctrl+K"], self.focus_search)
        self.act_bookmark = self._action("&Bookmark this page", ["Ctrl+D"], self.toggle_bookmark)
        self.act_bookmark.setCheckable(True)
        self.act_shortcuts = self._action("&Keyboard shortcuts", ["F1"], self.show_shortcuts)
        self.act_disclaimer = self._action("&Disclaimer", [], self.show_disclaimer)
        self.act_about = self._action("&About ClinRef", [], self.show_about)
        menus = (
            ("&File", (self.act_print, self.act_export, None, self.act_quit)),
            ("&Edit", (self.act_find,)),
            (
                "&View",
                (self.act_zoom_in, self.act_zoom_out, self.act_zoom_reset, None, self.act_reading, self.act_treatments),
            ),
            ("&Go", (self.act_back, self.act_forward, None, self.act_search)),
            ("&Bookmarks", (self.act_bookmark,)),
            ("&Help", (self.act_shortcuts, self.act_disclaimer, None, self.act_about)),
        )
        for title, actions in menus:
            menu = self.menuBar().addMenu(title)
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
        self.sidebar.open_requested.connect(self.open_url)
        self.reader.page_changed.connect(self._on_page_changed)
        self.reader.navigation_changed.connect(self._update_navigation)
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- behaviour -----------------------------------------------------------------------

    def open_url(self, url: str) -> None:
        self.tabs.setCurrentIndex(0)
        if not self.reader.open(url):
            self.statusBar().showMessage(f"No page {url} in this content", 5000)

    def _tab_changed(self, index: int) -> None:
        # The class filter takes the sidebar's place beside the (wide) treatments table.
        self.sidebar.setVisible(index == 0)

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.sidebar.focus_search()

    def show_treatments(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.treatments.class_filter.setFocus()

    def _on_page_changed(self, page: Page) -> None:
        self.setWindowTitle(f"{page.title} — ClinRef")
        if page.found:
            self.userdata.record_visit(page.url, page.title)
        self.act_bookmark.setChecked(self.userdata.is_bookmarked(page.url))
        self._refresh_recent()
        self._report_userdata_error()

    def _update_navigation(self) -> None:
        self.act_back.setEnabled(self.reader.can_go_back())
        self.act_forward.setEnabled(self.reader.can_go_forward())

    def _refresh_bookmarks(self) -> None:
        self.sidebar.topics.set_bookmarks((b.url, b.title) for b in self.userdata.bookmarks())

    def _refresh_recent(self) -> None:
        self.sidebar.topics.set_recent((v.url, v.title) for v in self.userdata.recent(15))

    def _report_userdata_error(self) -> None:
        if self.userdata.last_error:
            self.statusBar().showMessage(f"Bookmarks and history could not be saved: {self.userdata.last_error}", 10000)

    def toggle_bookmark(self) -> None:
        page = self.reader.page
        if page is None:
            return
        if self.userdata.is_bookmarked(page.url):
            self.userdata.remove_bookmark(page.url)
            self.statusBar().showMessage(f"Removed bookmark: {page.title}", 4000)
        elif not page.found:
            self.statusBar().showMessage("There is no page here to bookmark", 4000)
        else:
            self.userdata.add_bookmark(page.url, page.title)
            self.statusBar().showMessage(f"Bookmarked: {page.title}", 4000)
        self.act_bookmark.setChecked(self.userdata.is_bookmarked(page.url))
        self._refresh_bookmarks()
        self._report_userdata_error()

    def open_find(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.reader.find_bar.open_bar()

    def zoom_in(self) -> None:
        self.reader.zoom_in()
        self.settings.set_zoom(self.reader.view.zoom_steps)

    def zoom_out(self) -> None:
        self.reader.zoom_out()
        self.settings.set_zoom(self.reader.view.zoom_steps)

    def zoom_reset(self) -> None:
        self.reader.zoom_reset()
        self.settings.set_zoom(0)

    # -- printing ------------------------------------------------------------------------

    # Printing and the disclaimer dialog are imported when first used, not at start-up: the
    # print support module alone costs 17 ms of it (see bench/README.md).

    def footer(self) -> PrintFooter:
        from desktop.printing import PrintFooter

        page = self.reader.page
        return PrintFooter(
            content_version=self.library.manifest.content_version,
            page_date=format_date(page.updated) if page and page.updated else "",
            printed_on=format_date(dt.date.today().isoformat()),
            notice=self.disclaimer.notice,
            title=page.title if page else "ClinRef",
        )

    def print_page(self) -> None:
        from desktop.printing import print_document

        try:
            print_document(self.reader.printable_document(), self, self.footer())
        except OSError as exc:
            QMessageBox.warning(self, "Could not print", str(exc))

    def choose_pdf_path(self) -> None:
        page = self.reader.page
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = (page.url.replace(":", "-") if page else "clinref") + ".pdf"
        from PySide6.QtWidgets import QFileDialog  # rarely used: not imported at start-up (12 ms)

        path, _ = QFileDialog.getSaveFileName(self, "Export to PDF", str(Path(folder) / name), "PDF (*.pdf)")
        if path:
            self.export_pdf_to(Path(path))

    def export_pdf_to(self, path: Path) -> bool:
        from desktop.printing import export_pdf

        try:
            pages = export_pdf(self.reader.printable_document(), path, self.footer())
        except OSError as exc:
            QMessageBox.warning(self, "Could not export", str(exc))
            return False
        self.statusBar().showMessage(f"Exported {pages} page{'s' if pages != 1 else ''} to {path}", 8000)
        return True

    # -- help ----------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{keys}</b></td><td>{what}</td></tr>" for keys, what in SHORTCUTS)
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            "Keyboard shortcuts",
            f"<table cellpadding='3'>{rows}</table>",
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setObjectName("shortcutsDialog")
        box.open()

    def show_disclaimer(self) -> None:
        from desktop.disclaimer import DisclaimerDialog

        dialog = DisclaimerDialog(
            self.disclaimer, review=True, accepted_at=self.settings.accepted_disclaimer_at(), parent=self
        )
        dialog.open()

    def show_about(self) -> None:
        from desktop import __version__

        m = self.library.manifest
        text = (
            f"<h3>ClinRef {__version__}</h3><p>An offline clinical reference. It makes no network connections."
            f"</p><p>Content: {m.content_title} {m.content_version}<br/>Latest article: "
            f"{format_date(m.content_date)}<br/>{m.article_count} articles, {m.drug_count} treatments, "
            f"{m.class_count} classes, {m.recommendation_count} recommendations<br/>File: {self.library.path}"
            f"</p><p>Your settings: {self.settings.path}<br/>Your bookmarks: {self.userdata.path}</p>"
        )
        box = QMessageBox(QMessageBox.Icon.Information, "About ClinRef", text, QMessageBox.StandardButton.Close, self)
        box.setObjectName("aboutDialog")
        box.open()

    def show_notices(self) -> None:
        """Say what went wrong at start-up (content fallback, a reset profile), without blocking."""
        if not self.notices:
            return
        for notice in self.notices:
            self.statusBar().showMessage(notice.splitlines()[0], 15000)
        box = QMessageBox(
            QMessageBox.Icon.Warning, "ClinRef", "\n\n".join(self.notices), QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("startupNotice")
        box.open()

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
        self.reader.view.set_zoom_steps(self.settings.zoom())

    def save_layout(self) -> None:
        self.settings.set_layout("geometry", self.saveGeometry())
        self.settings.set_layout("state", self.saveState())
        self.settings.set_layout("splitter", self.splitter.saveState())
        if self._treatments_page.is_built:
            self.settings.set_layout("treatments_splitter", self.treatments.splitter.saveState())
        self.settings.set_zoom(self.reader.view.zoom_steps)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.sidebar.runner.shutdown()
        super().closeEvent(event)
