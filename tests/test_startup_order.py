"""Start-up paints the window first and builds what is not on screen after (issue #14).

No timings here (bench/ measures them): only the order in which things are made.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView, QWidget
from pytestqt.qtbot import QtBot

from desktop.lazy import LazyPage
from desktop.startup import Startup

pytestmark = pytest.mark.usefixtures("profile")


def _accepted(startup: Startup) -> None:
    if startup.dialog is not None:
        startup.dialog.accept()


def test_the_home_article_and_the_treatments_tab_are_made_after_the_first_paint(qtbot: QtBot, built_db: Path) -> None:
    startup = Startup(built_db)
    assert startup.begin() is None
    _accepted(startup)
    window = startup.window
    assert window is not None
    qtbot.addWidget(window)
    try:
        assert window.findChild(QWidget, "treatmentsPanel") is None  # not made before the window is painted
        assert window.reader.page is None  # nor the home article laid out
        assert window.findChild(QWidget, "searchBox") is not None and window.findChild(QWidget, "contentVersion")
        qtbot.waitUntil(lambda: window.findChild(QWidget, "treatmentsPanel") is not None)
        assert window.reader.page is not None and window.reader.page.url == "article:myoclonus-treatment-options"
    finally:
        window.close()
        startup.userdata.close()
        startup.library.close()


def test_asking_for_the_treatments_tab_builds_it_at_once(qtbot: QtBot, built_db: Path) -> None:
    startup = Startup(built_db)
    assert startup.begin() is None
    _accepted(startup)
    window = startup.window
    assert window is not None
    qtbot.addWidget(window)
    try:
        assert window.findChild(QWidget, "treatmentsPanel") is None
        window.act_treatments.trigger()  # Ctrl+2 before the window was painted
        table = window.findChild(QTableView, "drugTable")
        assert table is not None and table.isVisibleTo(window)
        assert window.tabs.currentIndex() == 1
    finally:
        window.close()
        startup.userdata.close()
        startup.library.close()


def test_a_lazy_page_is_made_once_when_first_shown(qtbot: QtBot) -> None:
    made: list[QWidget] = []

    def make(parent: QWidget) -> QWidget:
        made.append(QWidget(parent))
        return made[-1]

    page = LazyPage(make)
    qtbot.addWidget(page)
    assert not page.is_built and not made
    page.show()
    assert page.is_built and len(made) == 1
    assert page.content() is made[0] and len(made) == 1
