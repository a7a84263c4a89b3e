"""What the window says about bookmarks that are not saved: the failed write itself, and for as long as it lasts.

Each test fails if the handling it covers is removed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.startup import Startup
from tests.desktop_helpers import open_page, running, window
from tests.ui import child


def _store_status(app: Startup) -> tuple[QWidget, QLabel, QPushButton]:
    main = window(app)
    return (
        child(main, QWidget, "storeStatus"),
        child(main, QLabel, "storeStatusText"),
        child(main, QPushButton, "storeRetry"),
    )


def _dismiss_notice(app: Startup) -> None:
    notice = window(app).findChild(QMessageBox, "startupNotice")
    if notice is not None:
        notice.accept()


def _refuse_inserts(store: Path, table: str, message: str) -> None:
    """From another connection to the store file: every insert into ``table`` now fails with ``message``."""
    with contextlib.closing(sqlite3.connect(store, isolation_level=None)) as conn:
        conn.execute(
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


@pytest.mark.usefixtures("profile")
def test_a_failed_bookmark_is_reported_not_announced_as_saved(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        open_page(qtbot, app, "drug:clonazepam")
        # Every bookmark write now fails, as on a full disk; reads still work (and used to clear the error).
        _refuse_inserts(app.userdata.path, "bookmarks", "database or disk is full")
        qtbot.keyClick(main, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        message = main.statusBar().currentMessage()
        assert "Could not save the bookmark" in message and "disk is full" in message, message
        assert "Bookmarked" not in message
        assert not window(app).act_bookmark.isChecked()
        assert app.userdata.bookmarks() == ()


@pytest.mark.usefixtures("profile")
def test_a_failed_history_write_is_reported(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        main = window(app)
        _refuse_inserts(app.userdata.path, "history", "disk I/O error")
        open_page(qtbot, app, "drug:clonazepam")
        # The visit is written off the GUI thread; its failure is reported there when it comes.
        qtbot.waitUntil(lambda: "could not be saved" in main.statusBar().currentMessage(), timeout=30000)
        message = main.statusBar().currentMessage()
        assert "history" in message and "disk I/O error" in message, message


def test_a_store_that_is_not_kept_says_so_until_retry_saves_it(
    qtbot: QtBot, built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    with running(qtbot, built_db) as app:
        _dismiss_notice(app)
        status, label, retry = _store_status(app)
        assert not status.isHidden() and not retry.isHidden()
        assert "not being saved" in label.text() and str(blocker) in label.text()
        open_page(qtbot, app, "drug:clonazepam")
        qtbot.keyClick(window(app), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        retry.click()  # still blocked: nothing lost, still said
        assert not status.isHidden() and [b.url for b in app.userdata.bookmarks()] == ["drug:clonazepam"]
        blocker.unlink()
        blocker.mkdir()
        retry.click()
        assert status.isHidden()
        store = app.userdata.path
        assert store.is_file() and app.userdata.persistent
    with running(qtbot, built_db) as again:
        assert [b.url for b in again.userdata.bookmarks()] == ["drug:clonazepam"]
        assert _store_status(again)[0].isHidden()
