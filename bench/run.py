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
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
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


def _environment(profile: Path) -> dict[str, str]:
    """A throwaway profile whose disclaimer is already accepted; nothing machine-wide leaks in."""
    env = dict(os.environ)
    env.pop("CLINREF_DB", None)
    env["CLINREF_MACHINE_CONFIG"] = str(profile / "no-machine-config.toml")
    # A returning user: the content cache persists across runs (the warm-up run installs --db's file and records
    # the bundled file's verification; the measured runs find both by a stat), never the machine's folder.
    shared = ROOT / "build" / "bench" / "content-cache"
    (shared / "user").mkdir(parents=True, exist_ok=True)
    env["CLINREF_CONTENT_CACHE"] = str(shared / "machine")
    (profile / "data" / "ClinRef").mkdir(parents=True, exist_ok=True)
    (profile / "data" / "ClinRef" / "content").symlink_to(shared / "user", target_is_directory=True)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
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
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "db", "--sources", str(corpus.sources), "build", "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    corpus.figures["build_s"] = time.perf_counter() - started
    corpus.figures["size_bytes"] = out.stat().st_size
    from db.library.content_cache import ContentCache
    from db.library.trust import load_trusted_keys

    with tempfile.TemporaryDirectory(prefix="clinref-bench-install-") as folder:
        started = time.perf_counter()
        ContentCache([Path(folder)]).install(out, load_trusted_keys(None)[0])  # copy, then signature, hash, schema
        corpus.figures["install_s"] = time.perf_counter() - started


def _probe(mode: str, db: Path, *, guard: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="clinref-bench-profile-") as profile:
        env = _environment(Path(profile))
        command = [sys.executable, "-m", "bench.startup_probe", mode]
        if mode == "app":
            command += ["--db", str(db)]
        if not guard:
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


def startup(corpus: Corpus, db: Path, runs: int) -> None:
    print(f"[{corpus.label}] start-up, {runs} runs each ...", file=sys.stderr, flush=True)
    results: dict[str, list[dict[str, Any]]] = {"app": [], "bare": []}
    for attempt in range(runs + 1):  # the first pair warms the file cache and is not counted
        for mode in ("bare", "app") if attempt % 2 else ("app", "bare"):
            report = _probe(mode, db)
            if "failed" in report:
                raise RuntimeError(f"the {mode} start-up failed: {report['failed']}")
            if attempt:
                results[mode].append(report)
    for mode, reports in results.items():
        corpus.figures[f"{mode}_startup_s"] = statistics.median(r["seconds"] for r in reports)
        corpus.figures[f"{mode}_rss_mb"] = statistics.median(r["rss_mb"] for r in reports)
    corpus.figures["none_guard"] = any(r["guard"] for r in results["app"])
    if corpus.figures["none_guard"]:
        unguarded = _probe("app", db, guard=False)
        corpus.figures["unguarded_startup"] = unguarded.get("failed", "ok")


def interactive(corpus: Corpus, db: Path) -> None:
    print(f"[{corpus.label}] search as you type, open the largest article ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="clinref-bench-profile-") as profile:
        command = [sys.executable, "-m", "bench.interactive", "--db", str(db), "--words", ",".join(corpus.words)]
        command += ["--article", corpus.largest, "--other", corpus.other]
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
        f"{m.article_count:,} articles, {m.drug_count:,} treatments, {m.class_count} classes, "
        f"{m.recommendation_count:,} recommendations"
    )


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(corpora: list[Corpus], runs: int) -> str:
    """The results as a Markdown table, goals in the last column."""
    heads = [c.label for c in corpora]
    rows: list[tuple[str, list[str], str]] = []

    def row(name: str, cells: list[str], goal: str = "") -> None:
        rows.append((name, cells, goal))

    f = [c.figures for c in corpora]
    big = f[-1]
    row("content", [x["content"] for x in f])
    row("database build (`python -m db build`)", [f"{x['build_s']:.1f} s" for x in f])
    row("database size", [f"{x['size_bytes'] / 1e6:,.1f} MB" for x in f])
    row("install: copy, verify signature, hash and schema", [f"{x['install_s']:.2f} s" for x in f])
    row(f"start-up to first paint, ClinRef (median of {runs})", [_ms(x["app_startup_s"] * 1000) for x in f])
    row("start-up, bare QMainWindow + QTextBrowser", [_ms(x["bare_startup_s"] * 1000) for x in f])
    ratios = [x["app_startup_s"] / x["bare_startup_s"] for x in f]
    row(
        "start-up ratio",
        [f"{r:.2f}x" for r in ratios],
        f"≤ {GOAL_STARTUP_RATIO}x: {_verdict(max(ratios) <= GOAL_STARTUP_RATIO)}",
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
    row(
        "open the largest article (`Reader.open` → laid out), median",
        [f"{_ms(x['open_laid_out']['median_ms'])} ({x['open_article']['characters'] / 1000:.0f}k chars)" for x in f],
        f"< {GOAL_OPEN_MS:.0f} ms: {_verdict(max(x['open_laid_out']['median_ms'] for x in f) < GOAL_OPEN_MS)}",
    )
    row("  … until painted, median", [_ms(x["open_painted"]["median_ms"]) for x in f])
    lines = ["| | " + " | ".join(heads) + " | goal |", "| --- |" + " --- |" * (len(heads) + 1)]
    lines += [f"| {name} | " + " | ".join(cells) + f" | {goal} |" for name, cells, goal in rows]
    return "\n".join(lines)


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


def machine() -> str:
    import platform

    from PySide6 import __version__ as pyside

    cpus = os.cpu_count() or 0
    return (
        f"{platform.system()} {platform.machine()}, {cpus} CPU{'s' if cpus != 1 else ''}, Python "
        f"{platform.python_version()}, PySide6 {pyside}, SQLite {__import__('sqlite3').sqlite_version}, "
        f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'offscreen')}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    add_spec_arguments(parser)
    parser.add_argument("--runs", type=int, default=7, help="start-up runs per figure (default %(default)s)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--bundled-only", action="store_true", help="skip the synthetic corpus")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    cache: Path = args.cache_dir.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    corpora = [bundled_corpus()]
    if not args.bundled_only:
        spec = CorpusSpec(args.articles, args.drugs, args.classes, args.recommendations, args.seed)
        corpora.append(synthetic_corpus(cache, spec))
    for index, corpus in enumerate(corpora):
        db = cache / f"bench-{index}.db"
        build(corpus, db)
        corpus.figures["content"] = _manifest(db)
        startup(corpus, db, args.runs)
        interactive(corpus, db)
    print(f"\n{machine()}; {time.strftime('%Y-%m-%d')}; whole run {time.perf_counter() - started:.0f} s\n")
    print(table(corpora, args.runs))
    print()
    print(notes(corpora))
    if args.json:
        args.json.write_text(
            json.dumps({c.label: c.figures for c in corpora}, indent=2, default=str) + "\n", encoding="utf-8"
        )
    shutil.rmtree(cache / "profiles", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
