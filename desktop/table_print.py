"""Printing and exporting the Treatments tab's table, through the same footer and PDF path as articles.

The table goes on paper as a page of its own (title, the chosen classes, every row with role, dose
with its use and source, evidence, the classes it is said of, its sources and what they say), laid
out in light colours whatever the screen's theme, and handed to :mod:`desktop.printing`, which adds
the provenance footer to every page.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QWidget

from db.model import ClassView
from desktop.pages import PageStyle, class_view_page, stylesheet
from desktop.printing import PrintFooter, export_pdf, print_document
from desktop.safe_document import ContentDocument

# Six columns on A4 portrait: a touch smaller than an article's body so the dose column keeps its
# number, use and source on few lines. printing.py sets the body size; this is the table's share of it.
_TABLE_CSS = "table { font-size: 90%; } th { font-size: 90%; }"


def table_document(view: ClassView, notice: str, font: QFont | None = None) -> QTextDocument:
    """The class view as a printable document (light colours, the verify notice under the title)."""
    document = ContentDocument()
    if font is not None:
        document.setDefaultFont(font)
    document.setDefaultStyleSheet(stylesheet(PageStyle()) + _TABLE_CSS)
    document.setHtml(class_view_page(view, notice))
    return document


def export_table(view: ClassView, notice: str, path: Path, footer: PrintFooter) -> int:
    """Write the table to ``path`` as a PDF with the article footer; return its page count (OSError if not)."""
    return export_pdf(table_document(view, notice), path, footer)


def print_table(view: ClassView, notice: str, parent: QWidget, footer: PrintFooter) -> bool:
    """Ask for a printer, then print the table; return whether anything was printed."""
    return print_document(table_document(view, notice), parent, footer)
