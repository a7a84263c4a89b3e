"""The Help menu's windows and the start-up notices: shortcuts, disclaimer, About, what went wrong.

Each opens without blocking (``open()``), so a test or a screen reader user is never stuck in a
nested event loop.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from db import paths
from db.model import Manifest
from desktop import __version__
from desktop.pages import format_date
from desktop.resources import Disclaimer

SHORTCUTS = (
    ("Ctrl+K", "Search (type a drug, brand, class or topic; Enter opens the first hit)"),
    ("Ctrl+L", "Contents and links of this page (headings, links, citations; Enter goes there)"),
    ("Ctrl+Shift+N", "Open / close an article's notes on the source"),
    ("Esc", "Clear the search box / close find"),
    ("Up / Down", "Move through search results"),
    ("Alt+Left / Alt+Right", "Back / forward"),
    ("Ctrl+F, F3, Shift+F3", "Find in page, next, previous"),
    ("Ctrl++ / Ctrl+- / Ctrl+0", "Zoom in / out / reset (remembered)"),
    ("Ctrl+D", "Bookmark this page, or the chosen classes on the Treatments tab (again to remove)"),
    ("Ctrl+1 / Ctrl+2 / Ctrl+3", "Reading / Treatments by class / Study"),
    ("Space, 1-4, O", "Study: show the answer, rate it (Again, Hard, Good, Easy), open its source"),
    ("Ctrl+P / Ctrl+E", "Print / export to PDF (the page, or the Treatments table on its tab)"),
    ("F1", "These shortcuts"),
)


def show_shortcuts(parent: QWidget) -> QMessageBox:
    rows = "".join(f"<tr><td><b>{escape(keys)}</b></td><td>{escape(what)}</td></tr>" for keys, what in SHORTCUTS)
    box = QMessageBox(
        QMessageBox.Icon.NoIcon,
        "Keyboard shortcuts",
        f"<table cellpadding='3'>{rows}</table>",
        QMessageBox.StandardButton.Close,
        parent,
    )
    box.setObjectName("shortcutsDialog")
    box.open()
    return box


def show_disclaimer(parent: QWidget, disclaimer: Disclaimer, accepted_at: str) -> QWidget:
    from desktop.disclaimer import DisclaimerDialog  # only when asked for: not on every start-up

    dialog = DisclaimerDialog(disclaimer, review=True, accepted_at=accepted_at, parent=parent)
    dialog.open()
    return dialog


def show_about(parent: QWidget, manifest: Manifest, content: Path, settings: Path, store: Path) -> QMessageBox:
    m = manifest
    text = (
        f"<h3>ClinRef {escape(__version__)}</h3><p>An offline clinical reference. It makes no network connections."
        f"</p><p>Content: {escape(m.content_title)} {escape(m.content_version)}<br/>Latest article: "
        f"{escape(format_date(m.content_date))}<br/>{m.article_count} articles, {m.treatment_count} treatments, "
        f"{m.class_count} classes, {m.recommendation_count} recommendations<br/>File: {escape(str(content))}"
        f"</p><p>Your settings: {escape(str(settings))}<br/>Your bookmarks: {escape(str(store))}</p>"
        "<p>ClinRef is proprietary software. It carries third-party software (Qt, PySide6, Python and "
        "others), each under its own licence: see <i>Licences</i>.</p>"
    )
    box = QMessageBox(QMessageBox.Icon.Information, "About ClinRef", text, QMessageBox.StandardButton.Close, parent)
    box.setObjectName("aboutDialog")
    licences = box.addButton("&Licences…", QMessageBox.ButtonRole.ActionRole)
    licences.setObjectName("aboutLicences")
    licences.clicked.connect(lambda: show_licences(parent))
    box.open()
    return box


def show_licences(parent: QWidget) -> QWidget:
    """The third-party notices packaging/build.py writes into the bundle; from source, where to get them."""
    from PySide6.QtGui import QFontDatabase
    from PySide6.QtWidgets import QDialog, QPlainTextEdit, QVBoxLayout

    notices = paths.bundle_root() / "THIRD-PARTY-NOTICES.txt"
    if not notices.is_file():
        missing = QMessageBox(
            QMessageBox.Icon.Information,
            "Licences",
            f"No licence notices at {notices}: this copy runs from source. A built ClinRef carries them; "
            "'python packaging/notices.py dist/clinref' prints them for a bundle built with "
            "'python packaging/build.py'.",
            QMessageBox.StandardButton.Close,
            parent,
        )
        missing.setObjectName("licencesDialog")
        missing.open()
        return missing
    dialog = QDialog(parent)
    dialog.setObjectName("licencesDialog")
    dialog.setWindowTitle("ClinRef — licences")
    view = QPlainTextEdit(dialog)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    try:
        view.setPlainText(notices.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        view.setPlainText(f"The licence notices at {notices} cannot be read ({exc.strerror}). Reinstall ClinRef.")
    QVBoxLayout(dialog).addWidget(view)
    dialog.resize(760, 560)
    dialog.open()
    return dialog


def show_notices(parent: QWidget, status: QStatusBar, notices: list[str]) -> QMessageBox | None:
    """Say what went wrong at start-up (content fallback, a reset profile), without blocking."""
    if not notices:
        return None
    for notice in notices:
        status.showMessage(notice.splitlines()[0], 15000)
    box = QMessageBox(QMessageBox.Icon.Warning, "ClinRef", "\n\n".join(notices), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("startupNotice")
    box.open()
    return box
