""" "Contents and links of this page": the headings, links and citations of the page shown, as a list.

Qt's text browser gives a screen reader the text but no hypertext interface (no list of links,
headings only as font sizes), and Tab no longer walks its ~80 links. This list gives both:
type to filter, Up/Down to choose, Enter to go to a heading or follow a link.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.model import PageScheme
from desktop.article_view import ArticleView
from desktop.roles import OUTLINE_KIND_ROLE

_DISCLOSURE_MARKS = "\u25b8\u25be "  # the triangles of "Notes on the source"
#: Where a link goes, by its scheme (a StrEnum member is looked up by its text).
_WHERE: dict[str, str] = {
    PageScheme.TREATMENT: "treatment page",
    PageScheme.CLASS: "class page",
    PageScheme.ARTICLE: "article",
    "notes": "disclosure",
}


@dataclass(frozen=True)
class OutlineEntry:
    """One heading or link of a page: what it is, its text, and where (position or address)."""

    kind: str  # "heading" | "link" | "citation"
    text: str
    position: int
    href: str = ""
    level: int = 0

    @property
    def label(self) -> str:
        if self.kind == "heading":
            return f"{'    ' * max(0, self.level - 1)}Heading {self.level}: {self.text}"
        if self.kind == "citation":
            return f"Citation {self.text}"
        scheme = QUrl(self.href).scheme()
        where = _WHERE.get(scheme, "leaves ClinRef" if scheme else "on this page")
        return f"Link: {self.text.lstrip(_DISCLOSURE_MARKS)} ({where})"


def outline(document: QTextDocument) -> list[OutlineEntry]:
    """Headings, links and citations in reading order."""
    entries: list[OutlineEntry] = []
    link_end = -1  # where the last link's text ended: a link drawn in several fragments is one link
    block = document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level and block.text().strip():
            entries.append(OutlineEntry("heading", block.text().strip(), block.position(), level=level))
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            iterator += 1
            fmt = fragment.charFormat()
            href = fmt.anchorHref()
            if not href:
                continue
            text = fragment.text().replace("\xa0", " ").strip()
            last = entries[-1] if entries else None
            if last is not None and last.kind == "link" and last.href == href and fragment.position() == link_end:
                entries[-1] = OutlineEntry("link", f"{last.text}{fragment.text()}".strip(), last.position, href)
            elif href.startswith("#ref-"):
                entries.append(OutlineEntry("citation", fmt.toolTip() or text, fragment.position(), href))
            else:
                entries.append(OutlineEntry("link", text, fragment.position(), href))
            link_end = fragment.position() + fragment.length()
        block = block.next()
    return entries


class OutlineDialog(QDialog):
    """The list, with a filter field above it; Enter acts on the chosen entry and closes."""

    def __init__(self, view: ArticleView, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pageOutline")
        self.setWindowTitle(f"Contents and links of this page — {title}")
        self.resize(560, 520)
        self._view = view
        self.filter = QLineEdit(self)
        self.filter.setObjectName("outlineFilter")
        self.filter.setClearButtonEnabled(True)
        label = QLabel("&Show only:", self)
        label.setBuddy(self.filter)
        self.list = QListWidget(self)
        self.list.setObjectName("outlineList")
        self.list.setAccessibleName("Contents and links of this page")
        self.list.setAccessibleDescription(f"Headings, links and citations of {title}. Enter goes there.")
        list_label = QLabel("&Headings, links and citations (Enter goes there):", self)
        list_label.setBuddy(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.filter)
        layout.addWidget(list_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.entries = outline(view.document())
        for entry in self.entries:
            item = QListWidgetItem(entry.label)
            item.setData(OUTLINE_KIND_ROLE, entry)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._activate_current)
        self.list.itemActivated.connect(self._activate)
        self.list.setFocus()

    def done(self, result: int) -> None:
        super().done(result)
        self._view.activateWindow()  # back to the main window, even where no window manager does it

    def _filter(self, text: str) -> None:
        needle = text.casefold().strip()
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = row
        if first is not None:
            self.list.setCurrentRow(first)

    def _activate_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._activate(item)

    def _activate(self, item: QListWidgetItem) -> None:
        entry: OutlineEntry = item.data(OUTLINE_KIND_ROLE)
        self.accept()
        if entry.kind == "heading":
            cursor = QTextCursor(self._view.document())
            cursor.setPosition(entry.position)
            self._view.setTextCursor(cursor)
            self._view.verticalScrollBar().setValue(
                self._view.verticalScrollBar().value() + self._view.cursorRect(cursor).top() - 8
            )
            self._view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._view.setFocus(Qt.FocusReason.OtherFocusReason)
            self._view.follow(entry.href)
