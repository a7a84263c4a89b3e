"""Search-as-you-type and article-opening latency, measured in-process on the real widgets.

Run as a fresh process by ``bench/run.py`` (offscreen)::

    python -m bench.interactive --db PATH --words keppra,clonazepam --article SLUG

and prints one JSON object (``--only search`` or ``--only open`` for one part; ``--rounds N``
types the words N times). What is timed:

- **search, per keystroke**: the real :class:`desktop.sidebar.Sidebar` (search box, SearchRunner
  on its worker thread, results model and view), shown. Each word is typed one key at a time
  with ``QTest.keyClick``; the clock runs from the key press until the ``searchResults`` view
  has repainted with that text's results. The 120 ms debounce is set to 0 for the measurement
  (it is a deliberate pause, not work); everything else is the path a person's keystroke takes.
  Also the GUI thread's CPU time for each keystroke (less dependent on the machine's load).
  Between a key and its repaint the GUI thread waits as the app's event loop does, blocked until
  an event comes (``processEvents(flags, ms)``, which this used, does not wait: it spun, and
  held the interpreter lock the search's worker thread needed).
- **Library.search alone**: the same texts straight through the query API, to tell the database
  from the widgets.
- **open the largest article**: :class:`desktop.reader.Reader` shown at reading size; from
  ``Reader.open(url)`` until the page, read and rendered on the reader's worker thread, has
  arrived and the document is completely laid out (``QTextDocument.size()`` forces the rest of
  Qt's incremental layout), and until the view has painted it; also the GUI thread's own CPU
  time over the same span. Each open follows the opening of another article, as when a person
  moves between them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 60 values is the 57th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(values) * 1000,
        "p95_ms": percentile(values, 0.95) * 1000,
        "max_ms": max(values) * 1000,
        "n": len(values),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.interactive")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--words", required=True, help="comma-separated words to type")
    parser.add_argument("--article", required=True, help="slug of the article to open")
    parser.add_argument("--other", default="", help="slug of an article to open in between")
    parser.add_argument("--opens", type=int, default=7)
    parser.add_argument("--no-guard", action="store_true")
    parser.add_argument("--only", choices=("search", "open"), help="measure this part only")
    parser.add_argument("--rounds", type=int, default=1, help="type the words this many times (default 1)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench.startup_probe import guard_none, none_guard_needed
    from desktop.app import qt_environment

    guarded = not args.no_guard and none_guard_needed()
    if guarded:
        guard_none()
    qt_environment()  # as desktop.app.main, before the QApplication
    app = QApplication([sys.argv[0]])

    from db.library import Library
    from db.model import PageAddress, PageScheme
    from desktop.pages import Pages
    from desktop.queries import Queries
    from desktop.reader import Reader
    from desktop.resources import load_disclaimer
    from desktop.search_model import warm_up
    from desktop.sidebar import Sidebar

    class PaintClock(QObject):
        """The time each paint of a widget ended (the paint pass it belongs to is over)."""

        def __init__(self) -> None:
            super().__init__()
            self.painted: float | None = None
            #: Paints that began before this time are not counted (the old page's, or a caret blink, while a
            #: page opened off the GUI thread was on its way).
            self.since = 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                began = time.perf_counter()
                QTimer.singleShot(0, lambda: self._stamp(began))
            return False

        def _stamp(self, began: float) -> None:
            if began >= self.since:
                self.painted = time.perf_counter()

    heartbeat = QTimer()  # wakes the wait below at least this often, to check the deadline
    heartbeat.start(50)

    def wait_until(condition: Any, timeout: float = 10.0) -> None:
        """Process events, blocked between them as in the app's event loop, until ``condition()``."""
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the widgets did not update within 10 s")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    library = Library(args.db)

    def search(words: list[str], rounds: int) -> dict[str, Any]:
        """Each word typed a key at a time into the real sidebar, ``rounds`` times."""
        result: dict[str, Any] = {}
        queries = Queries(library)
        sidebar = Sidebar(library, queries)
        sidebar.resize(320, 800)
        sidebar.show()
        QTest.qWaitForWindowExposed(sidebar)
        # As the main window does right after its first paint; then a pause, as before a person's first key.
        queries.warm_up()
        warm_up(sidebar.font())
        pause = time.perf_counter() + 0.2
        wait_until(lambda: time.perf_counter() > pause)
        sidebar.runner._timer.setInterval(0)  # the debounce is a deliberate pause, not work: left out
        clock = PaintClock()
        sidebar.results_view.viewport().installEventFilter(clock)
        reset_at: list[float] = []
        sidebar.results.modelReset.connect(lambda: reset_at.append(time.perf_counter()))
        box = sidebar.search_box
        box.setFocus()
        to_results: list[float] = []
        to_paint: list[float] = []
        gui_cpu: list[float] = []
        typed: list[str] = []
        for _round in range(rounds):
            for word in words:
                box.clear()
                wait_until(lambda: sidebar.stack.currentIndex() == 0 or not sidebar._searching())
                app.processEvents()
                for index, char in enumerate(word):
                    text = word[: index + 1]
                    clock.painted = None
                    reset_at.clear()
                    cpu = time.thread_time()
                    started = time.perf_counter()
                    QTest.keyClicks(box, char)
                    wait_until(
                        lambda t=text: (
                            sidebar._last is not None
                            and sidebar._last.query == t
                            and clock.painted is not None
                            and clock.painted > reset_at[-1]
                        )
                    )
                    gui_cpu.append(time.thread_time() - cpu)
                    to_results.append(reset_at[-1] - started)
                    assert clock.painted is not None
                    to_paint.append(clock.painted - started)
                    typed.append(text)
        result["search_keystroke"] = summary(to_paint)
        result["search_keystroke_to_model"] = summary(to_results)
        result["search_keystroke_gui_cpu"] = summary(gui_cpu)
        result["first_keystroke_ms"] = round(to_paint[0] * 1000, 2)  # the session's first key
        result["keystrokes"] = len(typed)
        result["words"] = words
        slowest = sorted(zip(to_paint, typed, strict=True), reverse=True)[:5]
        result["slowest_keystrokes"] = [[text, round(seconds * 1000, 2)] for seconds, text in slowest]
        library_times = []
        for text in typed:
            started = time.perf_counter()
            library.search(text)
            library_times.append(time.perf_counter() - started)
        result["library_search"] = summary(library_times)
        sidebar.runner.shutdown()
        sidebar.close()
        return result

    def open_article(article: str, other_article: str, opens: int) -> dict[str, Any]:
        """The largest article opened ``opens`` times, each after another article."""
        result: dict[str, Any] = {}
        reader = Reader(Pages(library, load_disclaimer().notice), Queries(library))
        reader.resize(940, 760)
        reader.show()
        QTest.qWaitForWindowExposed(reader)
        view_clock = PaintClock()
        reader.view.viewport().installEventFilter(view_clock)
        laid_out_at: dict[str, float] = {}
        arrival = QEventLoop()  # blocks until the page arrives (wait_until polls, and would spend the GUI thread's CPU)
        give_up = QTimer(singleShot=True, interval=10000)
        give_up.timeout.connect(arrival.quit)

        def lay_out(url: str) -> None:
            """The page arrived and was set in the view: finish its layout now and note the time."""
            reader.view.document().size()  # forces the layout Qt would otherwise finish in idle time
            laid_out_at[url] = time.perf_counter()
            arrival.quit()

        def open_and_lay_out(url: str) -> float:
            """Open ``url``; the time it was laid out."""
            laid_out_at.clear()
            reader.open(url)  # read and rendered on a worker thread, laid out when it arrives
            if url not in laid_out_at:
                give_up.start()
                arrival.exec()
                give_up.stop()
            if url not in laid_out_at:
                raise TimeoutError(f"{url} was not shown within 10 s")
            return laid_out_at[url]

        reader.page_shown.connect(lay_out)
        target = str(PageAddress(PageScheme.ARTICLE, article))
        other = str(PageAddress(PageScheme.ARTICLE, other_article or "myoclonus-treatment-options"))
        laid_out: list[float] = []
        main_thread: list[float] = []
        painted: list[float] = []
        for attempt in range(opens + 1):
            open_and_lay_out(other)
            wait_until(lambda: view_clock.painted is not None)
            app.processEvents()
            view_clock.painted = None
            started, cpu_started = time.perf_counter(), time.thread_time()
            done = open_and_lay_out(target)
            cpu = time.thread_time() - cpu_started  # the GUI thread's own work (waiting for the worker costs none)
            view_clock.painted, view_clock.since = None, done  # the paint of the page laid out, not one while it came
            if reader.page is None or not reader.page.found:
                raise SystemExit(f"no article {article} in {args.db}")
            wait_until(lambda: view_clock.painted is not None)
            assert view_clock.painted is not None
            if attempt == 0:
                result["open_first_ms"] = (done - started) * 1000  # cold: first layout of this text
                continue
            laid_out.append(done - started)
            main_thread.append(cpu)
            painted.append(view_clock.painted - started)
        result["open_laid_out"] = summary(laid_out)
        result["open_main_thread_cpu"] = summary(main_thread)
        result["open_painted"] = summary(painted)
        document = reader.view.document()
        result["open_article"] = {"slug": article, "characters": document.characterCount()}
        reader.close()
        return result

    result: dict[str, Any] = {"none_guard": guarded}
    if args.only != "open":
        result.update(search([w for w in args.words.split(",") if w], args.rounds))
    if args.only != "search":
        result.update(open_article(args.article, args.other, args.opens))
    library.close()
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
