"""The status-bar notice that stays while bookmarks are not being saved, or are read-only, with a Retry.

A store that falls back to memory used to say so once, at start-up, and then take bookmarks as if it kept
them. This stays in the window for as long as it is true, and offers to try the file again.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from db.userdata import UserData


class StoreStatus(QWidget):
    """Shows :attr:`UserData.unsaved` while there is one; **Retry** tries the file again. Hidden otherwise.

    Emits ``changed`` after a retry, so the window can show the bookmarks as they now are.
    """

    changed = Signal()

    def __init__(self, userdata: UserData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeStatus")
        self._userdata = userdata
        self.label = QLabel(self)
        self.label.setObjectName("storeStatusText")
        self.retry_button = QPushButton("&Retry", self)
        self.retry_button.setObjectName("storeRetry")
        self.retry_button.setToolTip("Try to open your bookmarks file again")
        self.retry_button.clicked.connect(self.retry)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.retry_button)
        self.refresh()

    def refresh(self, failure: str | None = None) -> None:
        """Show the store's state as it now is; ``failure`` says why the last retry did not work."""
        unsaved = self._userdata.unsaved
        self.setHidden(unsaved is None)
        self.label.setText(f"\u26a0 {unsaved}" if unsaved else "")
        self.label.setToolTip("\n\n".join(t for t in (self._userdata.reset_reason, failure) if t))
        self.retry_button.setHidden(not self._userdata.can_retry)

    def retry(self) -> None:
        saved = self._userdata.retry()
        self.refresh(None if saved else self._userdata.last_error)
        self.changed.emit()
