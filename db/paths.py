"""Where ClinRef's files are, from a source checkout and from a frozen (PyInstaller) bundle.

This is the one place that knows the difference: everything else asks here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATABASE_NAME = "clinref.db"

#: Environment variable that points every user of a machine at one content file.
DATABASE_ENV = "CLINREF_DB"

#: Environment variable that moves the machine settings file (for tests and unusual layouts).
MACHINE_CONFIG_ENV = "CLINREF_MACHINE_CONFIG"

#: Environment variable that moves the per-machine content cache (for tests and unusual layouts).
CONTENT_CACHE_ENV = "CLINREF_CONTENT_CACHE"


def is_frozen() -> bool:
    """True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def bundle_root() -> Path:
    """The folder that holds ``resources/`` (and, frozen, the prebuilt ``content/``)."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS"))  # noqa: B009 - set only by PyInstaller
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """The read-only resources: content sources, disclaimer, icons, styles."""
    return bundle_root() / "resources"


def content_sources_dir() -> Path:
    """The editable content sources that ``python -m db build`` compiles."""
    return resources_dir() / "content"


def default_database_path() -> Path:
    """The content database the app opens when none is named.

    Frozen: the prebuilt file inside the bundle. From source: ``build/clinref.db`` in the
    checkout, which ``python -m db build`` writes by default and the app builds when missing.
    """
    if is_frozen():
        return bundle_root() / "content" / DATABASE_NAME
    return bundle_root() / "build" / DATABASE_NAME


def machine_config_path() -> Path:
    """The machine-wide settings file IT can deploy (TOML; read by :mod:`db.machine_config`)."""
    if os.environ.get(MACHINE_CONFIG_ENV):
        return Path(os.environ[MACHINE_CONFIG_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "ClinRef" / "clinref.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/ClinRef/clinref.toml")
    return Path("/etc/clinref/clinref.toml")


def content_cache_dirs() -> list[Path]:
    """Where installed (verified, versioned) content files live: per machine first, then per user.

    Per machine: ``/var/lib/clinref/content`` (Linux), ``%ProgramData%\\ClinRef\\content`` (Windows),
    ``/Library/Application Support/ClinRef/content`` (macOS); per user, the XDG data folder
    (``$XDG_DATA_HOME/ClinRef/content``; ``%LOCALAPPDATA%\\ClinRef\\content`` on Windows), as
    QStandardPaths' AppLocalDataLocation names it. ``CLINREF_CONTENT_CACHE`` replaces the per-machine
    folder (tests, unusual layouts).
    """
    override = os.environ.get(CONTENT_CACHE_ENV, "").strip()
    if override:
        machine = Path(override)
    elif sys.platform == "win32":
        machine = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "ClinRef" / "content"
    elif sys.platform == "darwin":
        machine = Path("/Library/Application Support/ClinRef/content")
    else:
        machine = Path("/var/lib/clinref/content")
    return [machine, user_data_dir() / "content"]


def user_data_dir() -> Path:
    """The per-user data folder, as Qt's ``AppLocalDataLocation`` names it (without importing Qt)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "ClinRef"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "ClinRef"
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share") / "ClinRef"


def release_keys_dir() -> Path:
    """The public keys shipped with ClinRef (``*.pub``, minisign format): content they sign is trusted."""
    return resources_dir() / "keys"


def development_keys_dir() -> Path:
    """From a checkout: the development key pair ``python -m db build`` makes on first use (gitignored)."""
    return bundle_root() / "build" / "keys"
