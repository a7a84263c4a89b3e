"""Printing and PDF export: every page carries the footer, the caller's document is left alone, failures are clear."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop import printing
from desktop.printing import PrintFooter, export_pdf, print_document, render_to_printer
from tests.unprivileged import give_back, run_python, take_away

NOTICE = "Verify against primary sources before acting on any dose."
FOOTER = PrintFooter(
    content_version="2025.04.18-1",
    page_date="2025-03-30",
    printed_on="2025-11-21",
    notice=NOTICE,
    title="What are the treatment options for myoclonus?",
)
SECTIONS = 60


def long_html() -> str:
    """Enough headed sections, lists and a table for several A4 pages at 10 pt."""
    parts = ["<h1>What are the treatment options for myoclonus?</h1>"]
    for n in range(1, SECTIONS + 1):
        parts.append(f"<h3>Heading {n}</h3>")
        parts.append(
            f"<p>Paragraph {n}: levetiracetam 500-3000 mg/day, valproic acid 750-3000 mg/day and clonazepam "
            "1.5-15 mg/day are the first-line drugs; treat the underlying cause while the jerks are controlled.</p>"
        )
        if n % 10 == 0:
            parts.append(
                "<table border='1' cellpadding='4'><tr><th>Drug</th><th>Dose</th></tr>"
                "<tr><td>piracetam</td><td>8-24 g/day</td></tr><tr><td>zonisamide</td><td>100-400 mg/day</td></tr>"
                "</table>"
            )
    return "".join(parts)


@pytest.fixture
def document(qapp: QApplication) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(long_html())
    font = QFont(doc.defaultFont())
    font.setPointSizeF(14)  # as if zoomed in on screen
    doc.setDefaultFont(font)
    return doc


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


def pdf_pages_text(path: Path) -> list[str]:
    """The text of each page, or a skip when poppler's pdftotext is not installed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the PDF's text cannot be read back")
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return [page for page in result.stdout.split("\f") if page.strip()]


def test_footer_lines_name_content_dates_page_and_notice() -> None:
    line1, line2 = FOOTER.lines(2, 5)
    assert line1 == "ClinRef content 2025.04.18-1 · page updated 2025-03-30 · printed 2025-11-21 · page 2 of 5"
    assert line2 == NOTICE


def test_footer_lines_leave_out_page_date_when_there_is_none() -> None:
    footer = PrintFooter("7", "", "2025-11-21", NOTICE, "Clonazepam")
    assert footer.lines(1, 1) == ("ClinRef content 7 · printed 2025-11-21 · page 1 of 1", NOTICE)


def test_export_pdf_writes_every_page_and_leaves_the_document_alone(document: QTextDocument, tmp_path: Path) -> None:
    text, html, font = document.toPlainText(), document.toHtml(), QFont(document.defaultFont())
    page_size, layout, modified = document.pageSize(), document.documentLayout(), document.isModified()
    out = tmp_path / "myoclonus.pdf"

    pages = export_pdf(document, out, FOOTER)

    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert pages >= 3
    assert pdf_page_count(data) == pages
    assert b"ClinRef" in data  # the creator, in the PDF's metadata
    assert [p.name for p in tmp_path.iterdir()] == ["myoclonus.pdf"], "the temporary file was left behind"
    assert document.toPlainText() == text
    assert document.toHtml() == html
    assert document.defaultFont() == font
    assert document.pageSize() == page_size
    assert document.documentLayout() is layout
    assert document.isModified() == modified


def test_every_pdf_page_carries_the_footer(document: QTextDocument, tmp_path: Path) -> None:
    out = tmp_path / "myoclonus.pdf"
    pages = export_pdf(document, out, FOOTER)

    texts = pdf_pages_text(out)

    assert len(texts) == pages
    for number, text in enumerate(texts, start=1):
        flat = " ".join(text.split())
        line1, notice = FOOTER.lines(number, pages)
        assert " ".join(line1.split()) in flat, f"page {number} lacks its footer"
        assert notice in flat, f"page {number} lacks the notice"
    body = " ".join(" ".join(texts).split())
    assert all(f"Paragraph {n}:" in body for n in range(1, SECTIONS + 1)), "text was lost between pages"


def test_no_page_ends_on_a_heading(document: QTextDocument, tmp_path: Path) -> None:
    out = tmp_path / "myoclonus.pdf"
    export_pdf(document, out, FOOTER)

    for number, text in enumerate(pdf_pages_text(out), start=1):
        body = text.split("ClinRef content")[0]
        last_line = [line for line in body.splitlines() if line.strip()][-1]
        assert not last_line.startswith("Heading"), f"page {number} ends on the heading {last_line!r}"


def test_screen_zoom_does_not_change_the_printout(document: QTextDocument, tmp_path: Path) -> None:
    zoomed_out = document.clone()
    font = QFont(zoomed_out.defaultFont())
    font.setPointSizeF(7)
    zoomed_out.setDefaultFont(font)

    big = export_pdf(document, tmp_path / "big.pdf", FOOTER)
    small = export_pdf(zoomed_out, tmp_path / "small.pdf", FOOTER)

    assert big == small


def test_render_to_a_high_resolution_printer(document: QTextDocument, tmp_path: Path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "direct.pdf"))

    pages = render_to_printer(document, printer, FOOTER)

    assert printer.resolution() >= 600
    assert pages >= 3
    assert pdf_page_count((tmp_path / "direct.pdf").read_bytes()) == pages


@pytest.mark.parametrize("folder", ["missing/folder", "a-file/as-folder"])
def test_export_to_an_unwritable_place_names_the_path(document: QTextDocument, tmp_path: Path, folder: str) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    out = tmp_path / folder / "myoclonus.pdf"

    with pytest.raises(OSError, match=re.escape(str(out))) as caught:
        export_pdf(document, out, FOOTER)

    assert "choose another folder" in str(caught.value)
    assert not out.exists()


def test_export_to_a_read_only_folder_names_the_path(tmp_path: Path) -> None:
    # Run without root's power over file modes (tests/unprivileged.py), so this runs in CI too.
    folder = tmp_path / "read-only"
    folder.mkdir()
    out = folder / "myoclonus.pdf"
    code = (
        "import json, sys; from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication; app = QApplication([])\n"
        "from desktop.printing import PrintFooter, export_pdf\n"
        "from desktop.safe_document import ContentDocument\n"
        "doc = ContentDocument(); doc.setHtml('<p>clonazepam 1.5-15 mg/day</p>')\n"
        "try:\n"
        "    export_pdf(doc, Path(sys.argv[1]), PrintFooter('1', '', '2026-12-01', 'notice', 'title'))\n"
        "    print(json.dumps({'error': None}))\n"
        "except OSError as exc:\n"
        "    print(json.dumps({'error': str(exc)}))\n"
    )
    take_away(folder, 0o555)
    try:
        report = run_python(code, str(out))
    finally:
        give_back(folder)
    assert report["error"] is not None and str(out) in report["error"] and "choose another folder" in report["error"]
    assert list(folder.iterdir()) == []


def test_a_failed_export_keeps_the_previous_pdf(
    document: QTextDocument, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "myoclonus.pdf"
    out.write_bytes(b"%PDF-previous")

    def painter_will_not_start(*_args: object) -> int:
        raise OSError("Could not start printing")

    monkeypatch.setattr(printing, "render_to_device", painter_will_not_start)

    with pytest.raises(OSError, match=re.escape(str(out))):
        export_pdf(document, out, FOOTER)

    assert out.read_bytes() == b"%PDF-previous"
    assert [p.name for p in tmp_path.iterdir()] == ["myoclonus.pdf"], "the temporary file was left behind"


# Showing any dialog on the offscreen platform logs this; it says nothing about printing.
OFFSCREEN_DIALOG_WARNING = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@OFFSCREEN_DIALOG_WARNING
def test_cancelling_the_print_dialog_prints_nothing(document: QTextDocument, qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[object] = []

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        if dialog is not None:
            dialog.close()

    QTimer.singleShot(0, cancel)

    assert print_document(document, parent, FOOTER) is False
    assert isinstance(seen[0], QPrintDialog)


@OFFSCREEN_DIALOG_WARNING
def test_accepting_the_print_dialog_prints_the_document(document: QTextDocument, qtbot: QtBot, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "printed.pdf"
    found_file_box: list[bool] = []

    def print_to_file() -> None:
        dialog = QApplication.activeModalWidget()
        # No assert in here: a failure inside a Qt callback would leave the modal dialog open and the test hanging.
        # With no printer installed, Qt's own dialog offers only "print to file", in a box named "filename".
        if not isinstance(dialog, QPrintDialog):
            found_file_box.append(False)
            if dialog is not None:
                dialog.close()
            return
        file_box = dialog.findChild(QLineEdit, "filename")
        found_file_box.append(file_box is not None)
        if file_box is None:
            dialog.reject()
            return
        file_box.setText(str(out))
        dialog.accept()

    QTimer.singleShot(0, print_to_file)
    printed = print_document(document, parent, FOOTER)

    if not found_file_box[0]:
        pytest.skip("no print dialog with a 'filename' box to print to a file with in this Qt")
    assert printed is True
    assert pdf_page_count(out.read_bytes()) >= 3
