"""Where a database build's time goes: CPU and wall clock of each phase of the main process.

    .venv/bin/python -m bench.build_phases SOURCES OUT [--workers N]

Wraps the phases of :func:`db.compiler.build.build` (reading and checking the sources, which
includes waiting for the pool; the mention finder; each SQL statement and insert; the inputs
hash; the signature) with timers, runs one build, and prints them with the CPU time of the
pool's workers. A profiler would distort the Python-heavy phases (Markdown runs ~3x slower under
cProfile) and cannot see into the workers; this measures them as they run.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import db.compiler.build as build_module
import db.compiler.sources as sources_module

#: phase -> (CPU seconds, wall seconds), summed over calls
TIMES: dict[str, tuple[float, float]] = {}


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent_cpu, spent_wall = TIMES.get(name, (0.0, 0.0))
            TIMES[name] = (spent_cpu + time.process_time() - cpu, spent_wall + time.perf_counter() - wall)

    return wrapper


class _TimedConnection(sqlite3.Connection):
    """Times each statement by its first words (sqlite-utils' inserts included)."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        return timed("sql: " + sql.split("(")[0][:45], super().execute)(sql, *args)  # type: ignore[no-any-return]

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        return timed("sql many: " + sql[:35], super().executemany)(sql, *args)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    for name in ("read_sources", "mentions", "sign_content", "inputs_hash", "_write"):
        setattr(build_module, name, timed(name, getattr(build_module, name)))
    for name in ("cross_check", "assign_conditions"):
        setattr(sources_module, name, timed(name, getattr(sources_module, name)))
    connect = sqlite3.connect
    build_module.sqlite3 = type(  # type: ignore[assignment,attr-defined]
        "TimedSqlite3", (), {"connect": staticmethod(lambda path: connect(path, factory=_TimedConnection))}
    )
    cpu, wall = time.process_time(), time.perf_counter()
    build_module.build(args.sources, args.out, workers=args.workers)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"main process: CPU {time.process_time() - cpu:.1f} s, wall {time.perf_counter() - wall:.1f} s; "
        f"the pool's workers: CPU {workers.ru_utime + workers.ru_stime:.1f} s"
    )
    for name, (spent_cpu, spent_wall) in sorted(TIMES.items(), key=lambda item: -item[1][1]):
        if spent_wall >= 0.05:
            print(f"  {name:55s} CPU {spent_cpu:7.2f} s  wall {spent_wall:7.2f} s")


if __name__ == "__main__":
    main()
