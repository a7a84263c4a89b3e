"""Spoken announcements for screen readers: what changed where nobody is looking.

A search's results arriving, the result chosen with Up/Down, a page opened, find's "1 of 3":
each only changes a label or a pane, which a screen reader does not read unless told. Qt's
:class:`QAccessibleAnnouncementEvent` (Qt 6.8) tells it: AT-SPI passes it on as
``object:announcement`` (Orca), UI Automation as a notification (NVDA, Narrator).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent


@cache
def _accessible() -> tuple[type[QAccessible], type[QAccessibleAnnouncementEvent]]:
    # Imported when first announced, not at start-up: making QAccessible makes its 8 enums.
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

    return QAccessible, QAccessibleAnnouncementEvent


def send_announcement(source: QObject, text: str, *, assertive: bool = False) -> None:
    """Have the screen reader say ``text``, as coming from ``source``."""
    if not text:
        return
    QAccessible, QAccessibleAnnouncementEvent = _accessible()
    event = QAccessibleAnnouncementEvent(source, text)
    if assertive:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(event)


class Announcer(QObject):
    """Sends announcements for one widget and repeats each on :attr:`announced` (tests listen there)."""

    announced = Signal(str)

    def __init__(self, source: QObject) -> None:
        super().__init__(source)
        self._source = source

    def say(self, text: str, *, assertive: bool = False) -> None:
        send_announcement(self._source, text, assertive=assertive)
        self.announced.emit(text)
