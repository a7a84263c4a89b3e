"""Start-up paints the window first and makes what is not on screen right after (issue #14).

No timings here (bench/ measures them): what exists before the first paint, what exists after
it, and that a person who acts before the deferred parts are made gets them at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QTableView, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from db.model import PageAddress
from desktop.main_window import MainWindow
from desktop.startup import Startup

pytestmark = pytest.mark.usefixtures("profile")

REPO_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def before_first_paint(qtbot: QtBot, db: Path) -> Iterator[tuple[Startup, MainWindow]]:
    """ClinRef started, its window shown but not yet painted (the event loop has not run)."""
    startup = Startup(db)
    assert startup.begin() is None
    if startup.dialog is not None:
        qtbot.addWidget(startup.dialog)
        startup.dialog.accept()
    window = startup.window
    assert window is not None
    qtbot.addWidget(window)
    try:
        yield startup, window
    finally:
        window.close()
        startup.userdata.close()
        startup.library.close()


def _tab_label(window: MainWindow) -> str:
    return window.tabs.tabText(window.tabs.currentIndex()).replace("&", "")


def test_the_first_paint_has_the_sidebar_and_the_content_status_and_the_rest_follows(
    qtbot: QtBot, built_db: Path
) -> None:
    with before_first_paint(qtbot, built_db) as (startup, window):
        for name in ("searchBox", "topicTree", "contentVersion", "articleView"):
            assert window.findChild(QWidget, name) is not None, name
        for name in ("treatmentsPanel", "drugTable", "classFilter", "studyView", "studyCard", "searchResults"):
            assert window.findChild(QWidget, name) is None, f"{name} made before the first paint"
        assert window.findChild(QWidget, "findBar") is None  # made at the first Ctrl+F
        assert window.reader.page is None  # the home article is laid out after it
        assert not hasattr(startup, "updates")
        qtbot.waitUntil(lambda: window.after_first_paint.done)
        for name in ("treatmentsPanel", "drugTable", "classFilter", "studyView", "studyCard", "searchResults"):
            assert window.findChild(QWidget, name) is not None, f"{name} not made after the first paint"
        assert window.findChild(QWidget, "findBar") is None
        qtbot.waitUntil(lambda: window.reader.page is not None, timeout=30000)  # read off the GUI thread
        assert window.reader.page is not None and window.reader.page.address == startup.library.home()
        assert startup.updates is not None  # watching for new content
        assert _tab_label(window) == "Reading"  # making the other tabs did not switch to them
        tabs = window.findChild(QTabWidget, "mainTabs")
        assert tabs is not None and tabs.count() == 3
        assert window.findChild(QWidget, "deferredPage") is None  # the empty pages are gone


def _descriptors(path: Path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    return sum(1 for fd in Path("/proc/self/fd").iterdir() if os.path.realpath(fd) == str(path.resolve()))


def test_both_search_workers_have_their_connection_before_the_first_key(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (startup, window):
        before = _descriptors(startup.library.path)  # the GUI thread's connection, and any other library's
        qtbot.waitUntil(lambda: window.after_first_paint.done)
        # One for each of the two worker threads (the home article is read on one of them), before a key is typed.
        qtbot.waitUntil(lambda: _descriptors(startup.library.path) == before + 2)
        assert not window.sidebar.search_box.text()


def test_ctrl_2_before_the_first_paint_shows_the_treatments_table(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        window.act_treatments.trigger()  # Ctrl+2 (a shortcut needs the active window: shown, so painted)
        assert _tab_label(window) == "Treatments by class"
        table = window.findChild(QTableView, "drugTable")
        assert table is not None and table.isVisibleTo(window)
        panel = window.findChild(QWidget, "treatmentsPanel")
        classes = window.findChild(QAbstractItemView, "classFilter")
        assert classes is not None and window.focusWidget() is classes  # where typing goes
        qtbot.waitUntil(lambda: window.after_first_paint.done)
        assert window.findChild(QWidget, "treatmentsPanel") is panel  # made once, kept
        assert len(window.findChildren(QTableView, "drugTable")) == 1


def test_clicking_the_treatments_tab_before_it_is_made_shows_it(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        bar = window.tabs.tabBar()
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
        assert _tab_label(window) == "Treatments by class"
        table = window.findChild(QTableView, "drugTable")
        assert table is not None and table.isVisibleTo(window)
        assert not window.sidebar.isVisibleTo(window)  # the class filter takes the sidebar's place


def test_a_class_view_bookmark_chosen_before_the_first_paint_opens_it(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (startup, window):
        startup.bookmarks.toggle("classes:post-hypoxic", "Treatments: Post-hypoxic")
        menu = window.bookmarks_menu
        menu.refresh()  # as opening the menu does
        chosen = [a for a in menu.actions() if a.statusTip() == "classes:post-hypoxic"]
        assert chosen
        chosen[0].trigger()
        assert _tab_label(window) == "Treatments by class"
        assert window.treatments.class_filter.selected_slugs() == ["post-hypoxic"]
        qtbot.waitUntil(lambda: window.treatments.address() is not None, timeout=30000)  # read off the GUI thread
        assert window.treatments.address() == (PageAddress.class_view(["post-hypoxic"]), window.treatments.title())


def test_searching_before_the_results_page_is_made(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        box = window.findChild(QLineEdit, "searchBox")
        assert box is not None and window.findChild(QWidget, "searchResults") is None
        qtbot.keyClick(box, Qt.Key.Key_Escape)  # nothing to clear yet
        qtbot.keyClick(box, Qt.Key.Key_Down)  # not searching: to the topics
        assert window.focusWidget() is window.findChild(QWidget, "topicTree")
        window.act_search.trigger()  # Ctrl+K
        assert window.focusWidget() is box
        qtbot.keyClicks(box, "klonopin")
        qtbot.keyClick(box, Qt.Key.Key_Return)  # before the answer: the top hit opens when it comes
        qtbot.waitUntil(lambda: window.reader.page is not None and window.reader.page.title.startswith("clonazepam"))
        results = window.findChild(QAbstractItemView, "searchResults")
        assert results is not None and results.isVisibleTo(window)
        assert window.focus_ring.target is None
        results.setFocus()
        assert window.focus_ring.target is results  # the ring goes round the list made after the window
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Escape)
        assert box.text() == "" and not results.isVisibleTo(window)
        qtbot.waitUntil(lambda: window.after_first_paint.done)
        assert window.findChildren(QAbstractItemView, "searchResults") == [results]  # made once, kept


def test_find_in_page_before_the_first_paint(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        window.act_find.trigger()  # Ctrl+F
        field = window.findChild(QLineEdit, "findField")
        assert field is not None and field.isVisibleTo(window) and window.focusWidget() is field
        qtbot.keyClick(field, Qt.Key.Key_Escape)
        bar = window.findChild(QWidget, "findBar")
        assert bar is not None and not bar.isVisibleTo(window)
        assert window.focusWidget() is window.findChild(QWidget, "articleView")


def test_study_and_zoom_before_the_first_paint(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        window.act_zoom_in.trigger()  # Ctrl+=
        steps = window.reader.zoom_steps()
        assert steps > 0
        window.act_study.trigger()  # Ctrl+3
        assert _tab_label(window) == "Study"
        card = window.findChild(QWidget, "studyCard")
        assert card is not None and card.isVisibleTo(window)
        assert window.study.card.zoom_steps == steps  # made after the zoom: it follows it
        window.act_zoom_out.trigger()  # Ctrl+-
        assert window.study.card.zoom_steps == window.reader.zoom_steps() == steps - 1


def test_the_treatments_table_is_exported_when_its_tab_was_chosen_first(
    qtbot: QtBot, built_db: Path, tmp_path: Path
) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        window.act_treatments.trigger()
        pdf = tmp_path / "treatments.pdf"
        assert window.export_pdf_to(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")


def test_a_window_closed_before_its_first_paint_makes_nothing_after(qtbot: QtBot, built_db: Path) -> None:
    with before_first_paint(qtbot, built_db) as (_startup, window):
        window.close()  # saves its layout without a Treatments tab to ask
        assert not window.after_first_paint.done
        QApplication.processEvents()  # the event loop turns once
        assert window.findChild(QWidget, "treatmentsPanel") is None
        assert window.reader.page is None


def test_the_first_paint_is_reported_for_the_benchmark_of_a_frozen_bundle(
    built_db: Path, profile: Path, tmp_path: Path
) -> None:
    """``CLINREF_REPORT_FIRST_PAINT``: how ``python -m bench --frozen`` times a bundle it cannot hook."""
    env = {**os.environ, "CLINREF_REPORT_FIRST_PAINT": "1", "QT_QPA_PLATFORM": "offscreen"}
    settings = profile / "config" / "ClinRef" / "settings.ini"  # a returning user: the disclaimer accepted
    settings.parent.mkdir(parents=True, exist_ok=True)
    version = tomllib.loads((REPO_ROOT / "resources" / "disclaimer.toml").read_text(encoding="utf-8"))["version"]
    settings.write_text(f"[disclaimer]\nversion={version}\naccepted_at=2025-01-01T00:00:00+00:00\n", encoding="utf-8")
    spawned = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(built_db)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["painted"] > spawned and report["rss_kib"] > 0


def test_tab_moves_through_a_tab_made_after_the_first_paint_and_back_to_the_tab_bar(
    qtbot: QtBot, built_db: Path
) -> None:
    from tests.desktop_helpers import running

    with running(qtbot, built_db) as startup:
        window = startup.window
        assert isinstance(window, MainWindow)
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        bar = window.tabs.tabBar()
        bar.setFocus()
        seen = []
        for _ in range(5):
            focus = QApplication.focusWidget()
            assert focus is not None
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
            seen.append(QApplication.focusWidget())
        names = [w.objectName() if w is not None else "" for w in seen]
        assert names == ["conditionChooser", "classFilter", "drugTable", "treatmentDetail", bar.objectName()]
