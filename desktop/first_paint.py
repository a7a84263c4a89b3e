"""``CLINREF_REPORT_FIRST_PAINT=1``: print when the main window is first painted, then exit.

For measuring start-up where ``bench/startup_probe.py`` cannot hook the process: a frozen
bundle (``python -m bench --frozen dist/clinref``). One JSON line on stdout, as the probe
prints: ``painted`` (``time.monotonic()``, system-wide, so the parent can subtract the moment
it spawned the process) and ``rss_kib``, resident memory then. The app does nothing else with it.
"""

from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

VARIABLE = "CLINREF_REPORT_FIRST_PAINT"


def wanted() -> bool:
    return bool(os.environ.get(VARIABLE))


def _rss_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class _Report(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._seen = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            # The window paints itself, then its children, in this same pass: report once it is over.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(json.dumps({"painted": time.monotonic(), "rss_kib": _rss_kib(), "none_guard": False}), flush=True)
        os._exit(0)  # nothing after the first paint is being measured


def report_first_paint(window: QWidget) -> None:
    """Print the moment ``window`` has first been painted and end the process (call before the loop runs)."""
    _Report(window)
