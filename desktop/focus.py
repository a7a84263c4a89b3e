"""A visible keyboard focus: a ring around the focused pane, in a palette colour of 3:1 contrast.

Qt's styles mark a focused list, tree, table or text pane faintly or not at all, and a focused
link with a 1 px dotted line. WCAG 2.2 (1.4.11, 2.4.13) asks for a focus indicator of at least
3:1 against what is next to it; the ring's colour is the palette's highlight where that
contrasts enough with the pane's background, else its text colour, so it holds in light and
dark themes alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QFocusFrame, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

MIN_CONTRAST = 3.0
RING_WIDTH = 2


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """Relative luminance, as WCAG defines it."""
    return 0.2126 * _linear(colour.redF()) + 0.7152 * _linear(colour.greenF()) + 0.0722 * _linear(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ring_colour(palette: QPalette) -> QColor:
    """The palette's highlight if it stands out 3:1 from the background, else the text colour."""
    base = palette.color(QPalette.ColorRole.Base)
    for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.Link, QPalette.ColorRole.Text):
        colour = palette.color(role)
        if contrast(colour, base) >= MIN_CONTRAST:
            return colour
    return QColor("#000000") if luminance(base) > 0.5 else QColor("#ffffff")


class FocusRing(QFocusFrame):
    """A ring drawn over whichever of the given panes has keyboard focus.

    An overlay rather than a style sheet: a widget with a style sheet stops inheriting its
    parent's font, and the window's zoom (desktop/zoom.py) reaches the panes through exactly
    that inheritance. A QFocusFrame (placed and drawn here, not by the style) because Qt leaves
    focus frames out of what it tells screen readers: no unnamed object inside the article.
    """

    def __init__(self, widgets: Sequence[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._widgets = set(widgets)
        self._target: QWidget | None = None
        self.hide()
        for widget in widgets:
            widget.installEventFilter(self)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def add(self, widgets: Sequence[QWidget]) -> None:
        """Draw the ring around these panes too (those of a tab made after the window)."""
        for widget in widgets:
            if widget not in self._widgets:
                self._widgets.add(widget)
                widget.installEventFilter(self)

    @property
    def target(self) -> QWidget | None:
        """The pane the ring is drawn around, or None."""
        return self._target if self.isVisible() else None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        pane = new
        while pane is not None and pane not in self._widgets:
            pane = pane.parentWidget()  # focus on a viewport or an editor inside the pane
        self._target = pane
        if pane is None:
            self.hide()
            return
        self.setParent(pane)
        self._cover()
        self.show()
        self.raise_()

    def _cover(self) -> None:
        if self._target is not None:
            self.setGeometry(self._target.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._target and event.type() == QEvent.Type.Resize:
            self._cover()
        return super().eventFilter(watched, event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._target is None:
            return
        # Imported when the ring is first drawn, not at start-up: making a Qt class makes all its enums.
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter, QPen

        painter = QPainter(self)
        pen = QPen(ring_colour(self._target.palette()), RING_WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        half = RING_WIDTH / 2
        painter.drawRect(QRectF(self.rect()).adjusted(half, half, -half, -half))
