"""Start a window, report when it has first been painted, and exit: one start-up measurement.

Run as a fresh process by ``bench/run.py``::

    python bench/startup_probe.py app --db PATH     # ClinRef, through desktop.app.main
    python bench/startup_probe.py bare              # a bare QMainWindow with a QTextBrowser

Both print one JSON line: ``painted`` is ``time.monotonic()`` (the system-wide monotonic clock,
so the parent can subtract the moment it spawned this process) when the first paint of the
window called ``mainWindow`` has finished, and ``rss_kib`` is the resident memory then.

The probe adds as little as it can: no Python event filter on the whole application (that
would run for every event of start-up), only one on the main window, installed before the
event loop starts, when the window has been shown but not yet painted.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _rss_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource  # peak, not current, where /proc is missing (macOS: bytes)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def none_guard_needed() -> bool:
    """True where PySide6 drops a reference to None on every call of a void method.

    PySide6 6.12.0 does this on Python 3.11 (where None is not yet immortal): after some tens of
    thousands of such calls None's count reaches zero and the interpreter aborts with
    "none_dealloc: deallocating None". 6.11.3 does not.
    """
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before - 50


def guard_none() -> None:
    """Give None, True and False more references than any run can drop, so the app can be measured."""
    import ctypes

    for constant in (None, True, False):
        ctypes.c_ssize_t.from_address(id(constant)).value += 1 << 40


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("app", "bare"):
        print("usage: startup_probe.py app|bare [--no-guard] [ClinRef's arguments]", file=sys.stderr)
        return 2
    arguments = sys.argv[2:]
    guard = "--no-guard" not in arguments
    arguments = [a for a in arguments if a != "--no-guard"]

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QTextBrowser, QWidget

    guarded = guard and none_guard_needed()
    if guarded:
        guard_none()

    class FirstPaint(QObject):
        def __init__(self, window: QWidget) -> None:
            super().__init__()
            self.window = window
            self.seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not self.seen and event.type() == QEvent.Type.Paint:
                self.seen = True
                # The window paints itself, then its children, in this same pass: report once it is over.
                QTimer.singleShot(0, self.report)
            return False

        def report(self) -> None:
            painted = time.monotonic()
            print(json.dumps({"painted": painted, "rss_kib": _rss_kib(), "none_guard": guarded}), flush=True)
            os._exit(0)  # nothing after the first paint is being measured

    def watch(window: QWidget | None) -> FirstPaint:
        if window is None or window.objectName() != "mainWindow":
            print("no main window was shown", file=sys.stderr, flush=True)
            os._exit(1)
        probe = FirstPaint(window)
        window.installEventFilter(probe)
        return probe

    if mode == "bare":
        app = QApplication([sys.argv[0]])
        window = QMainWindow()
        window.setObjectName("mainWindow")
        window.setWindowTitle("bare")
        window.setCentralWidget(QTextBrowser(window))
        screen = window.screen().availableGeometry()  # the size ClinRef opens at
        window.resize(min(1280, int(screen.width() * 0.92)), min(820, int(screen.height() * 0.9)))
        probe = watch(window)
        window.show()
        return app.exec()

    # ClinRef exactly as `python -m desktop` starts it, except that the QApplication exists
    # first (desktop.app.main reuses it, as documented) so that the probe can run the loop.
    app = QApplication([sys.argv[0], *arguments])
    from desktop.app import main as clinref_main

    status = clinref_main(arguments)
    if status:
        print(f"ClinRef exited with {status}", file=sys.stderr, flush=True)
        return status
    shown = [w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()]
    probe = watch(shown[0] if shown else None)
    if probe.seen:  # painted synchronously while it was shown: too late to time it
        print("the main window painted before the event loop started", file=sys.stderr, flush=True)
        return 1
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
