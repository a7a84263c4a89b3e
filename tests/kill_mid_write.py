"""A child process writing as fast as it can, killed with SIGKILL mid-write: the crash-safety tests' harness."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_and_kill(child_code: str, args: list[str], lines: int) -> list[str]:
    """Run ``child_code`` (which prints a line after each write has returned), SIGKILL it once it has
    reported ``lines`` lines, and return every line it reported: each one a write that must have survived.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-c", child_code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=env,
    )
    watchdog = threading.Timer(120, child.kill)  # only so a hung child cannot hang the suite
    watchdog.start()
    reported: list[str] = []
    try:
        assert child.stdout is not None and child.stderr is not None
        while len(reported) < lines:
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"child ended after {len(reported)} lines: {child.stderr.read()}")
            assert not line.startswith(("RESET", "ERROR")), line
            reported.append(line.rstrip("\n"))
        child.send_signal(signal.SIGKILL)  # mid-write: the child is writing as fast as it can
        # Lines printed before the kill landed were printed after their commit returned, too.
        reported.extend(line.rstrip("\n") for line in child.stdout.read().splitlines(keepends=True) if line[-1] == "\n")
    finally:
        watchdog.cancel()
        child.kill()
        child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    assert child.returncode == -signal.SIGKILL
    return reported
