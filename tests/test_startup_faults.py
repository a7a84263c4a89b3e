"""File-system faults at start-up and while reading are messages, never tracebacks, and name the real cause.

The permission cases run without root's power over file modes (tests/unprivileged.py), so they run in CI.
Each test fails if the handling it covers is removed.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QTextBrowser
from pytestqt.qtbot import QtBot

from db.library import Library
from db.library.opening import BUSY_TIMEOUT_S
from desktop.pages import Pages
from desktop.queries import Queries
from desktop.reader import Reader
from tests.conftest import resign
from tests.desktop_helpers import running, window
from tests.ui import child
from tests.unprivileged import give_back, run, run_python, take_away

# -- content the user cannot reach ---------------------------------------------------------------------------


def test_content_in_a_folder_the_user_cannot_enter_is_a_message(built_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "clinref.db"
    shutil.copy(built_db, db)
    take_away(folder, 0o700)  # someone else's folder (nobody's, when we are root)
    try:
        report = run_python(
            "import json, sys\n"
            "from db.errors import LibraryError\n"
            "from db.library import Library\n"
            "try:\n"
            "    Library(sys.argv[1]); print(json.dumps({'opened': True}))\n"
            "except LibraryError as exc:\n"
            "    print(json.dumps({'reason': exc.reason, 'advice': exc.advice, 'path': exc.path}))\n",
            str(db),
        )
        self_test = run(["-m", "desktop", "--self-test", "--db", str(db)], env={"HOME": str(tmp_path)})
    finally:
        give_back(folder)
    assert report.get("path") == str(db), report
    assert "cannot be reached" in report["reason"] and str(folder) in report["advice"]
    assert self_test.returncode == 1, self_test.stdout + self_test.stderr
    # The self-test first copies a named file to verify it: the copy is what cannot read it.
    assert str(db) in self_test.stderr and (
        "cannot be reached" in self_test.stderr or "cannot be read" in self_test.stderr
    )
    assert "Traceback" not in self_test.stderr


# -- content locked by another program -----------------------------------------------------------------------


@pytest.fixture
def locked_copy(built_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "clinref.db"
    shutil.copy(built_db, db)
    return db


def _lock(db: Path) -> sqlite3.Connection:
    """Another program writing the content file: it holds SQLite's exclusive lock."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_content_locked_by_another_program_opens_at_once(locked_copy: Path) -> None:
    """The app reads verified copies with immutable=1: another program's lock neither blocks nor freezes it.

    (Before signed content, a locked file froze each read for SQLite's 5 s busy timeout, and was then
    called damaged.) What guards against reading a file while it is being written is the signature
    and the change check, tested in tests/test_trust.py and tests/test_content_updates.py.
    """
    holder = _lock(locked_copy)
    try:
        with Library(locked_copy) as library:
            assert library.search("clonazepam").hits
    finally:
        holder.close()


def test_a_page_opened_while_the_content_is_locked_opens_without_waiting(qtbot: QtBot, locked_copy: Path) -> None:
    with Library(locked_copy) as library:
        queries = Queries(library)
        reader = Reader(Pages(library, "Verify against primary sources."), queries)
        qtbot.addWidget(reader)
        # Were a lock ever waited for, it would be this long at most (SQLite's default was 5 s per page).
        assert library._connection().execute("PRAGMA busy_timeout").fetchone()[0] == int(BUSY_TIMEOUT_S * 1000) <= 250
        holder = _lock(locked_copy)
        try:
            with qtbot.waitSignal(reader.page_shown, timeout=30000):
                reader.open("drug:clonazepam")
            assert reader.page is not None and reader.page.found
            assert "clonazepam" in reader.view.toPlainText()
        finally:
            holder.close()
            queries.shutdown()


# -- a row that cannot be read while the window is built -----------------------------------------------------


def _not_utf8(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        changed = conn.execute("UPDATE treatments SET name = CAST(x'c3ff41' AS TEXT) WHERE slug = 'clonazepam'")
        assert changed.rowcount == 1
        conn.commit()
    finally:
        conn.close()


def _damaged_page(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'treatments'").fetchone()[0]
    finally:
        conn.close()
    with db.open("r+b") as handle:  # the b-tree page holding the drug list: its header overwritten
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * 64)


@pytest.fixture(params=[_not_utf8, _damaged_page], ids=["not-utf8", "damaged-page"])
def bad_row_db(built_db: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """Content that opens, but whose drug list (read to build the sidebar) cannot be read."""
    db = tmp_path / "share" / "clinref.db"
    db.parent.mkdir()
    shutil.copy(built_db, db)
    request.param(db)
    yield resign(db)  # signed as genuine: the bad row itself is what the app meets


@pytest.mark.usefixtures("profile")
def test_a_bad_row_while_the_window_is_built_falls_back_to_the_bundled_content(
    qtbot: QtBot, built_db: Path, bad_row_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desktop.startup.default_database", lambda: built_db)
    monkeypatch.setattr("db.library.locate.default_database", lambda: built_db)
    with running(qtbot, bad_row_db) as app:
        assert window(app).isVisible()
        assert app.library.path == built_db
        notice = window(app).findChild(QMessageBox, "startupNotice")
        assert notice is not None
        assert str(bad_row_db) in notice.text() and "bundled content" in notice.text()
        assert "clonazepam" in child(window(app), QTextBrowser, "articleView").toPlainText()
        notice.accept()


def test_the_self_test_fails_on_a_bad_row_naming_the_file(bad_row_db: Path, tmp_path: Path) -> None:
    result = run(["-m", "desktop", "--self-test", "--db", str(bad_row_db)], env={"HOME": str(tmp_path)})
    assert result.returncode == 1
    assert str(bad_row_db) in result.stderr and "damaged" in result.stderr
    assert "Traceback" not in result.stderr


# -- a profile the user cannot write -------------------------------------------------------------------------

_START = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.startup import Startup
startup = Startup(Path(sys.argv[1]))
status = startup.begin()
asked = startup.dialog is not None
if asked:
    startup.dialog.accept()
print(json.dumps({"status": status, "window": startup.window is not None, "asked": asked,
                  "notices": startup.notices, "unsaved": startup.userdata.unsaved}))
"""


def _profile(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    config, data = tmp_path / "config", tmp_path / "data"
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config), "XDG_DATA_HOME": str(data)}
    return env, config / "ClinRef", data / "ClinRef"


def test_profile_folders_owned_by_another_user_are_a_message(built_db: Path, tmp_path: Path) -> None:
    env, config, data = _profile(tmp_path)
    for folder in (config, data):
        folder.mkdir(parents=True)
    (config / "settings.ini").write_text("[disclaimer]\nversion=999\n", encoding="utf-8")
    (config / "settings.ini").chmod(0o600)
    paths = [config / "settings.ini", config, data]
    for path in paths:
        take_away(path, 0o700 if path.is_dir() else 0o600)  # as after 'sudo -E clinref': root's, not ours
    try:
        report = run_python(_START, str(built_db), env=env)
        self_test = run(["-m", "desktop", "--self-test", "--db", str(built_db)], env=env)
    finally:
        give_back(*paths)
    assert report["window"], report
    text = "\n".join(report["notices"])
    assert str(config) in text and str(data) in text
    assert "damaged" not in text  # an unreadable file is not a damaged one: nothing was reset or moved
    assert "cannot be read" in text
    assert report["unsaved"] and "not being saved" in report["unsaved"]
    assert sorted(p.name for p in config.iterdir()) == ["settings.ini"]
    assert self_test.returncode == 1, self_test.stdout + self_test.stderr
    assert str(config) in self_test.stderr and str(data) in self_test.stderr
    assert "Traceback" not in self_test.stderr


def test_a_read_only_settings_folder_says_the_disclaimer_will_be_asked_again(built_db: Path, tmp_path: Path) -> None:
    env, config, _data = _profile(tmp_path)
    config.mkdir(parents=True)
    take_away(config, 0o555)
    try:
        report = run_python(_START, str(built_db), env=env)
    finally:
        give_back(config)
    assert report["asked"] and report["window"], report
    text = "\n".join(report["notices"])
    assert str(config) in text and "asked for" in text
    assert list(config.iterdir()) == []
