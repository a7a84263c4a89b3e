"""The fingerprint of a content source tree: what the build records and what a checkout compares.

Standard library only, so the running app can tell that its build is out of date without
importing the build tools.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def source_files(root: Path) -> list[Path]:
    """Every file under ``root`` that a build reads or could read, in a fixed order."""
    if not root.is_dir():
        return []
    return sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def inputs_hash(root: Path) -> str:
    """SHA-256 over every source file's path (relative to ``root``) and bytes."""
    digest = hashlib.sha256()
    for path in source_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
