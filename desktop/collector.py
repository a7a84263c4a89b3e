"""Python's cycle collector, run on the GUI thread only.

Python collects reference cycles on whichever thread happens to allocate when a threshold is
crossed. ClinRef reads pages, searches and class views on worker threads (:mod:`desktop.queries`),
so a collection could start there and free a window, a relay or a timer that a cycle kept alive:
Qt objects must be deleted on the thread they live on, and Qt then warns ("Timers cannot be
stopped from another thread") or crashes. The well-known remedy in PyQt and PySide applications
(Anki, pyqtgraph, Spyder do the same) is to switch automatic collection off and collect from a
timer on the GUI thread, with the interpreter's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

#: How often the GUI thread looks at the collector's counts. A cycle lives at most this long longer.
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects each generation when its count passes the threshold Python would have used."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("guiThreadCollector")
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        # The oldest generation due first: collecting it collects the younger ones too.
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return


def collect_on_gui_thread(app: QCoreApplication) -> GuiThreadCollector:
    """Install the collector for ``app`` once (a second call returns the first one)."""
    existing = app.findChild(GuiThreadCollector, "guiThreadCollector")
    return existing if isinstance(existing, GuiThreadCollector) else GuiThreadCollector(app)
