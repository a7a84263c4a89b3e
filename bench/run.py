"""One command, one table: ClinRef's speed and memory on the bundled content and on a 10,000-article corpus.

    python -m bench                 # or: python bench/run.py
    python -m bench --runs 11       # more start-up runs per figure
    python -m bench --articles 2000 --drugs 200 --recommendations 4000   # a smaller corpus

For each corpus: the database build (``python -m db build``, timed as a command) and its size;
whole-process start-up to the first painted main window, ClinRef against a bare PySide6
QMainWindow with a QTextBrowser, alternating, several runs each, median (``startup_probe.py``);
resident memory at that moment, both; search latency per keystroke and the time to open the
largest article, in a separate process on the real widgets (``interactive.py``).

The synthetic corpus is generated into ``--cache-dir`` (default ``build/bench``) and reused when
it was made from the same arguments; the database is rebuilt, and timed, on every run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import HOME_SLUG, CorpusSpec, add_spec_arguments, cached, generate

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "resources" / "content"

GOAL_STARTUP_RATIO = 1.3
GOAL_SEARCH_P95_MS = 10.0
GOAL_OPEN_MS = 15.0
GOAL_MEMORY_MB = 30.0


@dataclass
class Corpus:
    """One column of the table: where its sources are, what to type, what to open."""

    label: str
    sources: Path
    words: list[str]
    largest: str
    other: str
    figures: dict[str, Any] = field(default_factory=dict)


def _environment(profile: Path, display: str | None = None) -> dict[str, str]:
    """A throwaway profile whose disclaimer is already accepted; nothing machine-wide leaks in.

    With ``display`` the process runs on that X server (Qt's xcb platform), else offscreen.
    """
    env = dict(os.environ)
    env.pop("CLINREF_DB", None)
    # An installed app has its bytecode compiled; without this the warm-up run could not write it
    # and every start-up would compile ClinRef's changed modules again (0.1-0.2 G instructions).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["CLINREF_MACHINE_CONFIG"] = str(profile / "no-machine-config.toml")
    # A returning user: the content cache persists across runs (the warm-up run installs --db's file and records
    # the bundled file's verification; the measured runs find both by a stat), never the machine's folder.
    shared = ROOT / "build" / "bench" / "content-cache"
    (shared / "user").mkdir(parents=True, exist_ok=True)
    env["CLINREF_CONTENT_CACHE"] = str(shared / "machine")
    (profile / "data" / "ClinRef").mkdir(parents=True, exist_ok=True)
    (profile / "data" / "ClinRef" / "content").symlink_to(shared / "user", target_is_directory=True)
    if display is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
        env.pop("DISPLAY", None)
    else:
        env["QT_QPA_PLATFORM"] = "xcb"
        env["DISPLAY"] = display
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for kind in ("CONFIG", "DATA", "CACHE"):
        env[f"XDG_{kind}_HOME"] = str(profile / kind.lower())
    version = tomllib.loads((ROOT / "resources" / "disclaimer.toml").read_text(encoding="utf-8"))["version"]
    settings = profile / "config" / "ClinRef" / "settings.ini"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[disclaimer]\nversion={version}\naccepted_at=2025-01-01T00:00:00+00:00\n", encoding="utf-8")
    return env


def _largest_articles(sources: Path) -> list[str]:
    files = sorted((sources / "articles").glob("*.md"), key=lambda p: (-p.stat().st_size, p.name))
    return [p.stem for p in files]


def bundled_corpus() -> Corpus:
    largest = _largest_articles(BUNDLED)
    return Corpus(
        "bundled",
        BUNDLED,
        ["keppra", "levetiracetam", "clonazepam", "levitiracetam", "cortical myoclonus"],
        largest[0],
        largest[1] if len(largest) > 1 else largest[0],
    )


def synthetic_corpus(cache: Path, spec: CorpusSpec) -> Corpus:
    root = cache / f"corpus-{spec.articles}-{spec.drugs}-{spec.classes}-{spec.recommendations}-seed{spec.seed}"
    made = cached(root, spec)
    if made is None:
        print(f"generating the synthetic corpus in {root} ...", file=sys.stderr, flush=True)
        made = generate(root, spec)
        print(f"  {made.seconds:.1f} s", file=sys.stderr, flush=True)
    drug = made.drug
    misspelt = drug[:3] + drug[4] + drug[3] + drug[5:] if len(drug) > 6 else drug + "x"
    other = HOME_SLUG if made.largest_article != HOME_SLUG else _largest_articles(root)[1]
    return Corpus(
        f"{spec.articles:,} articles",
        root,
        [made.brand, made.brand_drug, drug, "myoclonus", "seizure", misspelt, "cortical myoclonus"],
        made.largest_article,
        other,
    )


def build(corpus: Corpus, out: Path) -> None:
    print(f"[{corpus.label}] building the database ...", file=sys.stderr, flush=True)
    out.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "db", "--sources", str(corpus.sources), "build", "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    corpus.figures["build_s"] = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the build and its workers: less dependent on the machine's load than the wall clock
    corpus.figures["build_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    corpus.figures["size_bytes"] = out.stat().st_size
    from db.library.content_cache import ContentCache
    from db.library.trust import load_trusted_keys

    with tempfile.TemporaryDirectory(prefix="clinref-bench-install-") as folder:
        started = time.perf_counter()
        ContentCache([Path(folder)]).install(out, load_trusted_keys(None)[0])  # copy, then signature, hash, schema
        corpus.figures["install_s"] = time.perf_counter() - started


def frozen_executable(bundle: Path) -> Path:
    """The app in a frozen bundle folder (``dist/clinref`` from ``packaging/build.py``)."""
    for name in ("clinref", "clinref.exe"):
        if (bundle / name).is_file():
            return bundle / name
    raise SystemExit(f"{bundle}: no clinref executable in it; build the bundle with python packaging/build.py")


def _probe(
    mode: str, db: Path, *, guard: bool = True, display: str | None = None, frozen: Path | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="clinref-bench-profile-") as profile:
        env = _environment(Path(profile), display)
        if mode == "frozen":
            # The bundle cannot be started through the probe: it reports its own first paint, the same way.
            assert frozen is not None
            command = [str(frozen_executable(frozen)), "--db", str(db)]
            env["CLINREF_REPORT_FIRST_PAINT"] = "1"
        else:
            command = [sys.executable, "-m", "bench.startup_probe", mode]
        if mode == "app":
            command += ["--db", str(db)]
        if not guard and mode != "frozen":
            command.append("--no-guard")
        spawned = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        errors = done.stderr.strip().splitlines()
        fatal = [line for line in errors if line.startswith("Fatal Python error")]
        return {"failed": (fatal or errors or [f"exit status {done.returncode}"])[-1]}
    report = json.loads(lines[-1])
    return {"seconds": report["painted"] - spawned, "rss_mb": report["rss_kib"] / 1024, "guard": report["none_guard"]}


def startup(corpus: Corpus, db: Path, runs: int, display: str | None = None, frozen: Path | None = None) -> None:
    """Start-up, ClinRef and the bare window alternating; offscreen, or on ``display`` (Xvfb).

    With ``frozen`` (a bundle folder) ClinRef's frozen bundle takes its turn in the same rotation.
    """
    where = "offscreen" if display is None else f"under Xvfb ({display})"
    print(f"[{corpus.label}] start-up {where}, {runs} runs each ...", file=sys.stderr, flush=True)
    prefix = "" if display is None else "xvfb_"
    modes = ["app", "bare", *(["frozen"] if frozen is not None else [])]
    results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for attempt in range(runs + 1):  # the first round warms the file cache and is not counted
        turn = attempt % len(modes)
        for mode in modes[turn:] + modes[:turn]:  # each mode goes first in turn
            report = _probe(mode, db, display=display, frozen=frozen)
            if "failed" in report:
                raise RuntimeError(f"the {mode} start-up failed {where}: {report['failed']}")
            if attempt:
                results[mode].append(report)
    for mode, reports in results.items():
        corpus.figures[f"{prefix}{mode}_startup_s"] = statistics.median(r["seconds"] for r in reports)
        corpus.figures[f"{prefix}{mode}_startup_runs_s"] = [round(r["seconds"], 4) for r in reports]
        corpus.figures[f"{prefix}{mode}_rss_mb"] = statistics.median(r["rss_mb"] for r in reports)
    # The ratio of each interleaved pair, and their median: on a busy machine a pair shares its load.
    pairs = [a["seconds"] / b["seconds"] for a, b in zip(results["app"], results["bare"], strict=True)]
    corpus.figures[f"{prefix}startup_pair_ratio_median"] = statistics.median(pairs)
    if frozen is not None:
        pairs = [a["seconds"] / b["seconds"] for a, b in zip(results["frozen"], results["bare"], strict=True)]
        corpus.figures[f"{prefix}frozen_startup_pair_ratio_median"] = statistics.median(pairs)
    if display is not None:
        return
    corpus.figures["none_guard"] = any(r["guard"] for r in results["app"])
    if corpus.figures["none_guard"]:
        unguarded = _probe("app", db, guard=False)
        corpus.figures["unguarded_startup"] = unguarded.get("failed", "ok")


def startup_instructions(corpus: Corpus, db: Path, frozen: Path | None = None) -> None:
    """Instructions executed until the first paint, ClinRef and the bare window (callgrind, offscreen).

    Wall-clock time on a shared machine varies with its load; an instruction count does not, so
    before/after comparisons of a change can rely on it. One run each (it is deterministic to
    within a fraction of a percent), about 20 s each under valgrind.
    """
    print(f"[{corpus.label}] start-up instructions under callgrind ...", file=sys.stderr, flush=True)
    for mode in ("bare", "app", *(["frozen"] if frozen is not None else [])):
        with tempfile.TemporaryDirectory(prefix="clinref-bench-profile-") as profile:
            out = Path(profile) / "callgrind.out"
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            env = _environment(Path(profile))
            if mode == "frozen":
                assert frozen is not None
                # The bootloader sets up its environment and execs itself: follow it (same pid, same file).
                command += ["--trace-children=yes", str(frozen_executable(frozen)), "--db", str(db)]
                env["CLINREF_REPORT_FIRST_PAINT"] = "1"
            else:
                command += [sys.executable, "-m", "bench.startup_probe", mode]
                command += ["--db", str(db)] if mode == "app" else []
            subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
            totals = [line for line in out.read_text(errors="replace").splitlines() if line.startswith("summary:")]
        corpus.figures[f"{mode}_startup_instructions"] = int(totals[-1].split()[1])


@contextlib.contextmanager
def xvfb() -> Iterator[str | None]:
    """A private X server for the start-up figures under X, or None where Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        yield None
        return
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        yield f":{number}" if number else None
    finally:
        server.terminate()
        server.wait(timeout=10)


def interactive(corpus: Corpus, db: Path, extra: tuple[str, ...] = ()) -> None:
    print(f"[{corpus.label}] search as you type, open the largest article ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="clinref-bench-profile-") as profile:
        command = [sys.executable, "-m", "bench.interactive", "--db", str(db), "--words", ",".join(corpus.words)]
        command += ["--article", corpus.largest, "--other", corpus.other, *extra]
        done = subprocess.run(
            command, cwd=ROOT, env=_environment(Path(profile)), capture_output=True, text=True, timeout=600
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"bench.interactive failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    corpus.figures.update(json.loads(lines[-1]))


def _manifest(db: Path) -> str:
    from db.library import Library

    with Library(db) as library:
        m = library.manifest
    return (
        f"{m.article_count:,} articles, {m.treatment_count:,} treatments, {m.class_count} classes, "
        f"{m.recommendation_count:,} recommendations"
    )


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _ratio(x: dict[str, Any], prefix: str = "", mode: str = "app") -> float:
    return float(x[f"{prefix}{mode}_startup_s"] / x[f"{prefix}bare_startup_s"])


def table(corpora: list[Corpus], runs: int) -> str:
    """The results as a Markdown table, goals in the last column."""
    heads = [c.label for c in corpora]
    rows: list[tuple[str, list[str], str]] = []

    def row(name: str, cells: list[str], goal: str = "") -> None:
        rows.append((name, cells, goal))

    f = [c.figures for c in corpora]
    big = f[-1]
    row("content", [x["content"] for x in f])
    row(
        "database build (`python -m db build`), wall clock (CPU time, all processes)",
        [f"{x['build_s']:.1f} s" + (f" ({x['build_cpu_s']:.1f} s)" if "build_cpu_s" in x else "") for x in f],
    )
    row("database size", [f"{x['size_bytes'] / 1e6:,.1f} MB" for x in f])
    if all("install_s" in x for x in f):
        row("install: copy, verify signature, hash and schema", [f"{x['install_s']:.2f} s" for x in f])
    for prefix, where in (("", "offscreen"), ("xvfb_", "under Xvfb")):
        if not all(f"{prefix}app_startup_s" in x for x in f):
            continue
        row(
            f"start-up to first paint {where}, ClinRef (median of {runs})",
            [_ms(x[f"{prefix}app_startup_s"] * 1000) for x in f],
        )
        row(f"start-up {where}, bare QMainWindow + QTextBrowser", [_ms(x[f"{prefix}bare_startup_s"] * 1000) for x in f])
        ratios = [_ratio(x, prefix) for x in f]
        pairs = [x.get(f"{prefix}startup_pair_ratio_median") for x in f]
        row(
            f"start-up ratio {where} (median of the interleaved pairs' ratios)",
            [f"{r:.2f}x ({p:.2f}x)" if p else f"{r:.2f}x" for r, p in zip(ratios, pairs, strict=True)],
            f"≤ {GOAL_STARTUP_RATIO}x: {_verdict(max(ratios) <= GOAL_STARTUP_RATIO)}",
        )
        if all(f"{prefix}frozen_startup_s" in x for x in f):
            row(
                f"start-up to first paint {where}, ClinRef's frozen bundle (median of {runs})",
                [_ms(x[f"{prefix}frozen_startup_s"] * 1000) for x in f],
            )
            ratios = [_ratio(x, prefix, "frozen") for x in f]
            pairs = [x.get(f"{prefix}frozen_startup_pair_ratio_median") for x in f]
            row(
                f"start-up ratio {where}, frozen bundle / bare window (median of the interleaved pairs' ratios)",
                [f"{r:.2f}x ({p:.2f}x)" if p else f"{r:.2f}x" for r, p in zip(ratios, pairs, strict=True)],
                f"≤ {GOAL_STARTUP_RATIO}x: {_verdict(max(ratios) <= GOAL_STARTUP_RATIO)}",
            )
    if all("app_startup_instructions" in x for x in f):
        row(
            "start-up instructions (callgrind, offscreen), ClinRef / bare / ratio",
            [
                f"{x['app_startup_instructions'] / 1e9:.2f} G / {x['bare_startup_instructions'] / 1e9:.2f} G / "
                f"{x['app_startup_instructions'] / x['bare_startup_instructions']:.2f}x"
                for x in f
            ],
        )
    if all("frozen_startup_instructions" in x for x in f):
        row(
            "start-up instructions, frozen bundle / ratio to the bare window (from source)",
            [
                f"{x['frozen_startup_instructions'] / 1e9:.2f} G / "
                f"{x['frozen_startup_instructions'] / x['bare_startup_instructions']:.2f}x"
                for x in f
            ],
        )
    row("memory (RSS) after start-up, ClinRef", [f"{x['app_rss_mb']:.0f} MB" for x in f])
    row("memory, bare window", [f"{x['bare_rss_mb']:.0f} MB" for x in f])
    extra = [x["app_rss_mb"] - x["bare_rss_mb"] for x in f]
    row(
        "memory above the bare window",
        [f"{e:+.0f} MB" for e in extra],
        f"≤ {GOAL_MEMORY_MB:.0f} MB: {_verdict(max(extra) <= GOAL_MEMORY_MB)}",
    )
    row(
        "search per keystroke, median (key press → results view repainted; debounce set to 0)",
        [_ms(x["search_keystroke"]["median_ms"]) for x in f],
    )
    search_goal = f"< {GOAL_SEARCH_P95_MS:.0f} ms at 10k: "
    if len(corpora) > 1:
        search_goal += _verdict(big["search_keystroke"]["p95_ms"] < GOAL_SEARCH_P95_MS)
    else:
        search_goal += "not measured (--bundled-only)"
    row(
        "search per keystroke, p95",
        [f"{_ms(x['search_keystroke']['p95_ms'])} ({x['keystrokes']} keys)" for x in f],
        search_goal,
    )
    row(
        "  of which `Library.search` alone, median / p95",
        [f"{_ms(x['library_search']['median_ms'])} / {_ms(x['library_search']['p95_ms'])}" for x in f],
    )
    if all("search_keystroke_gui_cpu" in x for x in f):
        row(
            "  GUI thread CPU time per keystroke, median / p95",
            [
                f"{_ms(x['search_keystroke_gui_cpu']['median_ms'])} / {_ms(x['search_keystroke_gui_cpu']['p95_ms'])}"
                for x in f
            ],
        )
    row(
        "open the largest article (`Reader.open` → laid out), median",
        [f"{_ms(x['open_laid_out']['median_ms'])} ({x['open_article']['characters'] / 1000:.0f}k chars)" for x in f],
        f"< {GOAL_OPEN_MS:.0f} ms: {_verdict(max(x['open_laid_out']['median_ms'] for x in f) < GOAL_OPEN_MS)}",
    )
    row("  … until painted, median", [_ms(x["open_painted"]["median_ms"]) for x in f])
    return _markdown(["", *heads, "goal"], [[name, *cells, goal] for name, cells, goal in rows])


def _markdown(heads: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(heads) + " |", "|" + " --- |" * len(heads)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(line.replace("|  |", "| |") for line in lines)


def summary_table(corpora: list[Corpus]) -> str:
    """The short table of README.md's Performance section."""
    f = [c.figures for c in corpora]
    big = f[-1]
    rows = [
        [
            "database build / size",
            *(f"{x['build_s']:.1f} s / {x['size_bytes'] / 1e6:,.1f} MB" for x in f),
            "≤ 75 s / ≤ 300 MB at 10k: "
            + (
                f"{_verdict(big['build_s'] <= 75)} / {_verdict(big['size_bytes'] <= 300e6)}"
                if len(f) > 1
                else "not measured"
            ),
        ]
    ]
    for prefix, where in (("", "offscreen"), ("xvfb_", "under Xvfb")):
        if all(f"{prefix}app_startup_s" in x for x in f):
            ratios = [_ratio(x, prefix) for x in f]
            rows.append(
                [
                    f"start-up to first paint, {where} (bare window)",
                    *(
                        f"{_ms(x[f'{prefix}app_startup_s'] * 1000)} ({_ms(x[f'{prefix}bare_startup_s'] * 1000)}): "
                        f"{r:.2f}x"
                        for x, r in zip(f, ratios, strict=True)
                    ),
                    f"≤ {GOAL_STARTUP_RATIO}x: {_verdict(max(ratios) <= GOAL_STARTUP_RATIO)}",
                ]
            )
        if all(f"{prefix}frozen_startup_s" in x for x in f):
            ratios = [_ratio(x, prefix, "frozen") for x in f]
            rows.append(
                [
                    f"start-up to first paint, {where}, frozen bundle (bare window)",
                    *(
                        f"{_ms(x[f'{prefix}frozen_startup_s'] * 1000)} ({_ms(x[f'{prefix}bare_startup_s'] * 1000)}): "
                        f"{r:.2f}x"
                        for x, r in zip(f, ratios, strict=True)
                    ),
                    f"≤ {GOAL_STARTUP_RATIO}x: {_verdict(max(ratios) <= GOAL_STARTUP_RATIO)}",
                ]
            )
    extra = [x["app_rss_mb"] - x["bare_rss_mb"] for x in f]
    rows.append(
        [
            "memory above the bare window",
            *(f"{e:+.0f} MB" for e in extra),
            f"≤ {GOAL_MEMORY_MB:.0f} MB: {_verdict(max(extra) <= GOAL_MEMORY_MB)}",
        ]
    )
    rows.append(
        [
            "search per keystroke, median / p95",
            *(f"{_ms(x['search_keystroke']['median_ms'])} / {_ms(x['search_keystroke']['p95_ms'])}" for x in f),
            f"p95 < {GOAL_SEARCH_P95_MS:.0f} ms: "
            + (_verdict(big["search_keystroke"]["p95_ms"] < GOAL_SEARCH_P95_MS) if len(f) > 1 else "not measured"),
        ]
    )
    rows.append(
        [
            "open the largest article",
            *(_ms(x["open_laid_out"]["median_ms"]) for x in f),
            f"< {GOAL_OPEN_MS:.0f} ms: {_verdict(max(x['open_laid_out']['median_ms'] for x in f) < GOAL_OPEN_MS)}",
        ]
    )
    return _markdown(["", *(c.label for c in corpora), "goal"], rows)


def notes(corpora: list[Corpus]) -> str:
    out = []
    for corpus in corpora:
        x = corpus.figures
        slow = ", ".join(f"`{t}` {ms:.0f} ms" for t, ms in x["slowest_keystrokes"][:3])
        out.append(f"- {corpus.label}: typed {', '.join(f'`{w}`' for w in x['words'])}; slowest keys {slow}.")
        if x.get("none_guard"):
            out.append(
                f"- {corpus.label}: this PySide6 drops a reference to None (and True/False) on calls of void "
                "methods (PySide6 6.12.0 on Python 3.11; 6.11.3 does not), so a long enough session aborts with "
                "'none_dealloc'. The probes raise those counts first so that ClinRef can be measured; without "
                f"that, ClinRef's start-up here: {x['unguarded_startup']}."
            )
    return "\n".join(out)


def _load() -> list[float]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return []


def meta() -> dict[str, Any]:
    """What the figures were taken on: machine, versions, and how busy the machine was."""
    import platform
    import sqlite3

    import PySide6
    from PySide6 import QtCore

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "system": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "cpu": cpu,
        "cpus": os.cpu_count() or 0,
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "qt": QtCore.qVersion(),
        "sqlite": sqlite3.sqlite_version,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "load_average_start": _load(),
    }


def describe(info: dict[str, Any]) -> str:
    cpus = info["cpus"]
    load = info.get("load_average_start") or []
    end = info.get("load_average_end") or []
    busy = f"; load average {load[0]:.1f} at the start, {end[0]:.1f} at the end" if load and end else ""
    return (
        f"{info['system'].split()[0]} {info['machine']}, {cpus} CPU{'s' if cpus != 1 else ''}"
        f"{' (' + info['cpu'] + ')' if info.get('cpu') else ''}, Python {info['python']}, PySide6 "
        f"{info['pyside6']} (Qt {info['qt']}), SQLite {info['sqlite']}; {info['date'][:10]}; whole run "
        f"{info['seconds']:.0f} s{busy}"
    )


def write_json(path: Path, info: dict[str, Any], corpora: list[Corpus], runs: int) -> None:
    document = {
        "format": 2,
        "meta": {**info, "runs": runs},
        "corpora": [{"label": c.label, "figures": c.figures} for c in corpora],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")


def read_json(path: Path) -> tuple[dict[str, Any], list[Corpus], int]:
    document = json.loads(path.read_text(encoding="utf-8"))
    corpora = [Corpus(c["label"], Path(), [], "", "", c["figures"]) for c in document["corpora"]]
    return document["meta"], corpora, int(document["meta"]["runs"])


def report(info: dict[str, Any], corpora: list[Corpus], runs: int) -> str:
    """bench/README.md's "Latest results": the line on the machine, the full table, the notes."""
    return f"{describe(info)}\n\n{table(corpora, runs)}\n\n{notes(corpora)}"


MARKS = {
    "bench/README.md": ("<!-- bench:results -->", "<!-- /bench:results -->"),
    "README.md": ("<!-- bench:summary -->", "<!-- /bench:summary -->"),
}


def update_readmes(info: dict[str, Any], corpora: list[Corpus], runs: int, root: Path = ROOT) -> list[Path]:
    """Replace the text between the marks in README.md and bench/README.md with these figures."""
    texts = {
        "bench/README.md": report(info, corpora, runs),
        "README.md": f"{summary_table(corpora)}\n\n{describe(info)}; medians of {runs} start-ups.",
    }
    written = []
    for name, (begin, end) in MARKS.items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        if begin not in text or end not in text:
            raise SystemExit(f"{path}: no {begin} ... {end} section to update")
        head, rest = text.split(begin, 1)
        _old, tail = rest.split(end, 1)
        path.write_text(f"{head}{begin}\n{texts[name]}\n{end}{tail}", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    add_spec_arguments(parser)
    parser.add_argument("--runs", type=int, default=7, help="start-up runs per figure (default %(default)s)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--bundled-only", action="store_true", help="skip the synthetic corpus")
    parser.add_argument("--json", type=Path, help="also write every figure, with the machine and versions, here")
    parser.add_argument("--no-xvfb", action="store_true", help="skip the start-up figures under Xvfb")
    parser.add_argument(
        "--frozen",
        type=Path,
        metavar="DIR",
        help="also time the start-up of this frozen bundle (dist/clinref, from packaging/build.py), interleaved",
    )
    parser.add_argument(
        "--instructions", action="store_true", help="also count start-up instructions under callgrind (slow)"
    )
    parser.add_argument(
        "--only-search",
        type=int,
        metavar="ROUNDS",
        help="measure search as you type only, typing the words ROUNDS times (the database is built only if missing)",
    )
    parser.add_argument("--from-json", type=Path, help="measure nothing: print the tables of a --json file")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the tables into README.md and bench/README.md"
    )
    args = parser.parse_args(argv)
    if args.frozen is not None:
        args.frozen = frozen_executable(args.frozen.resolve()).parent

    if args.only_search:
        return search_only(args)
    if args.from_json:
        info, corpora, runs = read_json(args.from_json)
    else:
        info, corpora, runs = measure(args)
        if args.json:
            write_json(args.json, info, corpora, runs)
    print(f"\n{report(info, corpora, runs)}\n\nREADME.md:\n\n{summary_table(corpora)}")
    if args.update_readme:
        for path in update_readmes(info, corpora, runs):
            print(f"updated {path.relative_to(ROOT)}", file=sys.stderr)
    return 0


def search_only(args: argparse.Namespace) -> int:
    """Search per keystroke on each corpus, ``--only-search`` rounds of the words: for working on search."""
    cache: Path = args.cache_dir.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    corpora = [bundled_corpus()]
    if not args.bundled_only:
        spec = CorpusSpec(args.articles, args.drugs, args.classes, args.recommendations, args.seed)
        corpora.append(synthetic_corpus(cache, spec))
    print(f"load average {(_load() or [0.0])[0]:.1f}")
    for index, corpus in enumerate(corpora):
        db = cache / f"bench-{index}.db"
        if not db.exists():
            build(corpus, db)
        interactive(corpus, db, ("--only", "search", "--rounds", str(args.only_search)))
        x = corpus.figures
        key, cpu, lib = x["search_keystroke"], x["search_keystroke_gui_cpu"], x["library_search"]
        print(
            f"{corpus.label}: {x['keystrokes']} keys; key press -> repainted median {key['median_ms']:.1f} ms, "
            f"p95 {key['p95_ms']:.1f} ms; GUI thread CPU median {cpu['median_ms']:.1f} ms, p95 {cpu['p95_ms']:.1f} ms; "
            f"Library.search median {lib['median_ms']:.1f} ms, p95 {lib['p95_ms']:.1f} ms; "
            f"first key {x.get('first_keystroke_ms', float('nan')):.1f} ms; "
            f"slowest {', '.join(f'{t} {ms:.0f}' for t, ms in x['slowest_keystrokes'][:3])}"
        )
    print(f"load average {(_load() or [0.0])[0]:.1f}")
    return 0


def measure(args: argparse.Namespace) -> tuple[dict[str, Any], list[Corpus], int]:
    started = time.perf_counter()
    info = meta()
    cache: Path = args.cache_dir.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    corpora = [bundled_corpus()]
    if not args.bundled_only:
        spec = CorpusSpec(args.articles, args.drugs, args.classes, args.recommendations, args.seed)
        corpora.append(synthetic_corpus(cache, spec))
        info["corpus_spec"] = dataclasses.asdict(spec)
    with contextlib.ExitStack() as stack:
        display = None if args.no_xvfb else stack.enter_context(xvfb())
        for index, corpus in enumerate(corpora):
            db = cache / f"bench-{index}.db"
            build(corpus, db)
            corpus.figures["content"] = _manifest(db)
            startup(corpus, db, args.runs, frozen=args.frozen)
            if display is not None:
                startup(corpus, db, args.runs, display, frozen=args.frozen)
            if args.instructions:
                startup_instructions(corpus, db, args.frozen)
            interactive(corpus, db)
    info["load_average_end"] = _load()
    info["seconds"] = time.perf_counter() - started
    shutil.rmtree(cache / "profiles", ignore_errors=True)
    return info, corpora, args.runs


if __name__ == "__main__":
    sys.exit(main())
