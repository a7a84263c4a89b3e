"""Shared fixtures: offscreen Qt, no network, throwaway user profiles, built content."""

from __future__ import annotations

import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from db.paths import content_sources_dir, default_database_path

if TYPE_CHECKING:
    from db.library import Library


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test runs with sockets disabled: 'no network calls' is checked on every run."""
    import pytest_socket

    pytest_socket.disable_socket(allow_unix_socket=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (README, .ci/run): a worker per CPU this process may use; none on one CPU, where a
    worker would only add its start-up (0 runs the suite in this process, as without xdist)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own setting wins
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cpus if cpus > 1 else 0


@pytest.fixture(scope="session", autouse=True)
def _checkout_content_built() -> None:
    """The checkout's own content build, signed, as ``python -m db build --if-changed`` makes it.

    Tests that start the app without ``--db`` (and subprocesses running ``python -m desktop``) open
    it as the bundled content; a fresh clone has none until something builds it.
    """
    from db.__main__ import main as db_main

    # Under pytest-xdist every worker runs this: one builds, the others then find it up to date.
    with _exclusive(default_database_path().parent / ".tests-build.lock"):
        assert db_main(["build", "--if-changed"]) == 0, "the checkout's content does not build: run python -m db check"


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold ``lock`` (a file) against other processes; where there is no fcntl (Windows), hold nothing."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - the suite runs on Linux
        yield
        return
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def _private_content_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the machine's content cache or settings (/var/lib/clinref, /etc/clinref)."""
    monkeypatch.setenv("CLINREF_CONTENT_CACHE", str(tmp_path_factory.mktemp("content-cache")))
    monkeypatch.setenv("CLINREF_MACHINE_CONFIG", str(tmp_path_factory.getbasetemp() / "no-machine-config.toml"))
    monkeypatch.delenv("CLINREF_CONTENT_SOURCE", raising=False)
    # In-process tests make no other ClinRef that could be setting a store up: look at a damaged one once.
    # (The real race runs in subprocesses, tests/test_store_faults.py, with the real second looks.)
    monkeypatch.setattr("db.userdata.store.DAMAGE_RECHECK_DELAYS_S", ())


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled content, built once for the whole session."""
    from db.compiler.build import build

    out = tmp_path_factory.mktemp("content") / "clinref.db"
    build(content_sources_dir(), out)
    return out


@pytest.fixture(scope="session")
def library(built_db: Path) -> Iterator[Library]:
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


def release_sources(tmp: Path, version: str, dose: str = "1.5-15 mg/day", review_by: str = "") -> Path:
    """The real content under another version, with clonazepam's dose written as ``dose`` everywhere."""
    import shutil

    root = tmp / f"sources-{version}" / "resources" / "content"
    shutil.copytree(content_sources_dir(), root)
    meta = root / "content.toml"
    text = re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', meta.read_text(encoding="utf-8"))
    meta.write_text(text + (f"review_by = {review_by}\n" if review_by else ""), encoding="utf-8")
    for path in root.rglob("*"):
        if path.is_file() and "1.5-15 mg/day" in (body := path.read_text(encoding="utf-8")):
            path.write_text(body.replace("1.5-15 mg/day", dose), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Signed releases of the real content: "old" (older than the bundled one, 1.5-15 mg/day) and "new" (1.5-16)."""
    from db.compiler.build import build

    tmp = tmp_path_factory.mktemp("releases")
    out = {}
    for name, version, dose in (("old", "2025.01.01-1", "1.5-15 mg/day"), ("new", "2099.01.01-1", "1.5-16 mg/day")):
        out[name] = tmp / name / "clinref.db"
        build(release_sources(tmp, version, dose), out[name])
    return out


def resign(db: Path) -> Path:
    """Sign an altered copy of the content with this checkout's (trusted) development key.

    For tests that damage a file on purpose to reach a fault past the signature check: without it,
    the check refuses the file first ("hash check") and the fault under test is never met.
    """
    from db.compiler.signing import sign_content, signing_key
    from db.library import Library
    from db.schema import SCHEMA_VERSION

    with Library(db) as library:  # the manifest is still readable in the files these tests make
        manifest = library.manifest
    sign_content(
        db, signing_key(None), version=manifest.content_version, schema=SCHEMA_VERSION, date=manifest.content_date
    )
    return db
