"""The Qt binding itself: a known-bad PySide6 must not reach a clinician's screen."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    """PySide6 6.12.0 dropped a reference to None on every void call; after a few thousand the app aborts.

    A person clicking and typing makes thousands of such calls an hour, so the binding must keep
    the count steady (pyproject.toml excludes the bad release).
    """
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        widget.setEnabled(True)
        widget.setToolTip("")
    after = sys.getrefcount(None), sys.getrefcount(True)
    assert abs(after[0] - before[0]) < 50 and abs(after[1] - before[1]) < 50, (before, after)
