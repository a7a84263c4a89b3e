"""Running part of a test as a user that file modes apply to, also when the suite runs as root (as CI does).

Root ignores file modes (``CAP_DAC_OVERRIDE``), so a read-only folder cannot be simulated for it and such tests
used to skip in CI. Here the code under test runs in a child process with every capability dropped
(``setpriv --bounding-set=-all``): still uid 0, but a file's mode and owner now bind it as they bind anyone. (A
switch to ``nobody`` would do too where the interpreter is readable by everyone; this machine's Python lives under
``/root``.) Run as an ordinary user, the child simply runs as that user.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def unprivileged(argv: list[str]) -> list[str]:
    """``argv`` wrapped so that it runs without root's power over file modes."""
    if not is_root():
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to drop root's privileges for this test")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--", *argv]


def run(args: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` unprivileged, offscreen, with this checkout importable."""
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO_ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        **(env or {}),
    }
    return subprocess.run(
        unprivileged([sys.executable, *args]),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        env=child_env,
    )


def run_python(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> dict[str, Any]:
    """Run ``code`` unprivileged (``sys.argv[1:]`` = ``args``); the JSON object it printed last."""
    result = run(["-c", code, *args], env, timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stdout + result.stderr
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def take_away(path: Path, mode: int) -> None:
    """Give ``path`` to someone else (``nobody``, when we are root) with ``mode``: as after ``sudo -E clinref``."""
    if is_root():
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    path.chmod(mode)


def give_back(*paths: Path) -> None:
    """Undo :func:`take_away` so pytest can clean up."""
    for path in paths:
        if is_root():
            os.chown(path, 0, 0)
        path.chmod(0o755 if path.is_dir() else 0o644)
