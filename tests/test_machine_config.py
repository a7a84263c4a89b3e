"""Machine settings: the TOML file and the Windows policies are one code path, and a bad setting is never ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.machine_config import (
    MSI_KEY,
    POLICY_KEY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_SZ,
    MachineConfigError,
    read_machine_config,
)

KEY = "RWQk2edmJ654n3SxkzXKEkkmoj1EQj/hGOkeiaSiP0OoBmZUdaoCqcgm"


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clinref.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _read(path: Path, **kwargs: Any) -> Any:
    return read_machine_config(config_path=path, environ=kwargs.pop("environ", {}), **kwargs)


def test_every_key_is_read_with_where_it_came_from(tmp_path: Path) -> None:
    path = _toml(
        tmp_path,
        '# comment\ndatabase = "/srv/clinref/clinref.db"\ncontent_source = "/srv/clinref/releases"\n'
        f'trusted_keys = ["{KEY}", "/etc/clinref/local.pub"]\nallow_downgrade = true\n',
    )
    config = _read(path, platform="linux")
    assert config.database_path() == (Path("/srv/clinref/clinref.db"), str(path))
    assert config.content_source_path() == (Path("/srv/clinref/releases"), str(path))
    assert [k.value for k in config.trusted_keys] == [KEY, "/etc/clinref/local.pub"]
    assert config.allow_downgrade is True


def test_no_file_means_no_settings(tmp_path: Path) -> None:
    config = _read(tmp_path / "missing.toml", platform="linux")
    assert config.database is None and config.content_source is None and not config.allow_downgrade


def test_misspelt_key_is_refused_with_its_line_and_the_allowed_keys(tmp_path: Path) -> None:
    path = _toml(tmp_path, '# IT\n\ndatabse = "/srv/clinref/clinref.db"\n')
    with pytest.raises(MachineConfigError) as raised:
        _read(path, platform="linux")
    message = str(raised.value)
    assert f"{path}:3:" in message and "'databse'" in message
    assert "allowed keys: database, content_source, trusted_keys, allow_downgrade" in message


def test_keys_under_a_table_are_refused(tmp_path: Path) -> None:
    path = _toml(tmp_path, '\n[clinref]\ndatabase = "/srv/clinref/clinref.db"\n')
    with pytest.raises(MachineConfigError) as raised:
        _read(path, platform="linux")
    assert f"{path}:2:" in str(raised.value) and "no tables" in str(raised.value)


@pytest.mark.parametrize("value", ["clinref.db", "./share/clinref.db", "../clinref.db"])
def test_relative_paths_are_refused(tmp_path: Path, value: str) -> None:
    path = _toml(tmp_path, f'database = "{value}"\n')
    with pytest.raises(MachineConfigError) as raised:
        _read(path, platform="linux")
    assert f"{path}:1:" in str(raised.value) and "absolute path" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("database = 3\n", "path in quotes"),
        ('trusted_keys = "RW..."\n', "list of texts"),
        ('trusted_keys = ["not a key"]\n', "neither a minisign public key"),
        ('allow_downgrade = "yes"\n', "true or false"),
        ("database = \n", "cannot read the machine settings"),
    ],
)
def test_wrong_values_are_refused(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(MachineConfigError, match=says):
        _read(_toml(tmp_path, text), platform="linux")


def test_environment_wins_and_must_be_absolute_too(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'database = "/srv/a.db"\n')
    config = _read(path, platform="linux", environ={"CLINREF_DB": "/tmp/b.db", "CLINREF_CONTENT_SOURCE": "/mnt/share"})
    assert config.database_path() == (Path("/tmp/b.db"), "the CLINREF_DB environment variable")
    assert config.content_source_path() == (Path("/mnt/share"), "the CLINREF_CONTENT_SOURCE environment variable")
    with pytest.raises(MachineConfigError, match="CLINREF_DB"):
        _read(path, platform="linux", environ={"CLINREF_DB": "relative.db"})


class FakeRegistry:
    """HKEY_LOCAL_MACHINE as winreg would show it: key -> value name -> (data, type)."""

    def __init__(self, keys: Mapping[str, Mapping[str, tuple[Any, int]]]) -> None:
        self.keys = keys
        self.read: list[str] = []

    def __call__(self, key: str) -> Mapping[str, tuple[Any, int]] | None:
        self.read.append(key)
        return self.keys.get(key)


def test_windows_policies_win_over_the_msi_keys_and_the_file(tmp_path: Path) -> None:
    registry = FakeRegistry(
        {
            POLICY_KEY: {"ContentSource": (r"\\fileserver\clinref\releases", REG_SZ), "Unrelated": ("x", REG_SZ)},
            MSI_KEY: {
                "ContentPath": (r"C:\ClinRef\clinref.db", REG_SZ),
                "ContentSource": (r"\\old\share", REG_SZ),
                "TrustedKeys": ([KEY, r"C:\ClinRef\local.pub"], REG_MULTI_SZ),
                "AllowDowngrade": (1, REG_DWORD),
            },
        }
    )
    path = _toml(tmp_path, "database = 'D:\\\\other.db'\n")
    config = _read(path, platform="win32", registry=registry)
    assert registry.read == [POLICY_KEY, MSI_KEY]
    assert config.content_source == config.content_source.__class__(
        r"\\fileserver\clinref\releases", r"HKLM\Software\Policies\ClinRef"
    )
    assert config.database is not None and config.database.value == r"C:\ClinRef\clinref.db"
    assert config.database.origin == r"HKLM\Software\ClinRef"
    assert [k.value for k in config.trusted_keys] == [KEY, r"C:\ClinRef\local.pub"]
    assert config.allow_downgrade is True


def test_windows_file_is_read_when_no_policy_sets_a_value(tmp_path: Path) -> None:
    path = _toml(tmp_path, "database = '\\\\server\\share\\clinref.db'\n")
    config = _read(path, platform="win32", registry=FakeRegistry({}))
    assert config.database is not None and config.database.value == r"\\server\share\clinref.db"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"AllowDowngrade": ("1", REG_SZ)}, r"AllowDowngrade: must be a REG_DWORD, not a REG_SZ"),
        ({"TrustedKeys": (KEY, REG_SZ)}, "must be a REG_MULTI_SZ"),
        ({"ContentPath": ("clinref.db", REG_SZ)}, "absolute path"),
        ({"AllowDowngrade": (7, REG_DWORD)}, "true or false"),
    ],
)
def test_wrong_registry_values_are_refused_naming_the_value(values: dict[str, tuple[Any, int]], says: str) -> None:
    with pytest.raises(MachineConfigError, match=says.replace("\\", "\\\\")) as raised:
        read_machine_config(
            config_path=Path("/nonexistent/clinref.toml"),
            environ={},
            platform="win32",
            registry=FakeRegistry({POLICY_KEY: values}),
        )
    assert str(raised.value).startswith(r"HKLM\Software\Policies\ClinRef")


def test_expand_sz_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINREF_TEST_DRIVE", "E:")
    config = read_machine_config(
        config_path=Path("/nonexistent/clinref.toml"),
        environ={},
        platform="win32",
        registry=FakeRegistry({MSI_KEY: {"ContentPath": (r"$CLINREF_TEST_DRIVE\clinref.db", REG_EXPAND_SZ)}}),
    )
    assert config.database is not None and config.database.value == r"E:\clinref.db"


def test_the_registry_is_not_read_off_windows(tmp_path: Path) -> None:
    registry = FakeRegistry({POLICY_KEY: {"ContentPath": ("C:\\x.db", REG_SZ)}})
    assert _read(tmp_path / "none.toml", platform="linux", registry=registry).database is None
    assert registry.read == []


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_file_text_gives_settings_or_a_located_message(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clinref.toml"
        path.write_text(text, encoding="utf-8")
        try:
            read_machine_config(config_path=path, environ={}, platform="linux")
        except MachineConfigError as exc:
            assert str(exc).startswith(str(path))


def test_self_test_fails_on_a_misspelt_key_naming_it(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'databse = "/srv/clinref/clinref.db"\n')
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CLINREF_MACHINE_CONFIG": str(path), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 1
    assert f"{path}:1:" in out.stderr and "'databse'" in out.stderr and "allowed keys" in out.stderr
    assert "Traceback" not in out.stderr
