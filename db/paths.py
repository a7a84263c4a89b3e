"""Where ClinRef's files are, from a source checkout and from a frozen (PyInstaller) bundle.

This is the one place that knows the difference: everything else asks here.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

DATABASE_NAME = "clinref.db"

#: Environment variable that points every user of a machine at one content file.
DATABASE_ENV = "CLINREF_DB"

#: Environment variable that moves the machine settings file (for tests and unusual layouts).
MACHINE_CONFIG_ENV = "CLINREF_MACHINE_CONFIG"


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
    """The machine-wide settings file IT can deploy (TOML, key ``database``)."""
    if os.environ.get(MACHINE_CONFIG_ENV):
        return Path(os.environ[MACHINE_CONFIG_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "ClinRef" / "clinref.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/ClinRef/clinref.toml")
    return Path("/etc/clinref/clinref.toml")


def configured_database_path() -> tuple[Path, str] | None:
    """A content file named machine-wide, with where it was named; None when nothing is set.

    ``CLINREF_DB`` wins over the machine settings file's ``database = "..."``. An unreadable
    or malformed settings file is reported by raising ``ValueError`` naming the file.
    """
    value = os.environ.get(DATABASE_ENV, "").strip()
    if value:
        return Path(value).expanduser(), f"the {DATABASE_ENV} environment variable"
    config = machine_config_path()
    if not config.is_file():
        return None
    try:
        # utf-8-sig: Notepad and PowerShell 5 put a byte-order mark before the text; TOML does not allow one.
        data = tomllib.loads(config.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{config}: cannot read the machine settings ({exc}); fix or remove the file") from exc
    database = data.get("database")
    if database is None:
        return None
    if not isinstance(database, str) or not database.strip():
        raise ValueError(f"{config}: 'database' must be the path of a clinref.db file, in quotes")
    return Path(database.strip()).expanduser(), str(config)
