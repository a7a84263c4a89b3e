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


def configured_database_path() -> Path | None:
    """A machine-wide content file named by ``CLINREF_DB``, if set."""
    value = os.environ.get(DATABASE_ENV, "").strip()
    return Path(value).expanduser() if value else None
