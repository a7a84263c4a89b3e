"""``clinref --verify-content PATH`` and ``clinref --install-content PATH``: for IT's scripts and detection rules.

No Qt, no display, never a traceback: exit 0 and the facts, or exit 1 and the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

from db.content_signature import version_key
from db.errors import LibraryError
from db.library.content_cache import ContentCache, must_exist
from db.library.locate import OpenedContent, bundled_version, read_config
from db.library.trust import TrustedKey, load_trusted_keys, verify
from db.machine_config import MachineConfig


def _settings() -> tuple[MachineConfig, list[TrustedKey], bool]:
    """The machine settings and the keys they trust, each problem printed; and whether the settings were sound."""
    config, problem = read_config()
    if problem:
        print(problem, file=sys.stderr)
    keys, key_problems = load_trusted_keys(config)
    for text in key_problems:
        print(text, file=sys.stderr)
    return config, keys, problem is None


def verify_content(path: Path) -> int:
    """Check a content file where it is, fully; print version, date and signer, or why not."""
    _, keys, _ = _settings()  # unusable settings still leave the shipped keys to check against
    try:
        must_exist(path)
        verified = verify(path, keys)
    except LibraryError as exc:
        print(f"NOT GENUINE: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for IT's scripts
        print(f"NOT GENUINE: {path}: cannot be checked ({exc})", file=sys.stderr)
        return 1
    f = verified.facts
    print(
        f"genuine: {path}\n  content  {f.version} (latest article {f.date}; schema {f.schema}"
        + (f"; review by {f.review_by}" if f.review_by else "")
        + f")\n  signer   key {verified.key_id} ({verified.key_origin})\n  sha256   {verified.sha256}"
    )
    return 0


def install_content(path: Path) -> int:
    """Verify ``path`` and install it into the content cache (per machine when writable, else per user)."""
    config, keys, sound = _settings()
    if not sound:  # installing under settings IT did not mean could downgrade or go to the wrong place
        return 1
    cache = ContentCache()
    newest = cache.newest()
    versions = [v for v in (newest.version if newest else None, bundled_version()) if v]
    current = max(versions, key=version_key) if versions else None
    try:
        result = cache.install(path, keys, newer_than=current, allow_downgrade=config.allow_downgrade)
    except LibraryError as exc:
        print(f"NOT INSTALLED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for IT's scripts
        print(f"NOT INSTALLED: {path}: {exc}", file=sys.stderr)
        return 1
    item = result.installed
    print(
        f"{'installed' if result.new else 'already installed'}: content {item.version} (latest article {item.date})"
        f"\n  file     {item.path}\n  signer   key {item.key_id} ({item.key_origin})\n  from     {item.source}\n"
        "ClinRef opens it at its next start; a running ClinRef offers to reload."
    )
    return 0


def describe(opened: OpenedContent) -> str:
    """Which file is in use, its version, signer and origin: for ``--version`` and ``--self-test``."""
    m = opened.library.manifest
    lines = [
        f"content {m.content_version} ({m.content_title}; latest article {m.content_date}; schema {m.schema_version})",
        f"file    {opened.library.path}",
        f"origin  {opened.origin}",
        f"signer  {opened.signer}",
    ]
    review = opened.review_notice()
    if review:
        lines.append(f"review  {review}")
    return "\n".join(lines)
