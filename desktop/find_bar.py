"""Find in page: a small bar under the article with next / previous and a match count."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QTextEdit, QToolButton, QWidget

from desktop.announce import Announcer


class FindBar(QWidget):
    """Searches the text of an article view; highlights every match and counts them."""

    closed = Signal()

    def __init__(self, view: QTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._view = view
        self.field = QLineEdit(self)
        self.field.setObjectName("findField")
        self.field.setPlaceholderText("Find in page")
        self.field.setClearButtonEnabled(True)
        label = QLabel("F&ind:", self)
        label.setBuddy(self.field)  # the field's accessible name comes from its label
        self.count = QLabel(self)
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(90)
        previous = QToolButton(self)
        previous.setObjectName("findPrevious")
        previous.setText("\u2191")
        previous.setAccessibleName("Previous match")
        previous.setToolTip("Previous match (Shift+Enter, Shift+F3)")
        following = QToolButton(self)
        following.setObjectName("findNext")
        following.setText("\u2193")
        following.setAccessibleName("Next match")
        following.setToolTip("Next match (Enter, F3)")
        close = QToolButton(self)
        close.setObjectName("findClose")
        close.setText("\u2715")
        close.setAccessibleName("Close find")
        close.setToolTip("Close find (Esc)")
        self.announcer = Announcer(self.field)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        for widget in (label, self.field, previous, following, self.count):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(close)
        self.field.installEventFilter(self)
        self.field.textChanged.connect(self._search_from_top)
        self.field.returnPressed.connect(self.find_next)
        following.clicked.connect(self.find_next)
        previous.clicked.connect(self.find_previous)
        close.clicked.connect(self.close_bar)
        QShortcut(QKeySequence(QKeySequence.StandardKey.FindNext), self, self.find_next)
        QShortcut(QKeySequence(QKeySequence.StandardKey.FindPrevious), self, self.find_previous)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self._highlight_all()

    def close_bar(self) -> None:
        self._view.setExtraSelections([])
        self.closed.emit()  # first: hidden while focused, the field would hand focus to the next widget in line
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and shift:
                self.find_previous()
                return True
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        """Call after the view shows a new page."""
        if self.isVisible():
            self._search_from_top()

    def matches(self) -> list[QTextCursor]:
        text = self.field.text()
        found: list[QTextCursor] = []
        if not text:
            return found
        document = self._view.document()
        cursor = document.find(text, 0)
        while not cursor.isNull() and len(found) < 10_000:
            found.append(cursor)
            cursor = document.find(text, cursor)
        return found

    def _highlight_all(self) -> list[QTextCursor]:
        found = self.matches()
        highlight = QTextCharFormat()
        highlight.setBackground(QColor("#ffd54f"))
        highlight.setForeground(QColor("#000000"))
        selections = []
        for cursor in found:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = highlight
            selections.append(selection)
        self._view.setExtraSelections(selections)
        return found

    def _search_from_top(self) -> None:
        cursor = self._view.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Start)
        self._view.setTextCursor(cursor)
        self.find_next()

    def _step(self, backward: bool) -> None:
        found = self._highlight_all()
        text = self.field.text()
        if not text:
            self.count.setText("")
            return
        if not found:
            self.count.setText("No matches")
            self.announcer.say("No matches")
            return
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if not self._view.find(text, flags):  # wrap around
            cursor = self._view.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
            self._view.setTextCursor(cursor)
            self._view.find(text, flags)
        position = self._view.textCursor().selectionStart()
        current = next((i for i, c in enumerate(found) if c.selectionStart() == position), 0)
        self.count.setText(f"{current + 1} of {len(found)}")
        self.announcer.say(f"{current + 1} of {len(found)}")

    def find_next(self) -> None:
        self._step(backward=False)

    def find_previous(self) -> None:
        self._step(backward=True)
