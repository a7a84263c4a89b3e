"""The dark palette a dark desktop theme gives: for screenshots (tools/screenshots.py --dark) and the
contrast tests (tests/test_treatments_view.py), so both look at the same colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

DARK_COLOURS = (
    (QPalette.ColorRole.Window, "#202124"),
    (QPalette.ColorRole.WindowText, "#e8eaed"),
    (QPalette.ColorRole.Base, "#17181a"),
    (QPalette.ColorRole.AlternateBase, "#242528"),
    (QPalette.ColorRole.Text, "#e8eaed"),
    (QPalette.ColorRole.Button, "#2d2e31"),
    (QPalette.ColorRole.ButtonText, "#e8eaed"),
    (QPalette.ColorRole.Highlight, "#8ab4f8"),
    (QPalette.ColorRole.HighlightedText, "#202124"),
    (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
    (QPalette.ColorRole.Link, "#8ab4f8"),
)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in DARK_COLOURS:
        palette.setColor(role, QColor(colour))
    return palette
