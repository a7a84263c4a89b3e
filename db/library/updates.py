"""Looking for new content where IT drops it: a folder (``content_source``), or the configured file itself.

Qt-free and synchronous: the app runs :meth:`SharePoller.poll` on a worker thread at start and
every few minutes. Each poll installs at most one file, the newest genuine one newer than what
the machine has (:mod:`db.library.content_cache`). A file that is half-copied, unsigned, tampered
with, signed by an unknown key, or older is skipped with one log line and one status entry, and
is looked at again only once it changes (a half-copied file is picked up when the copy completes).
A missing or unreachable share is not an error: the result just says when it was last checked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from db.content_signature import signature_path, version_key
from db.errors import LibraryError
from db.library.content_cache import ContentCache, Installed
from db.library.trust import TrustedKey, TrustError, read_signature

log = logging.getLogger("clinref.content")


@dataclass(frozen=True)
class PollResult:
    checked_at: dt.datetime
    reachable: bool
    installed: Installed | None = None
    skipped: tuple[str, ...] = ()
    status: str = ""


@dataclass
class SharePoller:
    """Finds and installs new content. ``current`` says which version the app shows now."""

    folder: Path | None
    named: Path | None
    cache: ContentCache
    keys: Sequence[TrustedKey]
    current: Callable[[], str]
    allow_downgrade: bool = False
    _seen: dict[Path, tuple[object, ...]] = field(default_factory=dict)

    def candidates(self) -> tuple[list[Path], bool]:
        """Content files to look at, and whether the share could be read at all."""
        found: list[Path] = []
        reachable = True
        if self.folder is not None:
            try:
                found += sorted(p for p in self.folder.iterdir() if p.suffix == ".db" and not p.name.startswith("."))
            except OSError:
                reachable = False
        if self.named is not None:
            try:
                if self.named.is_file():
                    found.append(self.named)
                else:
                    reachable = False
            except OSError:
                reachable = False
        return found, reachable

    @staticmethod
    def _fingerprint(path: Path) -> tuple[object, ...]:
        parts: list[object] = []
        for p in (path, signature_path(path)):
            try:
                st = p.stat()
                parts += [st.st_size, st.st_mtime_ns, st.st_ino]
            except OSError:
                parts += [None, None, None]
        return tuple(parts)

    def poll(self) -> PollResult:
        now = dt.datetime.now().astimezone()
        files, reachable = self.candidates()
        where = ", ".join(str(p) for p in (self.folder, self.named) if p is not None)
        if not files:
            status = f"last checked {now:%H:%M}" + ("" if reachable else f" ({where} cannot be reached)")
            return PollResult(now, reachable, status=status)
        current = self.current()
        ranked: list[tuple[tuple[int, ...], Path, str]] = []
        skipped: list[str] = []
        for path in files:
            fingerprint = self._fingerprint(path)
            if self._seen.get(path) == fingerprint:
                continue  # looked at already, unchanged since: no new log line
            self._seen[path] = fingerprint
            try:
                _sig, facts, _key = read_signature(path)
            except TrustError as exc:
                skipped.append(self._skip(path, exc))
                continue
            older = version_key(facts.version) < version_key(current)
            if version_key(facts.version) == version_key(current) or (older and not self.allow_downgrade):
                if older:
                    skipped.append(
                        self._skip(
                            path, f"it is content {facts.version}, older than the {current} this machine has (rollback)"
                        )
                    )
                continue
            ranked.append((version_key(facts.version), path, facts.version))
        installed: Installed | None = None
        for _rank, path, _version in sorted(ranked, key=lambda r: r[0], reverse=True):
            try:
                result = self.cache.install(path, self.keys, newer_than=current, allow_downgrade=self.allow_downgrade)
            except (LibraryError, OSError) as exc:
                skipped.append(self._skip(path, exc))
                continue
            installed = result.installed
            log.info("installed content %s from %s as %s", installed.version, path, installed.path)
            break
        status = f"last checked {now:%H:%M}"
        if installed is not None:
            status = f"content {installed.version} installed from {installed.source}; {status}"
        return PollResult(now, reachable, installed, tuple(skipped), status)

    def _skip(self, path: Path, reason: object) -> str:
        text = f"skipped {path}: {str(reason).removeprefix(f'{path}: ')}"
        log.warning("%s", text)
        return text
