"""New content reaching a running ClinRef, driven as IT and a clinician would: never two versions on one page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from db.compiler.build import build
from db.content_signature import signature_path
from desktop.startup import Startup
from tests.conftest import release_sources
from tests.desktop_helpers import article_text, open_page, running, window
from tests.ui import child

PAGES = ("drug:clonazepam", "class:cortical", "article:myoclonus-treatment-options", "drug:clonazepam")


def _publish(release: Path, share: Path, name: str) -> Path:
    """IT copies a release onto the share as ``cp`` does: in place over any file of that name."""
    share.mkdir(parents=True, exist_ok=True)
    target = share / name
    shutil.copyfile(release, target)
    shutil.copyfile(signature_path(release), signature_path(target))
    return target


def _doses_seen(qtbot: QtBot, app: Startup) -> set[str]:
    seen: set[str] = set()
    for url in PAGES:
        open_page(qtbot, app, url)
        text = article_text(app)
        seen |= {dose for dose in ("1.5-15 mg/day", "1.5-16 mg/day") if dose in text}
    return seen


def _reload_button(app: Startup) -> QPushButton:
    return child(window(app), QPushButton, "contentReload")


def test_cp_new_over_the_live_file_never_mixes_versions_and_is_offered_whole(
    qtbot: QtBot, profile: Path, releases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _publish(releases["old"], tmp_path / "share", "live.db")
    monkeypatch.setenv("CLINREF_DB", str(live))
    with running(qtbot, None) as app:
        first = window(app)
        assert "Content 2025.01.01-1" in first.content_label.text()
        assert app.library.path != live and app.library.path.parent == Path(
            __import__("os").environ["CLINREF_CONTENT_CACHE"]
        )
        assert _doses_seen(qtbot, app) == {"1.5-15 mg/day"}
        _publish(releases["new"], tmp_path / "share", "live.db")  # cp new.db live.db, with the app open
        assert _doses_seen(qtbot, app) == {"1.5-15 mg/day"}  # still wholly the old release, under its own label
        assert "Content 2025.01.01-1" in first.content_label.text()
        app.updates.poll_now()
        qtbot.waitUntil(lambda: _reload_button(app).isVisible(), timeout=10000)
        assert _reload_button(app).text() == "New content 2099.01.01-1 is ready — reload"
        qtbot.mouseClick(_reload_button(app), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: app.window is not first)
        qtbot.addWidget(window(app))
        assert "Content 2099.01.01-1" in window(app).content_label.text()
        reader = window(app).reader
        qtbot.waitUntil(lambda: reader.page is not None, timeout=30000)  # read off the GUI thread
        assert reader.page is not None
        assert reader.page.url == "drug:clonazepam"  # the page that was open, not the home page asked for first
        assert _doses_seen(qtbot, app) == {"1.5-16 mg/day"}


def test_a_changed_open_file_is_reopened_whole_with_a_notice(
    qtbot: QtBot, profile: Path, releases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _publish(releases["old"], tmp_path / "share", "live.db")
    monkeypatch.setenv("CLINREF_DB", str(live))
    with running(qtbot, None) as app:
        first = window(app)
        installed = app.library.path
        open_page(qtbot, app, "drug:clonazepam")
        # Something writes into the cache behind ClinRef's back: the file it has open changes.
        installed.chmod(0o644)
        shutil.copyfile(releases["new"], installed)
        window(app).open_url("class:cortical")
        qtbot.waitUntil(lambda: app.window is not first, timeout=10000)
        qtbot.addWidget(window(app))
        message = window(app).statusBar().currentMessage()
        assert "The content file changed; ClinRef reopened content 2025.01.01-1" in message
        assert _doses_seen(qtbot, app) == {"1.5-15 mg/day"}  # re-installed from the share, verified again


def test_a_release_dropped_on_the_content_source_arrives_without_a_restart(
    qtbot: QtBot, profile: Path, releases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "releases"
    share.mkdir()
    monkeypatch.setenv("CLINREF_CONTENT_SOURCE", str(share))
    with running(qtbot, None) as app:
        first = window(app)
        qtbot.waitUntil(lambda: "last checked" in _status(app).text(), timeout=10000)
        assert not _reload_button(app).isVisible()
        # Half-copied: skipped, with a status entry, and never offered.
        whole = releases["new"].read_bytes()
        shutil.copyfile(signature_path(releases["new"]), share / "clinref-2099.db.minisig")
        (share / "clinref-2099.db").write_bytes(whole[:4096])
        with qtbot.waitSignal(app.updates.polled, timeout=10000):
            app.updates.poll_now()
        assert any("clinref-2099.db" in e and "hash check" in e for e in app.updates.status_entries)
        assert "hash check" in _status(app).toolTip()
        assert not _reload_button(app).isVisible()
        (share / "clinref-2099.db").write_bytes(whole)  # the copy completes
        app.updates.poll_now()
        qtbot.waitUntil(lambda: _reload_button(app).isVisible(), timeout=10000)
        _reload_button(app).click()
        qtbot.waitUntil(lambda: app.window is not first)
        qtbot.addWidget(window(app))
        assert "Content 2099.01.01-1" in window(app).content_label.text()
        assert _doses_seen(qtbot, app) == {"1.5-16 mg/day"}


def _status(app: Startup) -> QLabel:
    return child(window(app), QLabel, "contentUpdates")


def test_content_past_its_review_date_shows_an_amber_notice_and_still_opens(
    qtbot: QtBot, profile: Path, tmp_path: Path
) -> None:
    db = tmp_path / "reviewed.db"
    build(release_sources(tmp_path, "2025.06.01-1", review_by="2020-01-31"), db)
    with running(qtbot, db) as app:
        label = window(app).findChild(QLabel, "contentReview")
        assert label is not None and label.isVisible()
        assert "due for review since 2020-01-31" in label.text()
        assert "#f5b700" in label.styleSheet()
        assert "1.5-15 mg/day" in (_doses_seen(qtbot, app) or {""}).pop()


def test_content_within_its_review_date_shows_no_notice(qtbot: QtBot, profile: Path, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        label = window(app).findChild(QLabel, "contentReview")
        assert label is not None and not label.isVisible()


def test_a_copy_changed_behind_its_record_is_caught_by_the_background_check_and_replaced(
    qtbot: QtBot, profile: Path, releases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from db.library.trust import load_trusted_keys, verify

    live = _publish(releases["old"], tmp_path / "share", "live.db")
    monkeypatch.setenv("CLINREF_DB", str(live))
    with running(qtbot, None) as app:
        installed = app.library.path
    # Changed in place with its size, mtime and inode kept: only a full re-hash can tell.
    before = installed.stat()
    installed.chmod(0o644)
    with installed.open("r+b") as handle:
        handle.seek(before.st_size // 2)
        byte = handle.read(1)
        handle.seek(before.st_size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(installed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (installed.stat().st_size, installed.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with running(qtbot, None) as app:
        first = window(app)
        assert app.opened.pending_check is not None  # opened on its record: start-up did not re-hash it
        qtbot.waitUntil(lambda: app.window is not first, timeout=20000)
        qtbot.addWidget(window(app))
        message = window(app).statusBar().currentMessage()
        assert "failed its full check" in message and "hash check" in message
        assert "ClinRef reopened content 2025.01.01-1" in message
        verify(app.library.path, load_trusted_keys(None)[0])  # what is shown now is genuine again
