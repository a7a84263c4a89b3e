"""Shared fixtures: offscreen Qt, no network, throwaway user profiles, built content."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.paths import content_sources_dir


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test runs with sockets disabled: 'no network calls' is checked on every run."""
    import pytest_socket

    pytest_socket.disable_socket(allow_unix_socket=True)


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled content, built once for the whole session."""
    from db.compiler.build import build

    out = tmp_path_factory.mktemp("content") / "clinref.db"
    build(content_sources_dir(), out)
    return out


@pytest.fixture(scope="session")
def library(built_db: Path) -> Iterator[object]:
    from db.library import Library

    with Library(built_db) as lib:
        yield lib


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway per-user profile (XDG config and data homes)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path
