"""Signed content: only the file its publisher built is shown, and a new release arrives whole or not at all."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.compiler.signing import keygen, sign_content
from db.content_signature import SignedFacts, signature_path, version_key
from db.errors import LibraryError
from db.library.content_cache import ContentCache
from db.library.trust import TrustedKey, TrustError, load_trusted_keys, read_signature, verify
from db.library.updates import SharePoller
from db.paths import content_sources_dir
from db.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent

#: The bundled content release, as the sources the tests build name it.
BUNDLED_VERSION = tomllib.loads((content_sources_dir() / "content.toml").read_text(encoding="utf-8"))["version"]


def _keys() -> list[TrustedKey]:
    keys, problems = load_trusted_keys(None)
    assert not problems
    return keys


def _copy(src: Path, dest_dir: Path, name: str = "clinref.db") -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    shutil.copyfile(src, dest)
    shutil.copyfile(signature_path(src), signature_path(dest))
    return dest


# ----------------------------------------------------------------------------- verification


def test_genuine_file_is_accepted_and_says_what_it_is(built_db: Path) -> None:
    verified = verify(built_db, _keys())
    assert verified.facts.version == BUNDLED_VERSION and verified.facts.schema == SCHEMA_VERSION
    assert verified.facts.date == "2025-04-18"
    assert "development key" in verified.key_origin  # from a checkout: the checkout's own key


def test_minisign_tool_verifies_what_the_build_writes(built_db: Path) -> None:
    if shutil.which("minisign") is None:
        pytest.skip("the minisign command is not installed (apt-get install minisign)")
    public = ROOT / "build" / "keys" / "development.pub"
    result = subprocess.run(
        ["minisign", "-Vm", str(built_db), "-p", str(public)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"version:{BUNDLED_VERSION}" in result.stdout
        and "schema:" in result.stdout
        and "date:2025-04-18" in result.stdout
    )


def _flip(path: Path, position: int, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= mask
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["first", "header", "page-2", "middle", "last"])
def test_every_single_byte_change_is_refused(built_db: Path, tmp_path: Path, where: str) -> None:
    path = _copy(built_db, tmp_path)
    size = path.stat().st_size
    position = {"first": 0, "header": 60, "page-2": 4096 + 17, "middle": size // 2, "last": size - 1}[where]
    _flip(path, position)
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check == "hash"
    assert str(path) in str(raised.value) and "Re-copy" in str(raised.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(min_value=0, max_value=1, exclude_max=True), mask=st.integers(min_value=1, max_value=255))
def test_any_byte_changed_anywhere_is_refused(
    built_db: Path, tmp_path_factory: pytest.TempPathFactory, fraction: float, mask: int
) -> None:
    path = _copy(built_db, tmp_path_factory.mktemp("flip"))
    _flip(path, int(fraction * path.stat().st_size), mask)
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check == "hash"


def test_appended_byte_and_truncation_are_refused(built_db: Path, tmp_path: Path) -> None:
    appended = _copy(built_db, tmp_path / "a")
    with appended.open("ab") as handle:
        handle.write(b"\0")
    truncated = _copy(built_db, tmp_path / "t")
    truncated.write_bytes(truncated.read_bytes()[:-4096])
    for path in (appended, truncated):
        with pytest.raises(TrustError) as raised:
            verify(path, _keys())
        assert raised.value.check == "hash"


def test_another_files_signature_is_refused(built_db: Path, releases: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(built_db, tmp_path)
    shutil.copyfile(signature_path(releases["new"]), signature_path(path))
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check == "hash"


def test_missing_or_garbled_signature_is_refused(built_db: Path, tmp_path: Path) -> None:
    path = _copy(built_db, tmp_path)
    signature_path(path).write_text("untrusted comment: x\nnot base64\n", encoding="utf-8")
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check == "signature"
    signature_path(path).unlink()
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check == "signature" and "clinref.db.minisig is missing" in str(raised.value)


def test_unknown_key_is_refused_and_trusted_once_it_is_configured(built_db: Path, tmp_path: Path) -> None:
    secret = tmp_path / "hospital.key"
    public, key_id = keygen(secret)
    path = _copy(built_db, tmp_path / "c")
    sign_content(path, secret, version=BUNDLED_VERSION, schema=SCHEMA_VERSION, date="2025-04-18")
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check == "key" and key_id in str(raised.value) and "trusted_keys" in str(raised.value)

    from db.machine_config import read_machine_config

    config = tmp_path / "clinref.toml"
    config.write_text(f'trusted_keys = ["{public}"]\n', encoding="utf-8")
    keys, problems = load_trusted_keys(read_machine_config(config_path=config, environ={}))
    assert not problems
    assert verify(path, keys).key_id == key_id


def _resign_with_change(built_db: Path, tmp_path: Path, sql: str) -> tuple[Path, list[TrustedKey]]:
    """A file changed with ``sql`` and then signed by a key the machine trusts: only the schema check can catch it."""
    secret = tmp_path / "insider.key"
    public, _ = keygen(secret)
    path = tmp_path / "changed.db"
    shutil.copyfile(built_db, path)
    path.chmod(0o644)
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    sign_content(path, secret, version=BUNDLED_VERSION, schema=SCHEMA_VERSION, date="2025-04-18")
    from db.library.trust import parse_public_key

    lines = public.read_text(encoding="utf-8").splitlines()
    return path, [*_keys(), parse_public_key(lines[-1], "test")]


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        (
            "ALTER TABLE treatments RENAME TO treatments_real; CREATE VIEW treatments AS "
            "SELECT slug, name, kind, mechanism, '1.5-150 mg/day' AS dose_text, dose_low, dose_high, dose_unit, "
            "dose_per, dose_context, dose_article, dose_citations FROM treatments_real;",
            "view 'treatments'",
        ),
        ("CREATE TRIGGER t AFTER INSERT ON classes BEGIN SELECT 1; END;", "trigger 't'"),
        ("CREATE TABLE extra (x);", "table 'extra'"),
    ],
)
def test_added_view_trigger_or_table_is_refused(built_db: Path, tmp_path: Path, sql: str, named: str) -> None:
    path, keys = _resign_with_change(built_db, tmp_path, sql)
    with pytest.raises(TrustError) as raised:
        verify(path, keys)
    assert raised.value.check == "schema"
    assert named in str(raised.value)


def test_signature_facts_round_trip_and_reject_foreign_comments() -> None:
    facts = SignedFacts("2025.04.18-2", 1, "2025-04-18", "a" * 64, "2026-01-01")
    assert SignedFacts.parse(facts.comment()) == facts
    for comment in ("timestamp:1\tfile:x", "clinref-content\tversion:1", "clinref-content\tevil:1\tversion:1"):
        with pytest.raises(ValueError):
            SignedFacts.parse(comment)
    assert version_key("2025.04.18-10") > version_key("2025.04.18-2")


# ----------------------------------------------------------------------------- installing


def test_install_verifies_the_copy_names_it_by_version_and_refuses_a_lower_version(
    releases: dict[str, Path], tmp_path: Path
) -> None:
    cache = ContentCache([tmp_path / "machine", tmp_path / "user"])
    new = cache.install(releases["new"], _keys(), newer_than=BUNDLED_VERSION)
    assert new.new and new.installed.version == "2099.01.01-1"
    assert new.installed.path.parent == tmp_path / "machine"
    assert new.installed.path.name.startswith("clinref-2099.01.01-1-")
    assert new.installed.quick_check() is None
    assert cache.newest() == new.installed
    again = cache.install(releases["new"], _keys(), newer_than="2099.01.01-1")
    assert not again.new and again.installed.path == new.installed.path
    with pytest.raises(TrustError) as raised:
        cache.install(releases["old"], _keys(), newer_than=new.installed.version)
    assert raised.value.check == "version" and "allow_downgrade" in str(raised.value)
    assert str(releases["old"]) in str(raised.value)
    assert cache.install(releases["old"], _keys(), newer_than="2099.01.01-1", allow_downgrade=True).new


def test_install_of_a_tampered_file_leaves_nothing_behind(releases: dict[str, Path], tmp_path: Path) -> None:
    share = _copy(releases["new"], tmp_path / "share")
    _flip(share, 5000)
    cache = ContentCache([tmp_path / "machine"])
    with pytest.raises(TrustError) as raised:
        cache.install(share, _keys())
    assert raised.value.check == "hash" and str(share) in str(raised.value)
    assert list((tmp_path / "machine").iterdir()) == []


def test_an_installed_file_changed_afterwards_fails_the_quick_and_the_full_check(
    releases: dict[str, Path], tmp_path: Path
) -> None:
    item = ContentCache([tmp_path]).install(releases["new"], _keys()).installed
    item.path.chmod(0o644)
    _flip(item.path, 9000)
    assert item.quick_check() is not None
    with pytest.raises(LibraryError):
        item.full_check(_keys())
    assert ContentCache([tmp_path]).newest() is None


# ----------------------------------------------------------------------------- updates from a share


def _poller(share: Path, cache_dir: Path, current: list[str]) -> SharePoller:
    return SharePoller(share, None, ContentCache([cache_dir]), _keys(), lambda: current[0])


def test_newer_genuine_file_on_the_share_is_installed(releases: dict[str, Path], tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    current = [BUNDLED_VERSION]
    poller = _poller(share, tmp_path / "cache", current)
    assert poller.poll().installed is None
    _copy(releases["new"], share, "clinref-2099.db")
    result = poller.poll()
    assert result.installed is not None and result.installed.version == "2099.01.01-1"
    assert "installed" in result.status


def test_half_written_file_is_skipped_once_then_picked_up_when_complete(
    releases: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    whole = releases["new"].read_bytes()
    partial = share / "clinref.db"
    shutil.copyfile(signature_path(releases["new"]), signature_path(partial))
    partial.write_bytes(whole[: len(whole) // 2])
    poller = _poller(share, tmp_path / "cache", [BUNDLED_VERSION])
    with caplog.at_level(logging.WARNING, logger="clinref.content"):
        first = poller.poll()
        second = poller.poll()  # unchanged: not looked at again, no second log line
    assert first.installed is None and len(first.skipped) == 1 and "hash check" in first.skipped[0]
    assert second.skipped == () and len([r for r in caplog.records if "skipped" in r.getMessage()]) == 1
    assert not list((tmp_path / "cache").glob("*.db"))
    partial.write_bytes(whole)  # the copy completes
    third = poller.poll()
    assert third.installed is not None and third.installed.version == "2099.01.01-1"


def test_unsigned_older_and_unknown_files_on_the_share_are_skipped(
    releases: dict[str, Path], built_db: Path, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    (share / "unsigned.db").write_bytes(built_db.read_bytes())
    _copy(releases["old"], share, "old.db")
    result = _poller(share, tmp_path / "cache", [BUNDLED_VERSION]).poll()
    assert result.installed is None
    assert any("unsigned.db" in s and "signature" in s for s in result.skipped)
    assert any("old.db" in s and "older" in s for s in result.skipped)


def test_missing_share_is_not_an_error(tmp_path: Path) -> None:
    result = _poller(tmp_path / "nowhere", tmp_path / "cache", ["1"]).poll()
    assert not result.reachable and result.installed is None and "last checked" in result.status


def test_read_signature_names_the_version_before_anything_is_hashed(releases: dict[str, Path]) -> None:
    _sig, facts, key_id = read_signature(releases["new"])
    assert facts.version == "2099.01.01-1" and len(key_id) == 16


# ----------------------------------------------------------------------------- IT's commands, as IT runs them


def _clinref(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        timeout=120,
    )


@pytest.mark.slow
def test_done_when_build_self_test_and_any_edited_byte(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "db", "build", "--out", str(tmp_path / "X.db")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert built.returncode == 0, built.stderr
    x = tmp_path / "X.db"
    ok = _clinref("--self-test", "--db", str(x))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "self-test passed" in ok.stdout and "signer  key" in ok.stdout and f"origin  {x} (--db)" in ok.stdout
    verified = _clinref("--verify-content", str(x))
    assert verified.returncode == 0 and "genuine" in verified.stdout and BUNDLED_VERSION in verified.stdout
    _flip(x, x.stat().st_size // 3)
    for result in (_clinref("--self-test", "--db", str(x)), _clinref("--verify-content", str(x))):
        assert result.returncode == 1
        assert str(x) in result.stderr and "hash check" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_install_content_command_installs_and_version_reports_it(releases: dict[str, Path], tmp_path: Path) -> None:
    env = {"CLINREF_CONTENT_CACHE": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")}
    installed = _clinref("--install-content", str(releases["new"]), env=env)
    assert installed.returncode == 0, installed.stderr
    assert "installed: content 2099.01.01-1" in installed.stdout
    version = _clinref("--version", env=env)
    assert version.returncode == 0 and "content 2099.01.01-1" in version.stdout
    assert f"installed from {releases['new']}" in version.stdout and "signer  key" in version.stdout
    older = _clinref("--install-content", str(releases["old"]), env=env)
    assert older.returncode == 1 and "version check" in older.stderr and "Traceback" not in older.stderr
    missing = _clinref("--verify-content", str(tmp_path / "nope.db"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_an_unprivileged_user_installs_into_their_own_cache(
    releases: dict[str, Path], capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per machine when writable, else per user: as 'nobody' (a forked child: this machine's Python lives
    under /root, which nobody can run), against a machine folder only root can write.
    """
    import encodings.utf_8_sig  # noqa: F401 - loaded before the fork: the child may not read /root's Python
    import tempfile

    import minisign  # noqa: F401 - likewise

    from desktop.content_commands import install_content

    world = Path(tempfile.mkdtemp(prefix="clinref-unprivileged-"))
    try:
        world.chmod(0o755)
        machine = world / "machine"
        machine.mkdir(mode=0o755)
        home = world / "home"
        home.mkdir()
        share = world / "share"
        release = _copy(releases["new"], share)
        for path in (share, release, signature_path(release)):
            path.chmod(0o755 if path.is_dir() else 0o644)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
        monkeypatch.setenv("CLINREF_CONTENT_CACHE", str(machine))
        monkeypatch.setenv("CLINREF_MACHINE_CONFIG", str(world / "none.toml"))
        if os.geteuid() == 0:
            import pwd

            nobody = pwd.getpwnam("nobody")
            os.chown(home, nobody.pw_uid, nobody.pw_gid)
        else:
            machine.chmod(0o555)
        pid = os.fork()
        if pid == 0:  # the child: drop privileges, install, report by exit status
            code = 99
            try:
                if os.geteuid() == 0:
                    os.setgid(nobody.pw_gid)
                    os.setuid(nobody.pw_uid)
                code = install_content(release)
            except BaseException as exc:
                print(f"child failed: {exc!r}", file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out, err = capfd.readouterr()
        assert os.waitstatus_to_exitcode(status) == 0, err
        assert list(machine.iterdir()) == []
        installed = list((home / "data" / "ClinRef" / "content").glob("clinref-2099.01.01-1-*.db"))
        assert len(installed) == 1 and f"file     {installed[0]}" in out
    finally:
        shutil.rmtree(world, ignore_errors=True)


@pytest.mark.slow
def test_the_frozen_bundle_verifies_its_own_content_and_not_the_checkouts(built_db: Path, tmp_path: Path) -> None:
    """The app from ``python packaging/build.py`` trusts the key it was built with, never a development key."""
    app = ROOT / "dist" / "clinref" / "clinref"
    if not app.is_file() or not sys.platform.startswith("linux"):
        pytest.skip("no Linux bundle in dist/; run python packaging/build.py")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }

    def frozen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(app), *args], capture_output=True, text=True, check=False, env=env, timeout=120)

    ok = frozen("--self-test")
    assert ok.returncode == 0, ok.stderr
    assert "(bundled with ClinRef)" in ok.stdout and "signer  key" in ok.stdout and "release key" in ok.stdout
    foreign = frozen("--verify-content", str(built_db))  # signed with this checkout's development key
    assert foreign.returncode == 1 and "key check" in foreign.stderr and "Traceback" not in foreign.stderr
    bundled = next((app.parent / "_internal" / "content").glob("clinref.db"))
    tampered = _copy(bundled, tmp_path / "t")
    _flip(tampered, tampered.stat().st_size - 1)
    refused = frozen("--verify-content", str(tampered))
    assert refused.returncode == 1 and str(tampered) in refused.stderr and "hash check" in refused.stderr


def test_content_connections_are_hardened_and_read_only(built_db: Path) -> None:
    from db.library import Library

    with Library(built_db) as library:
        conn = library._connection()
        assert conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
        assert conn.execute("PRAGMA cell_size_check").fetchone()[0] == 1
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
        assert conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("CREATE TABLE t (x)")
        if hasattr(conn, "getconfig") and hasattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE"):  # Python 3.12+
            assert conn.getconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE)


def test_a_library_whose_file_changes_never_returns_rows_from_the_new_file(
    releases: dict[str, Path], tmp_path: Path
) -> None:
    from db.library import Library
    from db.library.library import ContentChanged

    path = _copy(releases["old"], tmp_path)
    with Library(path) as library:
        assert library.treatment("clonazepam") is not None
        shutil.copyfile(releases["new"], path)  # cp new.db live.db, under an open Library
        assert library.changed()
        with pytest.raises(ContentChanged):
            library.treatment("clonazepam")


def test_a_recopied_release_is_found_by_a_stat_next_time(releases: dict[str, Path], tmp_path: Path) -> None:
    cache = ContentCache([tmp_path / "cache"])
    share = _copy(releases["new"], tmp_path / "share")
    first = cache.install(share, _keys()).installed
    assert cache.from_source(share) == first
    os.utime(share, ns=(first.source_mtime_ns + 10**9, first.source_mtime_ns + 10**9))  # IT copies it again
    assert cache.from_source(share) is None
    again = cache.install(share, _keys())
    assert not again.new and again.installed.path == first.path
    assert cache.from_source(share) == again.installed  # next start: a stat, no hashing, no crypto


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=600), st.text(max_size=600).map(lambda t: t.encode("utf-8", "replace"))))
def test_any_signature_file_is_read_or_refused_as_a_signature_problem(
    built_db: Path, tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    folder = tmp_path_factory.mktemp("sig")
    path = folder / "clinref.db"
    path.symlink_to(built_db)
    signature_path(path).write_bytes(raw)
    with pytest.raises(TrustError) as raised:
        verify(path, _keys())
    assert raised.value.check in ("signature", "key")


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_any_public_key_file_is_read_or_reported(text: str) -> None:
    import tempfile

    from db.machine_config import MachineConfig, Setting

    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "odd.pub"
        key.write_text(text, encoding="utf-8")
        keys, problems = load_trusted_keys(MachineConfig(trusted_keys=(Setting(str(key), "test"),)))
        assert len([k for k in keys if k.origin.endswith(str(key))]) + len(problems) == 1
