"""Printing and PDF export of the page shown in the article view, with a provenance footer on every page.

Paper outlives the app: a printed dose sheet is read away from the screen, days later. So every page says which
content release it came from, when the article was last updated, when it was printed, and carries the disclaimer
notice. The caller's document is never touched: we lay out a clone at the printer's resolution.

A PDF is written with ``QPdfWriter``, which is part of Qt GUI: exporting never loads Qt's print support or its
CUPS plugin, which connects to a print server (127.0.0.1:631, or ``CUPS_SERVER``) as soon as it loads. Only
printing to a printer uses the print system, and only when a person asks to print.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QPointF, QRect, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
)
from PySide6.QtWidgets import QWidget

from desktop.safe_document import ContentDocument

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

BODY_POINT_SIZE = 10.0
"""Body text on paper: readable at arm's length on a ward, still fits a dose table across A4."""

FOOTER_POINT_SIZE = 7.0
PDF_MARGIN_MM = 15.0

_FOOTER_GAP_MM = 4.0  # space between the text and the footer lines; the rule sits two thirds of the way down
_RULE_WIDTH_PT = 0.5
_MM_PER_INCH = 25.4
_PT_PER_INCH = 72.0
PDF_RESOLUTION = 1200
"""Dots per inch of the PDF's layout: what ``QPrinter``'s high-resolution mode gave, so the pages break alike."""


@dataclass(frozen=True)
class PrintFooter:
    """What every printed page says about where it came from and how far to trust it."""

    content_version: str
    page_date: str
    """The article's last-updated date; empty for pages that have none (a drug page, say)."""
    printed_on: str
    """ISO date the page was printed."""
    notice: str
    """The one-line disclaimer, e.g. "Verify against primary sources before acting on any dose"."""
    title: str
    """The page title; becomes the PDF's document name and the print job's name."""

    def lines(self, page: int, pages: int) -> tuple[str, str]:
        """The two footer lines for page ``page`` of ``pages`` (1-based)."""
        parts = [f"ClinRef content {self.content_version}"]
        if self.page_date:
            parts.append(f"page updated {self.page_date}")
        parts += [f"printed {self.printed_on}", f"page {page} of {pages}"]
        return " · ".join(parts), self.notice


def render_to_printer(document: QTextDocument, printer: QPrinter, footer: PrintFooter) -> int:
    """Paint ``document`` onto ``printer``, a footer at the bottom of every page; return the number of pages.

    The document is laid out as a clone in the printer's device pixels, so the caller's document (its zoom, page
    size and layout in the article view) is left as it was. Raises ``OSError`` if the printer cannot be started.
    """
    from PySide6.QtPrintSupport import QPrinter

    page = printer.pageRect(QPrinter.Unit.DevicePixel)  # painter coordinates start at this rect's top left
    return render_to_device(document, printer, printer.resolution(), page.toRect(), footer, _printer_name(printer))


def render_to_device(
    document: QTextDocument, device: QPagedPaintDevice, dpi: int, page: QRect, footer: PrintFooter, name: str
) -> int:
    """Paint ``document`` onto a printer or PDF writer whose painted area is ``page`` at ``dpi``; the page count.

    ``name`` says what ``device`` is in messages ("the printer", a file name). Raises ``OSError`` on failure.
    """
    footer_font = _footer_font(document.defaultFont())
    metrics = QFontMetricsF(footer_font, device)
    gap = _FOOTER_GAP_MM * dpi / _MM_PER_INCH
    rule_width = _RULE_WIDTH_PT * dpi / _PT_PER_INCH
    band_height = gap + rule_width + metrics.descent() + 2 * metrics.lineSpacing()
    body = QSizeF(page.width(), page.height() - band_height)
    if body.height() <= band_height:
        raise OSError(f"The paper on {name} leaves no room to print on; choose a larger paper size")

    clone = _layout_clone(document, device, body)
    pages = clone.pageCount()
    painter = QPainter()
    if not painter.begin(device):
        raise OSError(f"Could not start printing to {name}; check the printer and try again")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index in range(pages):
            if index and not device.newPage():
                raise OSError(f"{name} refused page {index + 1} of {pages}; try printing again")
            _paint_body(painter, clone, index, body)
            _paint_footer(painter, footer.lines(index + 1, pages), footer_font, QSizeF(page.size()), gap, rule_width)
    except BaseException:
        painter.end()
        raise
    if not painter.end():
        raise OSError(f"{name} could not finish the print job; check the printer and try again")
    return pages


def export_pdf(document: QTextDocument, path: Path, footer: PrintFooter) -> int:
    """Write ``document`` to ``path`` as an A4 PDF with the footer on every page; return the number of pages.

    The PDF is written beside ``path`` under a temporary name and moved into place only once complete, so a failure
    never leaves half a file where the person expects their PDF. Raises ``OSError`` naming the path otherwise.
    """
    path = Path(path)
    folder = path.parent
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        # Creating the temporary file is the writability check; "x" never clobbers anything already there.
        with open(temp, "xb"):
            pass
    except OSError as exc:
        raise OSError(
            f"Cannot save the PDF to {path}: the folder {folder} does not exist or is not writable "
            f"({exc.strerror or exc}); choose another folder, such as Documents"
        ) from exc
    try:
        writer = QPdfWriter(str(temp))
        writer.setResolution(PDF_RESOLUTION)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setCreator("ClinRef")
        writer.setTitle(footer.title)
        page = writer.pageLayout().paintRectPixels(PDF_RESOLUTION)
        try:
            pages = render_to_device(document, writer, PDF_RESOLUTION, page, footer, str(path))
        except OSError as exc:
            raise OSError(
                f"Cannot save the PDF to {path}: the PDF writer failed ({exc}); "
                "check that the folder is writable and has free space, then try again"
            ) from exc
        del writer  # closes the file
        if temp.stat().st_size == 0:
            raise OSError(f"Cannot save the PDF to {path}: nothing was written; check free disk space and try again")
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return pages


def print_document(document: QTextDocument, parent: QWidget, footer: PrintFooter) -> bool:
    """Ask where to print (the system print dialog), then print; return whether anything was printed.

    Raises ``OSError`` with a message for the person if the chosen printer cannot be started.
    """
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setCreator("ClinRef")
    printer.setDocName(footer.title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Print {footer.title}" if footer.title else "Print")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    render_to_printer(document, printer, footer)
    return True


def _layout_clone(document: QTextDocument, device: QPagedPaintDevice, body: QSizeF) -> QTextDocument:
    """A copy of ``document`` laid out in pages of ``body`` device pixels, with body text at ``BODY_POINT_SIZE``."""
    clone = _content_clone(document)
    # Fonts in points then resolve at the printer's resolution; must precede the changes that trigger a relayout.
    clone.documentLayout().setPaintDevice(device)
    font = QFont(document.defaultFont())
    font.setPointSizeF(BODY_POINT_SIZE)  # drops the screen zoom: paper always gets the same size
    clone.setDefaultFont(font)
    clone.setUseDesignMetrics(True)
    clone.setDocumentMargin(0)  # the printer's page margins already frame the text
    clone.setPageSize(body)
    _keep_headings_with_text(clone, body.height())
    return clone


def _content_clone(document: QTextDocument) -> QTextDocument:
    """What ``QTextDocument.clone`` makes, but a :class:`ContentDocument`: whatever document the caller passes,
    laying it out on paper reads no file (a plain clone would fetch every image it names from disk).
    """
    clone = ContentDocument()
    clone.setDefaultStyleSheet(document.defaultStyleSheet())
    clone.setDefaultFont(document.defaultFont())
    clone.setDefaultTextOption(document.defaultTextOption())
    clone.setIndentWidth(document.indentWidth())
    clone.setMetaInformation(
        QTextDocument.MetaInformation.DocumentTitle,
        document.metaInformation(QTextDocument.MetaInformation.DocumentTitle),
    )
    if not document.isEmpty():
        QTextCursor(clone).insertFragment(QTextDocumentFragment(document))
    clone.rootFrame().setFrameFormat(document.rootFrame().frameFormat())
    return clone


def _keep_headings_with_text(clone: QTextDocument, page_height: float) -> None:
    """Move a heading to the next page when the text it introduces would not start below it on this page.

    Qt paginates line by line and has no keep-with-next, so a section title can otherwise end a page alone.
    """
    clone.setUndoRedoEnabled(False)
    layout = clone.documentLayout()
    clone.pageCount()  # finishes the layout: block rects are only final once the whole clone is laid out
    block = clone.begin()
    while block.isValid():
        following = block.next()
        if block.blockFormat().headingLevel() and following.isValid() and following.layout().lineCount():
            heading = layout.blockBoundingRect(block)
            text = layout.blockBoundingRect(following)
            first_lines = min(text.height(), 2 * following.layout().lineAt(0).height())
            page_end = (math.floor(heading.top() / page_height) + 1) * page_height
            # A heading taller than half a page would just move the problem along: leave it.
            if heading.height() < page_height / 2 and text.top() + first_lines > page_end:
                policy = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
                block_format = block.blockFormat()
                block_format.setPageBreakPolicy(block_format.pageBreakPolicy() | policy)
                QTextCursor(block).setBlockFormat(block_format)
                clone.pageCount()
        block = following


def _paint_body(painter: QPainter, clone: QTextDocument, index: int, body: QSizeF) -> None:
    """Paint page ``index`` (0-based) of the paginated ``clone`` at the top of the current sheet."""
    top = index * body.height()
    painter.save()
    painter.setClipRect(QRectF(QPointF(0, 0), body))
    painter.translate(0, -top)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.clip = QRectF(0, top, body.width(), body.height())
    # Paper is white whatever the desktop theme: a dark palette would otherwise print white text.
    context.palette.setColor(QPalette.ColorRole.Text, QColor(Qt.GlobalColor.black))
    clone.documentLayout().draw(painter, context)
    painter.restore()


def _paint_footer(
    painter: QPainter, lines: tuple[str, str], font: QFont, page: QSizeF, gap: float, rule_width: float
) -> None:
    """A thin rule, then the two footer lines, in the band at the bottom of the sheet's printable area."""
    metrics = QFontMetricsF(font, painter.device())
    line_height = metrics.lineSpacing()
    last_baseline = page.height() - metrics.descent()
    rule_y = last_baseline - 2 * line_height - gap / 3
    painter.save()
    painter.setPen(QPen(QColor(Qt.GlobalColor.darkGray), rule_width))
    painter.drawLine(QPointF(0, rule_y), QPointF(page.width(), rule_y))
    painter.setFont(font)
    painter.setPen(QColor(Qt.GlobalColor.black))
    for offset, text in enumerate(lines):
        # Middle eliding keeps both the content version and "page N of M" on an over-long line.
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, page.width())
        painter.drawText(QPointF(0, last_baseline - (len(lines) - 1 - offset) * line_height), shown)
    painter.restore()


def _footer_font(body_font: QFont) -> QFont:
    font = QFont(body_font)
    font.setPointSizeF(FOOTER_POINT_SIZE)
    font.setBold(False)
    font.setItalic(False)
    return font


def _printer_name(printer: QPrinter) -> str:
    return printer.outputFileName() or printer.printerName() or "the printer"
