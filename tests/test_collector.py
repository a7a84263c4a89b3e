"""Reference cycles are freed on the GUI thread, never on a worker that happened to allocate."""

from __future__ import annotations

import gc
import threading

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.collector import collect_on_gui_thread


class _Cycle:
    """Refers to itself, so only the cycle collector frees it; says on which thread it was freed."""

    def __init__(self, freed_on: list[str]) -> None:
        self.me = self
        self.freed_on = freed_on

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def test_a_cycle_left_while_a_worker_allocates_is_freed_on_the_gui_thread(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    collector = collect_on_gui_thread(app)
    assert collect_on_gui_thread(app) is collector  # installed once
    assert not gc.isenabled()
    freed_on: list[str] = []
    _Cycle(freed_on)

    def allocate() -> None:  # as a page being read does: enough to cross every threshold many times over
        for _ in range(200_000):
            pair: list[object] = []
            pair.append(pair)

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert freed_on == []  # nothing was collected on the worker
    qtbot.waitUntil(lambda: freed_on != [], timeout=10_000)
    assert freed_on == [threading.main_thread().name]
