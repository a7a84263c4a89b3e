"""Nothing a content file says can make ClinRef open another file or a socket.

Qt reads files from C++, so Python's audit hooks (``sys.addaudithook`` on ``open``) never see them: these tests
watch the real system calls instead, running the app under ``strace`` on content whose home page names local
files every way Qt's rich text can fetch one (``<img src>``, ``file://``, ``background=``, ``url(``,
``<link rel=stylesheet>``), ``/dev/zero`` (which used to grow the app to 4 GB) and a FIFO (which used to hang it).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QColor, QImage, QTextDocument
from pytestqt.qtbot import QtBot

from desktop.article_view import ArticleView
from desktop.safe_document import IMAGE_PLACEHOLDER, ContentDocument, neutralise
from tests.conftest import resign

REPO_ROOT = Path(__file__).resolve().parent.parent
HOME_ARTICLE = "myoclonus-treatment-options"

#: A memory ceiling for the app under test: reading /dev/zero then ends in an error at once, not after 4 GB.
ADDRESS_SPACE_LIMIT = 3 * 1024**3


def _hostile_markup(outside: Path) -> str:
    png, fifo, css = outside / "secret.png", outside / "fifo", outside / "style.css"
    return (
        "<p>hostile page</p>"
        '<img src="file:///etc/passwd"><img src="/etc/hostname">'
        f'<img src="{png}"><img src="file://{png}"><img src="file:///dev/zero"><img src="{fifo}">'
        f'<div style="background-image:url({png})">styled</div>'
        f'<table background="{png}"><tr><td background="file://{png}">cell</td></tr></table>'
        f'<link rel="stylesheet" href="{css}"><style>@import url({css}); p {{ background: url({png}) }}</style>'
    )


@pytest.fixture
def hostile(tmp_path: Path, built_db: Path) -> tuple[Path, list[str]]:
    """A copy of the content whose home page names files outside it; and those files' paths."""
    outside = tmp_path / "outside"
    outside.mkdir()
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(outside / "secret.png"))
    (outside / "style.css").write_text("p { color: red }", encoding="utf-8")
    os.mkfifo(outside / "fifo")
    db = tmp_path / "content" / "clinref.db"
    db.parent.mkdir()
    shutil.copy(built_db, db)
    conn = sqlite3.connect(db)
    try:
        changed = conn.execute(
            "UPDATE articles SET html = ? || html WHERE slug = ?", (_hostile_markup(outside), HOME_ARTICLE)
        ).rowcount
        conn.commit()
    finally:
        conn.close()
    assert changed == 1
    resign(db)  # a publisher's own key can sign hostile HTML: the reader must be safe on its own
    return db, [str(outside), "/etc/passwd", "/etc/hostname", "/dev/zero"]


def _traced(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``python ARGS`` under strace (file and network calls, every thread); its result and strace's log."""
    if shutil.which("strace") is None:
        pytest.fail("strace is not installed: .ci/run installs it; 'apt-get install strace' here")
    log = tmp_path / "strace.log"
    profile = tmp_path / "profile"
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(profile),
        "XDG_CONFIG_HOME": str(profile / "config"),
        "XDG_DATA_HOME": str(profile / "data"),
        "XDG_CACHE_HOME": str(profile / "cache"),
        "XDG_RUNTIME_DIR": str(profile / "runtime"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO_ROOT),
        **(env or {}),
    }

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))

    result = subprocess.run(
        ["strace", "-f", "-qq", "-o", str(log), "-e", "trace=%file,%network", sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=180,  # a FIFO opened for reading would block forever: this ends the test instead
        cwd=REPO_ROOT,
        env=child_env,
        preexec_fn=limit_memory,
    )
    return result, log.read_text(encoding="utf-8", errors="replace")


def _touched(log: str, paths: list[str]) -> list[str]:
    return [line for line in log.splitlines() if any(path in line for path in paths)]


def _inet_connections(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.search(r"\b(connect|sendto|sendmsg)\(.*AF_INET", line)]


@pytest.mark.slow
def test_the_app_opens_no_file_a_page_names(hostile: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, targets = hostile
    out = tmp_path / "out"
    out.mkdir()
    watch = {"HOSTILE_WATCH": os.pathsep.join(targets)}  # not on the command line, which strace logs
    result, log = _traced(tmp_path, "-m", "tests.hostile_render", str(db), str(out), env=watch)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["placeholder"], "the images should show as a placeholder"
    assert report["exported"] and (out / "page.pdf").stat().st_size > 0
    assert report["maxrss_kib"] < 1024 * 1024, report
    assert report["python_opens"] == []
    assert _touched(log, targets) == []
    assert _inet_connections(log) == []


@pytest.mark.slow
def test_the_self_test_opens_no_file_a_page_names(hostile: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, targets = hostile
    result, log = _traced(tmp_path, "-m", "desktop", "--self-test", "--db", str(db))

    assert result.returncode == 0, result.stdout + result.stderr
    assert _touched(log, targets) == []


@pytest.mark.slow
def test_exporting_a_pdf_loads_no_print_system_and_opens_no_socket(tmp_path: Path) -> None:
    # CUPS_SERVER would make Qt's print support send its query there (and resolve the name) as it loads.
    code = (
        "import pytest_socket; pytest_socket.disable_socket(allow_unix_socket=True)\n"
        "import sys; from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication; app = QApplication([])\n"
        "from desktop.printing import PrintFooter, export_pdf\n"
        "from desktop.safe_document import ContentDocument\n"
        "doc = ContentDocument(); doc.setHtml('<h1>Clonazepam</h1><p>1.5-15 mg/day</p>')\n"
        "pages = export_pdf(doc, Path(sys.argv[1]), PrintFooter('1', '', '2026-12-01', 'notice', 'Clonazepam'))\n"
        "maps = Path('/proc/self/maps').read_text()\n"
        "print(pages, 'PySide6.QtPrintSupport' in sys.modules, 'Qt6PrintSupport' in maps, 'libcups' in maps)\n"
    )
    out = tmp_path / "clonazepam.pdf"
    result, log = _traced(tmp_path, "-c", code, str(out), env={"CUPS_SERVER": "cups.invalid:631"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False", "False", "False"]
    assert out.read_bytes().startswith(b"%PDF")
    assert _inet_connections(log) == []
    assert "cups.invalid" not in log


# -- the two layers, each on its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        "<IMG/SRC=/etc/hostname>",
        '<table background="/etc/hostname"><tr><td>x</td></tr></table>',
        "<td BACKGROUND=/etc/hostname>x</td>",
        '<p style="background-image:url(/etc/hostname)">x</p>',
        '<p style="background-image:u\\72l(/etc/hostname)">x</p>',
        '<p style="background-image:&#117;rl(/etc/hostname)">x</p>',
        '<link rel="stylesheet" href="/etc/hostname">',
        "<style>@import url(/etc/hostname);</style>",
        '<table title="a>" background="/etc/hostname"><tr><td>x</td></tr></table>',
        '<table title="unclosed background="/etc/hostname"><tr><td>x</td></tr></table>',
    ],
)
def test_neutralise_leaves_nothing_that_fetches(markup: str) -> None:
    safe = neutralise(markup)
    assert not ("<style" in safe.lower() and re.search(r"url|@import", safe, re.IGNORECASE))
    for tag in re.findall(r"<[^>]*>", safe):
        assert not re.search(r"\b(src|background)\s*=|url\s*\(|\\|<link", tag, re.IGNORECASE), tag


def test_neutralise_keeps_what_a_page_needs() -> None:
    page = '<h1 id="x">Title</h1><p class="meta">a &amp; b <a href="drug:clonazepam#ref-2">c</a><br/></p>'
    assert neutralise(page) == page
    assert neutralise('<img src="x.png" alt="EEG &amp; EMG">') == (
        '<span class="placeholder">[image not shown: EEG &amp; EMG]</span>'
    )


@pytest.mark.usefixtures("qapp")
def test_every_page_reads_the_same_after_neutralising(library: object) -> None:
    from db.library import Library
    from db.model import PageAddress
    from desktop.pages import Pages, recommendation_detail

    assert isinstance(library, Library)
    pages = Pages(library, "Verify against primary sources.")
    tree = library.topics()
    urls = [f"article:{a.slug}" for group in tree.topics for a in group.articles]
    urls += [f"drug:{d.slug}" for d in (*tree.drugs, *tree.therapies)] + [f"class:{c.slug}" for c in tree.classes]
    htmls = []
    for url in urls:
        address = PageAddress.parse(url)
        page = pages.page_for(address) if address is not None else None
        assert page is not None, url
        htmls.append((url, page.html))
    # The treatments table's detail pane, too.
    htmls += [
        (f"{row.treatment_slug} for {cls.slug}", recommendation_detail(row))
        for cls in tree.classes
        for row in library.class_view([cls.slug]).rows
    ]
    for where, html in htmls:
        plain, safe = QTextDocument(), ContentDocument()
        plain.setHtml(html)
        safe.setHtml(html)
        assert safe.toPlainText() == plain.toPlainText(), where
        assert safe.toHtml() == plain.toHtml(), where


@pytest.mark.parametrize("kind", list(QTextDocument.ResourceType))
def test_the_document_answers_every_resource_with_a_non_null_empty_value(kind: QTextDocument.ResourceType) -> None:
    document = ContentDocument()
    answer = document.loadResource(kind.value, QUrl("file:///etc/hostname"))
    # None (a null QVariant) is what makes Qt go and read the file itself.
    assert answer is not None
    if isinstance(answer, str | bytes):
        assert not answer
    else:
        assert isinstance(answer, QImage | QByteArray) and answer.isNull(), answer


def test_the_article_view_shows_a_placeholder_for_an_image(qtbot: QtBot) -> None:
    view = ArticleView()
    qtbot.addWidget(view)
    view.show_html('<p>before</p><img src="/etc/hostname" alt="scan"><p>after</p>')
    assert "[image not shown: scan]" in view.toPlainText()
    assert IMAGE_PLACEHOLDER.startswith("[image not shown")
    assert isinstance(view.document(), ContentDocument)


# -- any markup at all -------------------------------------------------------------------------------------------

_PIECES = [
    "<img", "<IMG", "<table", "<td", "<p", "<link", "<style>", "</style>", "<a", ">", "/>", " ", "/", "=",
    '"', "'", "src", "SRC", "background", "style", "href", "url(", "u\\72l(", "&#117;rl(", "@import",
    "/etc/hostname", "file:///etc/hostname", "x", "title", "alt", "<", "&", "&quot;", "\n",
]  # fmt: skip


class _Fetching(HTMLParser):
    """Another reader's view of the markup: every attribute through which it would fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "background", "srcset") or (name == "style" and re.search(r"url|\\", value or "")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("link", "img") and attrs:
            self.found.append(f"<{tag}> with {attrs}")


@pytest.mark.usefixtures("qapp")
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_no_markup_survives_neutralising_with_something_to_fetch(markup: str) -> None:
    safe = neutralise(markup)
    parser = _Fetching()
    parser.feed(safe)
    parser.close()
    assert parser.found == [], safe
    document = ContentDocument()
    document.setHtml(markup)
    block = document.begin()
    while block.isValid():  # what Qt's own parser made of it: no image that names anything
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.isValid() and fragment.charFormat().isImageFormat():
                assert not fragment.charFormat().toImageFormat().name(), safe
            iterator += 1
        block = block.next()
