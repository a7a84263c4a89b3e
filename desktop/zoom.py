"""One zoom for the whole window: the reader's zoom steps applied to every pane's font."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

MIN_POINT_SIZE = 6.0


def apply_zoom(root: QWidget, steps: int) -> None:
    """Set ``root``'s font (which its children inherit: sidebar, tables, detail panes) to the
    application's size plus ``steps`` points, as the article pane's zoom is counted."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(MIN_POINT_SIZE, font.pointSizeF() + steps))
    root.setFont(font)
