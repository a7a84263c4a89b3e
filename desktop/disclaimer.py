"""The first-launch disclaimer: must be accepted before any content is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.resources import Disclaimer
from desktop.safe_document import ContentBrowser


class DisclaimerDialog(QDialog):
    """Shows the disclaimer. In ``review`` mode (Help menu) it only has Close.

    ``accept()`` means the person accepted; ``reject()`` (Decline, Esc, closing the window)
    means they did not, and the app quits without showing its main window. Only the Accept
    button (or its mnemonic, Alt+A) accepts: Enter in the text, where a reader's focus starts,
    does nothing, and Enter on a button presses that button.
    """

    def __init__(
        self, disclaimer: Disclaimer, *, review: bool = False, accepted_at: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("disclaimerDialog")
        self.setWindowTitle(f"ClinRef — {disclaimer.title}")
        self.setModal(True)
        self.resize(620, 520)
        heading = QLabel(f"<h2>{disclaimer.title}</h2>", self)
        text = ContentBrowser(self)
        text.setObjectName("disclaimerText")
        text.setOpenLinks(False)
        text.setMarkdown(disclaimer.text)
        text.setAccessibleName(disclaimer.title)
        text.setAccessibleDescription("The disclaimer's text. Accept with Alt+A, or decline with Alt+D or Esc.")
        text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        text.setTabChangesFocus(True)
        heading.setAccessibleName(disclaimer.title)
        footer = QLabel(self)
        footer.setWordWrap(True)
        footer.setTextFormat(Qt.TextFormat.PlainText)
        if review and accepted_at:
            footer.setText(f"Disclaimer version {disclaimer.version}, accepted {accepted_at}.")
        else:
            footer.setText(f"Disclaimer version {disclaimer.version}.")
        buttons = QDialogButtonBox(self)
        if review:
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
            buttons.rejected.connect(self.reject)
        else:
            accept = buttons.addButton("&Accept", QDialogButtonBox.ButtonRole.AcceptRole)
            accept.setObjectName("acceptButton")
            decline = buttons.addButton("&Decline and quit", QDialogButtonBox.ButtonRole.RejectRole)
            decline.setObjectName("declineButton")
            accept.setDefault(False)
            accept.setAutoDefault(False)
            decline.setAutoDefault(False)
            buttons.accepted.connect(self.accept)
            buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(text, 1)
        layout.addWidget(footer)
        layout.addWidget(buttons)
        self._buttons = buttons
        text.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # QDialogButtonBox makes its first Accept button the default when shown, so Enter
        # anywhere would accept: no button is the default here.
        for button in self._buttons.findChildren(QPushButton):
            button.setDefault(False)
            button.setAutoDefault(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, QAbstractButton):
                focus.click()
            event.accept()
            return
        super().keyPressEvent(event)
