"""Parts of the window built when first needed or after the first paint, not before it.

Start-up is measured to the first painted window (bench/README.md): whatever is not on screen
then (the Treatments tab, say) is built right after, or the first time it is asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyPage(QWidget):
    """A page (a tab's, say) whose content is made by ``make(parent)`` the first time it is needed:
    when :meth:`content` is called or the page is shown, whichever comes first."""

    def __init__(self, make: Callable[[QWidget], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._make: Callable[[QWidget], QWidget] | None = make
        self._content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._content is not None

    def content(self) -> QWidget:
        if self._content is None:
            assert self._make is not None
            make, self._make = self._make, None
            self._content = make(self)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._content)
            self._content.show()  # a child added to a shown widget is not shown with it
            layout.activate()  # and is laid out now, not at the next turn of the event loop
        return self._content

    def showEvent(self, event: QShowEvent) -> None:
        self.content()
        super().showEvent(event)


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[], object]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # The paint pass this event opens also paints the children: start once it is over.
            QTimer.singleShot(0, self, self._run)  # dropped with the widget if it goes first
        return False

    def _run(self) -> None:
        if self._widget.isVisible():  # closed meanwhile (what it needs may be closed too): not wanted
            self._then()
        self.deleteLater()


def after_first_paint(widget: QWidget, then: Callable[[], object]) -> None:
    """Call ``then`` once ``widget`` has first been painted, if it is still shown by then."""
    widget.installEventFilter(_FirstPaint(widget, then))
