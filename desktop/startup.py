"""Start-up in the order a clinician meets it: content, profile, disclaimer, then the main window.

Nothing blocks: the disclaimer is shown with ``open()`` and the rest follows its answer, so
a test (or IT's self-test) can drive it and the event loop stays with whoever owns it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from db.errors import LibraryError
from db.library.locate import OpenedContent, default_database, open_bundled, open_content
from db.userdata import UserData
from db.userdata.migration import migrate_store
from desktop import APP_NAME
from desktop.bookmarks import Bookmarks
from desktop.collector import collect_on_gui_thread
from desktop.main_window import MainWindow
from desktop.profile import profile_problems
from desktop.queries import Queries
from desktop.resources import Disclaimer, load_disclaimer, resource_path
from desktop.settings import UserSettings, data_dir, roaming_data_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from desktop.disclaimer import DisclaimerDialog

#: Exit status when nothing can be shown (no usable content, no disclaimer).
EXIT_UNUSABLE = 2


class Startup(QObject):
    """Holds what start-up made (``dialog``, ``window``) and says when the app should end (``finished``)."""

    finished = Signal(int)

    def __init__(self, db: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.dialog: DisclaimerDialog | None = None
        self.window: MainWindow | None = None
        self.error_box: QMessageBox | None = None

    def begin(self) -> int | None:
        """Open everything and show the first window. Returns an exit status if nothing can be shown."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        collect_on_gui_thread(app)  # before any worker thread runs: cycles holding Qt objects are freed here
        app.setApplicationName(APP_NAME)
        app.setOrganizationName("")
        app.setApplicationDisplayName(APP_NAME)
        icon = resource_path("icons", "clinref.svg")
        if icon.is_file():
            app.setWindowIcon(QIcon(str(icon)))
        try:
            opened = open_content(self._db, install=True)
            self.disclaimer: Disclaimer = load_disclaimer()
        except (LibraryError, ValueError) as exc:
            self._fatal(exc)
            return EXIT_UNUSABLE
        self.opened = opened
        self.library = opened.library
        self.settings = UserSettings()
        store = data_dir() / "userdata.db"
        moved = migrate_store(roaming_data_dir() / "userdata.db", store)  # Windows: off the roaming profile
        self.userdata = UserData(store)
        self.notices = [
            n
            for n in (
                opened.warning,
                self.settings.reset_reason,
                self.settings.unusable,
                moved,
                *profile_problems(  # what the settings and the store have not already said
                    None if self.settings.unusable else self.settings.path, store if self.userdata.persistent else None
                ),
                self.userdata.reset_reason,
            )
            if n
        ]
        # The service every window connects: the user's bookmarks. (Its Queries come with it: make_window.)
        self.queries: Queries | None = None
        self.bookmarks = Bookmarks(self.userdata, self)
        if self.settings.accepted_disclaimer_version() >= self.disclaimer.version:
            self._show_main()
        else:
            from desktop.disclaimer import DisclaimerDialog  # only on first launch: not on every start-up

            self.dialog = DisclaimerDialog(self.disclaimer)
            self.dialog.accepted.connect(self._accepted)
            self.dialog.rejected.connect(self._declined)
            self.dialog.open()
        return None

    def _fatal(self, error: Exception) -> None:
        if isinstance(error, LibraryError):
            text = f"ClinRef cannot open its content.\n\nFile: {error.path}\nProblem: {error.reason}.\n\n{error.advice}"
        else:
            text = f"ClinRef cannot start.\n\n{error}"
        print(text, file=sys.stderr, flush=True)  # for logs and remote support, too
        from PySide6.QtWidgets import QMessageBox  # only when it cannot start: not on every start-up

        box = QMessageBox(QMessageBox.Icon.Critical, "ClinRef cannot start", text, QMessageBox.StandardButton.Close)
        box.setObjectName("startupError")
        box.finished.connect(lambda _result: self.finished.emit(EXIT_UNUSABLE))
        self.error_box = box
        box.open()

    def _fall_back_to_bundled(self, error: LibraryError) -> bool:
        """Open the bundled content (verified) instead of the file that failed, with a notice; False if it cannot be."""
        try:
            if default_database().resolve() == self.library.path.resolve():
                raise error
            # Name the file as it was named (a named file is read through a verified private copy).
            named = self.opened.origin if error.path == str(self.library.path) and self.opened.origin else error.path
            fallback = open_bundled(
                self.opened, f"The content file {named} cannot be used: {error.reason}. {error.advice}"
            )
        except (LibraryError, OSError) as exc:
            self._fatal(exc if isinstance(exc, LibraryError) else error)
            return False
        self.opened.library.close()
        self.opened = fallback
        self.library = fallback.library
        if fallback.warning:
            self.notices.append(fallback.warning)
        return True

    def _accepted(self) -> None:
        self.settings.accept_disclaimer(self.disclaimer.version)
        if self.settings.unusable and self.settings.unusable not in self.notices:
            self.notices.append(self.settings.unusable)  # the acceptance was not saved: say so, not ask silently
        self._show_main()

    def _declined(self) -> None:
        self.library.close()
        self.userdata.close()
        QTimer.singleShot(0, lambda: self.finished.emit(0))

    def make_window(self, opened: OpenedContent, notices: list[str] | None = None) -> MainWindow:
        """The main window on ``opened`` (at start, and again whenever the content is reloaded).

        Each content gets its own :class:`Queries` (they ask its Library); the bookmarks stay.
        """
        self.opened = opened
        self.library = opened.library
        previous, self.queries = self.queries, Queries(self.library, self)
        if previous is not None:
            # The window that used it closes next (its closeEvent shuts it down): then free its threads.
            previous.deleteLater()
        self.window = MainWindow(self.library, self.settings, self.bookmarks, self.queries, self.disclaimer, notices)
        return self.window

    def _show_main(self) -> None:
        try:
            window = self.make_window(self.opened, self.notices)
        except LibraryError as error:  # a row that cannot be read (bad UTF-8, a damaged page) while building it
            if not self._fall_back_to_bundled(error):
                return
            try:
                window = self.make_window(self.opened, self.notices)
            except LibraryError as again:
                self._fatal(again)
                return
        window.show()
        if os.environ.get("CLINREF_REPORT_FIRST_PAINT"):  # the benchmark of a frozen bundle (desktop/first_paint.py)
            from desktop.first_paint import report_first_paint

            report_first_paint(window)
        window.show_notices()  # the app ends when its last window closes, as Qt does by default
        # New content, changed files, review date: watched from just after the first paint.
        window.after_first_paint.add(self._watch_content)

    def _watch_content(self) -> None:
        from desktop.content_updates import ContentUpdates

        self.updates = ContentUpdates(self, self.opened)
        self.updates.start()
