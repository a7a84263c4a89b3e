"""Start-up in the order a clinician meets it: content, profile, disclaimer, then the main window.

Nothing blocks: the disclaimer is shown with ``open()`` and the rest follows its answer, so
a test (or IT's self-test) can drive it and the event loop stays with whoever owns it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from db.errors import LibraryError
from db.library.locate import OpenedContent, open_content
from db.userdata import UserData
from desktop.app import APP_NAME
from desktop.main_window import MainWindow
from desktop.resources import Disclaimer, load_disclaimer, resource_path
from desktop.settings import UserSettings, data_dir

if TYPE_CHECKING:
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
        self.userdata = UserData(data_dir() / "userdata.db")
        self.notices = [n for n in (opened.warning, self.settings.reset_reason, self.userdata.reset_reason) if n]
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
        box = QMessageBox(QMessageBox.Icon.Critical, "ClinRef cannot start", text, QMessageBox.StandardButton.Close)
        box.setObjectName("startupError")
        box.finished.connect(lambda _result: self.finished.emit(EXIT_UNUSABLE))
        self.error_box = box
        box.open()

    def _accepted(self) -> None:
        self.settings.accept_disclaimer(self.disclaimer.version)
        self._show_main()

    def _declined(self) -> None:
        self.library.close()
        self.userdata.close()
        QTimer.singleShot(0, lambda: self.finished.emit(0))

    def make_window(self, opened: OpenedContent, notices: list[str] | None = None) -> MainWindow:
        """The main window on ``opened`` (at start, and again whenever the content is reloaded)."""
        self.library = opened.library
        self.window = MainWindow(self.library, self.settings, self.userdata, self.disclaimer, notices)
        return self.window

    def _show_main(self) -> None:
        from desktop.content_updates import ContentUpdates

        window = self.make_window(self.opened, self.notices)
        window.show()
        window.show_notices()  # the app ends when its last window closes, as Qt does by default
        self.updates = ContentUpdates(self, self.opened)  # new content, changed files, review date
        self.updates.start()
