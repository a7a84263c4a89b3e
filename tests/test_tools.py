"""The screenshot tools run to the end and write what they say (they drive the real app; nothing else runs them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, *arguments: str) -> list[Path]:
    out = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CLINREF_CONTENT_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "screenshots.py"), "--out", str(out), *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return sorted(out.glob("*.png"))


def test_the_screenshots_of_the_readme_are_made(tmp_path: Path) -> None:
    shots = _run(tmp_path)
    names = {shot.stem for shot in shots}
    assert {"main-window", "search-brand", "drug-page", "class-page", "drug-filter-post-hypoxic"} <= names
    assert all(not QImage(str(shot)).isNull() for shot in shots)


@pytest.mark.skipif(not Path("/usr/bin/pdftoppm").exists(), reason="pdftoppm (poppler-utils) is not installed")
def test_the_class_view_screenshots_are_made_and_stored_compact(tmp_path: Path) -> None:
    shots = _run(tmp_path, "--treatments", "--size", "1024x768")
    names = {shot.stem for shot in shots}
    assert "treatments-post-hypoxic-acute-1024x768-light" in names and "treatments-table-pdf" in names
    assert all(not QImage(str(shot)).isNull() for shot in shots)
