"""Print and Export to PDF, as the window's File menu offers them, with the provenance footer.

The window hands over what is on screen (a printable document, its title and date); this
module asks where to print or save, does it, and says what happened. The printing machinery
itself (:mod:`desktop.printing`) is imported when first used: it costs start-up time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.pages import format_date

if TYPE_CHECKING:
    from desktop.printing import PrintFooter


@dataclass(frozen=True)
class Printable:
    """What is on screen, ready for paper: the document, its title, its date, a file name to offer."""

    document: QTextDocument
    title: str
    updated: str
    file_stem: str


class PrintActions(QObject):
    """Prints and exports what the window says is on screen; ``message`` says how it went."""

    message = Signal(str, int)

    def __init__(self, content_version: str, notice: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._content_version = content_version
        self._notice = notice

    def _window(self) -> QWidget:
        """The window dialogs belong to: this object's Qt parent (no Python reference kept to it)."""
        parent = self.parent()
        assert isinstance(parent, QWidget)
        return parent

    def footer(self, printable: Printable) -> PrintFooter:
        from desktop.printing import PrintFooter

        return PrintFooter(
            content_version=self._content_version,
            page_date=format_date(printable.updated) if printable.updated else "",
            printed_on=format_date(dt.date.today().isoformat()),
            notice=self._notice,
            title=printable.title,
        )

    def print_(self, printable: Printable) -> None:
        from desktop.printing import print_document

        try:
            print_document(printable.document, self._window(), self.footer(printable))
        except OSError as exc:
            QMessageBox.warning(self._window(), "Could not print", str(exc))

    def export(self, printable: Printable) -> None:
        """Ask where to save, then export."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder) / f"{printable.file_stem}.pdf")
        path, _ = QFileDialog.getSaveFileName(self._window(), "Export to PDF", suggested, "PDF (*.pdf)")
        if path:
            self.export_to(printable, Path(path))

    def export_to(self, printable: Printable, path: Path) -> bool:
        from desktop.printing import export_pdf

        try:
            pages = export_pdf(printable.document, path, self.footer(printable))
        except OSError as exc:
            QMessageBox.warning(self._window(), "Could not export", str(exc))
            return False
        self.message.emit(f"Exported {pages} page{'s' if pages != 1 else ''} to {path}", 8000)
        return True
