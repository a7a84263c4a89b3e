"""The local content cache: the only place, besides the program's own folder, content is opened from.

Installing copies a content file (and its ``.minisig``) into the cache, verifies the copy there,
then renames it atomically to a versioned name (``clinref-<version>-<sha256[:12]>.db``) and writes
a record of what was verified (size, mtime, inode, SHA-256, signer). Nothing ever writes to an
installed file again, so the app opens it ``immutable=1`` and, at start, trusts it after a cheap
check of that record (:meth:`Installed.quick_check`); the full re-hash runs off the GUI thread.

Per machine when that folder is writable (IT, SYSTEM, root), else per user: see
:func:`db.paths.content_cache_dirs`.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from db.content_signature import SignedFacts, signature_path, version_key
from db.errors import LibraryError
from db.library.trust import RECOPY, TrustedKey, TrustError, Verified, signature_of, untrusted_key, verify
from db.paths import content_cache_dirs

RECORD_SUFFIX = ".verified.json"
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class Installed:
    """An installed content file and the record of its verification."""

    path: Path
    size: int
    mtime_ns: int
    inode: int
    sha256: str
    version: str
    schema: int
    date: str
    review_by: str
    key_id: str
    key_origin: str
    source: str
    source_size: int = -1
    source_mtime_ns: int = -1
    explicit: bool = False  # installed for ``--db`` (per user): opened only when named again, never as "the newest"

    @property
    def facts(self) -> SignedFacts:
        return SignedFacts(self.version, self.schema, self.date, self.sha256, self.review_by)

    def quick_check(self) -> str | None:
        """Why the file is not the one verified (by size, mtime, inode), or None when it looks unchanged."""
        try:
            st = self.path.stat()
        except OSError as exc:
            return f"it cannot be read ({exc.strerror})"
        if (st.st_size, st.st_mtime_ns, st.st_ino) != (self.size, self.mtime_ns, self.inode):
            return "it changed after it was installed and verified"
        return None

    def full_check(self, keys: Iterable[TrustedKey]) -> Verified:
        """Re-hash and re-verify the installed file; :class:`TrustError` if it is no longer genuine."""
        verified = verify(self.path, keys)
        if verified.sha256 != self.sha256:
            raise TrustError(self.path, "hash", "it differs from the file that was installed", RECOPY)
        return verified


@dataclass(frozen=True)
class InstallResult:
    installed: Installed
    new: bool  # False: the same file (by SHA-256) was installed already


def _record_path(content: Path) -> Path:
    return content.with_name(content.name + RECORD_SUFFIX)


def _read_record(path: Path) -> Installed | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["path"] = path.parent / data.pop("file")  # an absolute "file" (the bundled content) stays as it is
        return Installed(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _safe(version: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", version)[:40] or "content"


class ContentCache:
    """The installed content files across the cache folders (per machine, per user)."""

    def __init__(self, dirs: Sequence[Path] | None = None) -> None:
        self.dirs = list(dirs) if dirs is not None else content_cache_dirs()

    def installed(self) -> list[Installed]:
        """Every installed file with a readable record, newest version first."""
        found: list[Installed] = []
        for directory in self.dirs:
            try:
                records = sorted(directory.glob("*" + RECORD_SUFFIX))
            except OSError:
                continue
            for record in records:
                item = _read_record(record)
                if item is not None:
                    found.append(item)
        found.sort(key=lambda i: (version_key(i.version), i.version), reverse=True)
        return found

    def newest(self) -> Installed | None:
        """The newest installed file that passes the quick check."""
        return next((i for i in self.installed() if not i.explicit and i.quick_check() is None), None)

    def from_source(self, source: Path) -> Installed | None:
        """An installed copy of ``source`` as it is now (same path, size and mtime), if any."""
        try:
            st = source.stat()
        except OSError:
            return None
        for item in self.installed():
            if (
                item.source == str(source)
                and (item.source_size, item.source_mtime_ns) == (st.st_size, st.st_mtime_ns)
                and item.quick_check() is None
            ):
                return item
        return None

    def bundled_record(self, path: Path) -> Installed | None:
        """The record of an earlier full verification of the bundled file ``path``, if it still matches."""
        name = _bundled_record_name(path)
        for directory in self.dirs:
            item = _read_record(directory / name)
            if item is not None and item.path == path.resolve() and item.quick_check() is None:
                return item
        return None

    def save_bundled_record(self, verified: Verified) -> None:
        """Remember that the bundled file passed every check (best effort: a read-only profile just verifies again)."""
        try:
            directory = self.writable_dir(per_user=True)
            _write_record(
                _installed(verified, verified.path.resolve(), str(verified.path)),
                directory / _bundled_record_name(verified.path),
            )
        except OSError:
            pass

    def forget(self, item: Installed) -> None:
        """Drop the record of a file that failed its full check, so that nothing opens it on its record again."""
        for record in (_record_path(item.path), *(d / _bundled_record_name(item.path) for d in self.dirs)):
            with contextlib.suppress(OSError):
                record.unlink(missing_ok=True)

    def writable_dir(self, *, per_user: bool = False) -> Path:
        """The first cache folder this process can write (made if need be); ``OSError`` if none.

        ``per_user``: the user's folder first (what one person asked for, such as ``--db``, or the record
        of the bundled file, never lands in the machine's folder).
        """
        last: OSError | None = None
        for directory in reversed(self.dirs) if per_user else self.dirs:
            try:
                directory.mkdir(parents=True, exist_ok=True)
                fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
                os.close(fd)
                os.unlink(probe)
                return directory
            except OSError as exc:
                last = exc
        raise last or OSError("no content cache folder is configured")

    def install(
        self,
        source: Path,
        keys: Sequence[TrustedKey],
        *,
        newer_than: str | None = None,
        allow_downgrade: bool = False,
        explicit: bool = False,
    ) -> InstallResult:
        """Copy, verify, and atomically install ``source``. Raises :class:`LibraryError` / :class:`TrustError`.

        ``newer_than``: the version the machine has; older content is refused (check "version")
        unless ``allow_downgrade``. The same version is taken only if it is the same file.
        """
        must_exist(source)
        _sig, claimed, key_id = signature_of(source)
        if not any(k.key_id == key_id for k in keys):
            raise untrusted_key(source, key_id)
        if newer_than is not None and not allow_downgrade:
            _refuse_older(source, claimed.version, newer_than)
        for item in self.installed():
            if item.sha256 == claimed.sha256 and item.quick_check() is None and (explicit or not item.explicit):
                # A genuine copy of exactly this file is here already (the file was copied again, say):
                # remember this source too, so that the next start finds it by a stat alone.
                return InstallResult(_remember_source(item, source), new=False)
        directory = self.writable_dir(per_user=explicit)
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", suffix=".db", dir=directory)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp_sig = signature_path(tmp)
        try:
            try:
                source_stat = source.stat()
                shutil.copyfile(source, tmp)
                shutil.copyfile(signature_path(source), tmp_sig)
            except OSError as exc:
                raise LibraryError(
                    source, f"it cannot be copied into {directory} ({exc.strerror})", "Check the share and the disk."
                ) from exc
            verified = _verify_copy(tmp, source, keys)
            if newer_than is not None and not allow_downgrade:
                _refuse_older(source, verified.facts.version, newer_than)
            final = directory / f"clinref-{_safe(verified.facts.version)}-{verified.sha256[:12]}.db"
            os.chmod(tmp, 0o444)
            os.replace(tmp_sig, signature_path(final))
            os.replace(tmp, final)
            item = _installed(verified, final, str(source), source_stat, explicit=explicit)
            _write_record(item, _record_path(final))
        finally:
            tmp.unlink(missing_ok=True)
            tmp_sig.unlink(missing_ok=True)
        self.prune(directory, keep=item)
        return InstallResult(item, new=True)

    def prune(self, directory: Path, *, keep: Installed) -> None:
        """Remove all but the newest few installed versions in ``directory`` (best effort: one may be open)."""
        mine = [i for i in self.installed() if i.path.parent == directory and i.path != keep.path]
        for item in mine[KEEP_VERSIONS - 1 :]:
            for path in (_record_path(item.path), item.path, signature_path(item.path)):
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    break  # in use (Windows): try again after the next install


def _refuse_older(source: Path, version: str, current: str) -> None:
    if version_key(version) < version_key(current):
        raise TrustError(
            source,
            "version",
            f"it is content {version}, older than the {current} this machine already has",
            "Publish a newer release, or set allow_downgrade = true in the machine settings to go back on purpose.",
        )


def _remember_source(item: Installed, source: Path) -> Installed:
    try:
        st = source.stat()
        if (item.source, item.source_size, item.source_mtime_ns) != (str(source), st.st_size, st.st_mtime_ns):
            item = replace(item, source=str(source), source_size=st.st_size, source_mtime_ns=st.st_mtime_ns)
            _write_record(item, _record_path(item.path))
    except OSError:
        pass  # a machine folder this user cannot write: the copy is still good, just found the slower way
    return item


def _bundled_record_name(path: Path) -> str:
    return f"bundled-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}.json"


def _installed(
    verified: Verified, path: Path, source: str, source_stat: os.stat_result | None = None, *, explicit: bool = False
) -> Installed:
    st = path.stat()
    return Installed(
        path=path,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        inode=st.st_ino,
        sha256=verified.sha256,
        version=verified.facts.version,
        schema=verified.facts.schema,
        date=verified.facts.date,
        review_by=verified.facts.review_by,
        key_id=verified.key_id,
        key_origin=verified.key_origin,
        source=source,
        source_size=source_stat.st_size if source_stat else -1,
        source_mtime_ns=source_stat.st_mtime_ns if source_stat else -1,
        explicit=explicit,
    )


def _write_record(item: Installed, record: Path) -> None:
    data = asdict(item)
    data.pop("path")
    data = {"file": str(item.path) if record.parent != item.path.parent else item.path.name, **data}
    fd, tmp = tempfile.mkstemp(prefix=".record-", dir=record.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.chmod(tmp, 0o644)
    os.replace(tmp, record)


def stage(source: Path, keys: Sequence[TrustedKey]) -> Verified:
    """A private verified copy of ``source`` for this process only (``--db``, ``--verify-content``).

    The copy lives in a temporary folder removed at exit; nothing is installed.
    """
    directory = Path(tempfile.mkdtemp(prefix="clinref-content-"))
    atexit.register(shutil.rmtree, directory, True)
    copy = directory / source.name
    must_exist(source)
    signature_of(source)  # a missing signature (or a broken file) is named before anything is copied
    try:
        shutil.copyfile(source, copy)
        shutil.copyfile(signature_path(source), signature_path(copy))
    except OSError as exc:
        raise LibraryError(
            source, f"the content file cannot be read ({exc.strerror})", "Check the path and its permissions."
        ) from exc
    return _verify_copy(copy, source, keys)


def _verify_copy(copy: Path, source: Path, keys: Sequence[TrustedKey]) -> Verified:
    """Verify ``copy`` of ``source``; a failure names ``source``, the file the person (or IT) gave."""
    try:
        return verify(copy, keys)
    except TrustError as exc:
        raise TrustError(
            source, exc.check, exc.reason.removeprefix(f"it failed the {exc.check} check: "), exc.advice
        ) from exc
    except LibraryError as exc:
        raise LibraryError(source, exc.reason, exc.advice) from exc


def must_exist(path: Path) -> None:
    """A :class:`LibraryError` for a path that is missing or a folder, as the Library words it."""
    try:
        if path.is_dir():
            raise LibraryError(path, "this is a folder, not a content file", "Name the clinref.db file itself.")
        if not path.exists():
            raise LibraryError(path, "the content file does not exist", "Check the path.")
    except OSError as exc:
        raise LibraryError(path, f"the content file cannot be read ({exc.strerror})", "Check its permissions.") from exc
