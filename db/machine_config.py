"""The machine-wide configuration IT sets: one reader for the TOML file and the Windows policies.

Sources, first one that sets a value wins:

1. environment variables (``CLINREF_DB``, ``CLINREF_CONTENT_SOURCE``), for tests and scripts;
2. on Windows, the registry: ``HKLM\\Software\\Policies\\ClinRef`` (Group Policy / Intune, from the
   ADMX templates), then ``HKLM\\Software\\ClinRef`` (written by the MSI);
3. the machine settings file (``/etc/clinref/clinref.toml``; see :func:`db.paths.machine_config_path`).

Registry value names and types: ``ContentPath`` (REG_SZ), ``ContentSource`` (REG_SZ),
``TrustedKeys`` (REG_MULTI_SZ), ``AllowDowngrade`` (REG_DWORD). The registry is read through an
injected :class:`RegistryReader`, so the same code path is tested on Linux with a fake one;
``winreg`` is imported only on Windows.

A bad setting is never ignored: :class:`MachineConfigError` names the file (or registry key), the
line, what is wrong and the allowed keys, and the self-test fails on it. Stdlib only.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Protocol

from db.paths import DATABASE_ENV, machine_config_path

#: Environment variable naming the folder IT drops signed content files into (tests, scripts).
CONTENT_SOURCE_ENV = "CLINREF_CONTENT_SOURCE"

#: The keys a machine settings file may hold, and what each is for (shown when a key is misspelt).
ALLOWED_KEYS: Mapping[str, str] = {
    "database": "the content file every user of the machine opens (an absolute path)",
    "content_source": "a folder (often a share) where IT drops signed content files (an absolute path)",
    "trusted_keys": "keys trusted besides the release keys: minisign public keys ('RW...') or absolute .pub paths",
    "allow_downgrade": "true to install content older than the machine already has (default false)",
}

#: Where Group Policy writes, then where the MSI writes.
POLICY_KEY = r"Software\Policies\ClinRef"
MSI_KEY = r"Software\ClinRef"

#: Registry value name -> (configuration key, expected registry type name).
REGISTRY_VALUES: Mapping[str, tuple[str, str]] = {
    "ContentPath": ("database", "REG_SZ"),
    "ContentSource": ("content_source", "REG_SZ"),
    "TrustedKeys": ("trusted_keys", "REG_MULTI_SZ"),
    "AllowDowngrade": ("allow_downgrade", "REG_DWORD"),
}

# winreg's type numbers (the documented Windows constants), so the fake registry speaks the same.
REG_SZ, REG_EXPAND_SZ, REG_DWORD, REG_MULTI_SZ = 1, 2, 4, 7
_REG_TYPE_NAMES = {
    REG_SZ: "REG_SZ",
    REG_EXPAND_SZ: "REG_EXPAND_SZ",
    REG_DWORD: "REG_DWORD",
    REG_MULTI_SZ: "REG_MULTI_SZ",
}

_MINISIGN_KEY = re.compile(r"^RW[A-Za-z0-9+/]{54}$")


class MachineConfigError(ValueError):
    """A machine setting that cannot be used; the message names where, what, and what to do."""


class RegistryReader(Protocol):
    """Reads the values under one ``HKEY_LOCAL_MACHINE`` key: name -> (value, winreg type); None if absent."""

    def __call__(self, key: str) -> Mapping[str, tuple[Any, int]] | None: ...


@dataclass(frozen=True)
class Setting:
    """One value and where it was set (for messages and ``--version``)."""

    value: Any
    origin: str


@dataclass(frozen=True)
class MachineConfig:
    """The machine's settings, each with its origin. Paths are absolute."""

    database: Setting | None = None
    content_source: Setting | None = None
    trusted_keys: tuple[Setting, ...] = ()
    allow_downgrade: bool = False
    sources: tuple[str, ...] = field(default=())

    def database_path(self) -> tuple[Path, str] | None:
        """The content file named machine-wide and where it was named, or None."""
        return (Path(self.database.value), self.database.origin) if self.database else None

    def content_source_path(self) -> tuple[Path, str] | None:
        return (Path(self.content_source.value), self.content_source.origin) if self.content_source else None


def _is_absolute(text: str, platform: str) -> bool:
    if platform == "win32":
        return PureWindowsPath(text).is_absolute()
    return PurePosixPath(text).is_absolute()


def _line_of(lines: list[str], pattern: str) -> int:
    compiled = re.compile(pattern)
    for number, line in enumerate(lines, start=1):
        if compiled.match(line):
            return number
    return 1


def _allowed() -> str:
    return "allowed keys: " + ", ".join(ALLOWED_KEYS)


def _check_path(value: Any, key: str, where: str, platform: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MachineConfigError(f"{where}: '{key}' must be a path in quotes ({ALLOWED_KEYS[key]})")
    text = os.path.expanduser(value.strip()) if platform != "win32" else value.strip()
    if not _is_absolute(text, platform):
        raise MachineConfigError(
            f"{where}: '{key}' must be an absolute path, not {value.strip()!r} (it would depend on the folder "
            "ClinRef is started from); write the full path"
        )
    return text


def _check_keys(value: Any, where: str, platform: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MachineConfigError(
            f"{where}: 'trusted_keys' must be a list of texts, "
            'e.g. trusted_keys = ["RWQ...", "/etc/clinref/local.pub"]'
        )
    keys: list[str] = []
    for item in (v.strip() for v in value):
        if not item:
            continue
        if not _MINISIGN_KEY.match(item) and not _is_absolute(item, platform):
            raise MachineConfigError(
                f"{where}: trusted key {item!r} is neither a minisign public key (56 characters, starting 'RW') "
                "nor an absolute path of a .pub file"
            )
        keys.append(item)
    return tuple(keys)


def _check_bool(value: Any, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # REG_DWORD
        return bool(value)
    raise MachineConfigError(f"{where}: '{key}' must be true or false (a REG_DWORD of 0 or 1 in the registry)")


def read_toml(path: Path, platform: str = sys.platform) -> dict[str, Setting]:
    """The settings in a machine settings file, checked; {} when there is no file."""
    try:
        if not path.is_file():
            return {}
        # utf-8-sig: Notepad and PowerShell 5 put a byte-order mark before the text; TOML does not allow one.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise MachineConfigError(
            f"{path}: cannot read the machine settings ({reason}); fix or remove the file"
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MachineConfigError(f"{path}: cannot read the machine settings ({exc}); fix or remove the file") from exc
    lines = text.splitlines()
    for key, value in data.items():
        if isinstance(value, dict):
            line = _line_of(lines, rf"^\s*\[+\s*{re.escape(key)}\s*\]")
            raise MachineConfigError(
                f"{path}:{line}: [{key}]: the machine settings have no tables; put the keys at the top of the "
                f"file, before any [section] ({_allowed()})"
            )
        if key not in ALLOWED_KEYS:
            line = _line_of(lines, rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
            raise MachineConfigError(f"{path}:{line}: unknown key {key!r} ({_allowed()})")
    settings: dict[str, Setting] = {}
    for key, value in data.items():
        line = _line_of(lines, rf"^\s*{re.escape(key)}\s*=")
        where = f"{path}:{line}"
        settings[key] = Setting(_validate(key, value, where, platform), str(path))
    return settings


def _validate(key: str, value: Any, where: str, platform: str) -> Any:
    if key in ("database", "content_source"):
        return _check_path(value, key, where, platform)
    if key == "trusted_keys":
        return _check_keys(value, where, platform)
    return _check_bool(value, key, where)


def read_registry(reader: RegistryReader, key: str, platform: str = "win32") -> dict[str, Setting]:
    """The settings under one HKLM key, checked; {} when the key does not exist.

    Value names ClinRef does not know are left alone: the key may hold other tools' values.
    """
    values = reader(key)
    if not values:
        return {}
    where = f"HKLM\\{key}"
    settings: dict[str, Setting] = {}
    for name, (config_key, expected) in REGISTRY_VALUES.items():
        if name not in values:
            continue
        value, kind = values[name]
        kind_name = _REG_TYPE_NAMES.get(kind, f"type {kind}")
        accepted = {expected} | ({"REG_EXPAND_SZ"} if expected == "REG_SZ" else set())
        if kind_name not in accepted:
            raise MachineConfigError(f"{where}\\{name}: must be a {expected}, not a {kind_name}")
        if kind_name == "REG_EXPAND_SZ":
            value = os.path.expandvars(value)
        settings[config_key] = Setting(
            _validate(config_key, list(value) if expected == "REG_MULTI_SZ" else value, f"{where}\\{name}", platform),
            where,
        )
    return settings


def windows_registry_reader() -> RegistryReader:  # pragma: no cover - Windows only
    """Reads HKEY_LOCAL_MACHINE with ``winreg`` (64-bit view)."""
    if sys.platform != "win32":
        raise OSError("the Windows registry exists only on Windows")
    import winreg

    def read(key: str) -> Mapping[str, tuple[Any, int]] | None:
        try:
            handle = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)
        except OSError:
            return None
        values: dict[str, tuple[Any, int]] = {}
        with handle:
            index = 0
            while True:
                try:
                    name, value, kind = winreg.EnumValue(handle, index)
                except OSError:
                    break
                values[name] = (value, kind)
                index += 1
        return values

    return read


def read_machine_config(
    *,
    config_path: Path | None = None,
    registry: RegistryReader | None = None,
    platform: str = sys.platform,
    environ: Mapping[str, str] | None = None,
) -> MachineConfig:
    """Every machine setting, merged: environment, then (Windows) policies and MSI keys, then the file.

    Raises :class:`MachineConfigError` naming the first bad setting found.
    """
    env = os.environ if environ is None else environ
    layers: list[dict[str, Setting]] = []
    env_layer: dict[str, Setting] = {}
    for key, variable in (("database", DATABASE_ENV), ("content_source", CONTENT_SOURCE_ENV)):
        value = env.get(variable, "").strip()
        if value:
            env_layer[key] = Setting(
                _check_path(value, key, f"the {variable} environment variable", platform),
                f"the {variable} environment variable",
            )
    layers.append(env_layer)
    if platform == "win32":
        reader = registry if registry is not None else windows_registry_reader()
        layers += [read_registry(reader, POLICY_KEY, platform), read_registry(reader, MSI_KEY, platform)]
    layers.append(read_toml(config_path or machine_config_path(), platform))
    merged: dict[str, Setting] = {}
    for layer in layers:
        for key, setting in layer.items():
            merged.setdefault(key, setting)
    keys = merged.get("trusted_keys")
    downgrade = merged.get("allow_downgrade")
    return MachineConfig(
        database=merged.get("database"),
        content_source=merged.get("content_source"),
        trusted_keys=tuple(Setting(k, keys.origin) for k in keys.value) if keys else (),
        allow_downgrade=bool(downgrade.value) if downgrade else False,
        sources=tuple(sorted({s.origin for s in merged.values()})),
    )
