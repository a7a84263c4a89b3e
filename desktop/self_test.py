"""``clinref --self-test``: prove an install works, with no display and no user profile touched.

Opens the content, renders every article, drug and class page into a document offscreen,
checks every in-page citation link lands on a reference, runs sample searches, prints a short
report, and returns 0, or 1 with the reason. IT runs it after installing.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from db.errors import LibraryError
from db.library.locate import OpenedContent, open_content
from db.model import PageAddress, PageScheme
from desktop import __version__
from desktop.resources import Disclaimer, load_disclaimer

_ANCHOR_HREF = re.compile(r'href="#(ref-\d+)"')
_ANCHOR_NAME = re.compile(r'name="(ref-\d+)"')
SEARCHES = (
    ("keppra", PageAddress(PageScheme.TREATMENT, "levetiracetam")),
    ("Depakote", PageAddress(PageScheme.TREATMENT, "valproic-acid")),
    ("klonopin", PageAddress(PageScheme.TREATMENT, "clonazepam")),
    ("clonazepam", PageAddress(PageScheme.TREATMENT, "clonazepam")),
    ("cortical", PageAddress(PageScheme.CLASS, "cortical")),
    ("post-hypoxic", None),
)


def run_self_test(db: Path | None) -> int:
    """Run the checks; print the report to stdout (stderr for failures). Returns the exit status."""
    from PySide6.QtGui import QGuiApplication

    started = time.perf_counter()
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    app.setApplicationName("ClinRef")  # the app's own names, so the profile checked is the one it uses
    app.setOrganizationName("")
    try:
        opened = open_content(db)
        disclaimer = load_disclaimer()
    except (LibraryError, ValueError) as exc:
        print(f"ClinRef self-test FAILED: {exc}", file=sys.stderr)
        return 1
    try:
        return _check(opened, disclaimer, started)
    except LibraryError as exc:  # a row that cannot be read: where the app falls back to the bundled content
        # Name the file IT named: a named file is read through a verified private copy, which is exc.path.
        where = opened.origin if exc.path == str(opened.library.path) and opened.origin else exc.path
        print(f"ClinRef self-test FAILED: {where}: {exc.reason}. {exc.advice}", file=sys.stderr)
        return 1
    finally:
        opened.library.close()
        del app


def _check(opened: OpenedContent, disclaimer: Disclaimer, started: float) -> int:
    from db.library.opening import hardening_report
    from desktop.content_commands import describe
    from desktop.pages import Pages
    from desktop.profile import profile_problems
    from desktop.safe_document import ContentDocument
    from desktop.settings import config_dir, data_dir

    failures: list[str] = []
    library = opened.library
    print(f"ClinRef {__version__} self-test\n{describe(opened)}\nsqlite  {hardening_report()}")
    if opened.warning:
        failures.append(opened.warning.replace("\n", " "))
    # The same check start-up makes: a profile the app cannot keep settings or bookmarks in fails here too.
    failures += profile_problems(config_dir() / "settings.ini", data_dir() / "userdata.db")
    pages = Pages(library, disclaimer.notice)
    tree = library.topics()
    urls = [PageAddress(PageScheme.ARTICLE, a.slug) for group in tree.topics for a in group.articles]
    urls += [PageAddress(PageScheme.TREATMENT, d.slug) for d in (*tree.drugs, *tree.therapies)]
    urls += [PageAddress(PageScheme.CLASS, c.slug) for c in tree.classes]
    rendered = 0
    for url in urls:
        page = pages.page_for(url)
        if page is None:
            failures.append(f"{url}: listed in the topics but has no page")
            continue
        document = ContentDocument()
        document.setHtml(page.html)
        document.setTextWidth(800)
        if document.pageCount() < 1 or len(document.toPlainText()) < 40:
            failures.append(f"{url}: renders empty")
        if disclaimer.notice not in document.toPlainText():
            failures.append(f"{url}: the verify-against-primary-sources notice is missing")
        missing = set(_ANCHOR_HREF.findall(page.html)) - set(_ANCHOR_NAME.findall(page.html))
        if missing:
            failures.append(f"{url}: citation links with no reference: {', '.join(sorted(missing))}")
        rendered += 1
    print(f"pages     {rendered} of {len(urls)} rendered")
    for query, expected in SEARCHES:
        results = library.search(query)
        top = results.hits[0].address if results.hits else None
        if not results.hits or (expected and top != expected):
            failures.append(f"search {query!r}: expected {expected or 'some hit'} first, got {top}")
    suggestion = library.suggest("levitiracetam")
    if suggestion != "levetiracetam":
        failures.append(f"spelling suggestion for 'levitiracetam' was {suggestion!r}")
    print(f"searches  {len(SEARCHES) + 1} run")
    elapsed = time.perf_counter() - started
    if failures:
        for failure in failures:
            print(f"FAIL {failure}", file=sys.stderr)
        print(f"self-test FAILED ({len(failures)} problem(s), {elapsed:.2f} s)", file=sys.stderr)
        return 1
    print(f"self-test passed ({elapsed:.2f} s)")
    return 0
