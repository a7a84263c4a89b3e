"""Is this content file the one its publisher built? Signature, key, hash, then schema, then manifest.

:func:`verify` reads the file once, hashing it for both the minisign signature (py-minisign does
the cryptography) and the SHA-256 the signature's trusted comment records, then compares the
file's schema with the one :mod:`db.schema` defines (no extra tables, views or triggers) on a
hardened read-only connection. A failure raises :class:`TrustError`, a :class:`LibraryError` that
names the file, the check that failed, and what IT should do.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.content_signature import SignedFacts, key_id_text, signature_path
from db.errors import LibraryError
from db.library.opening import connect, connect_hardened
from db.machine_config import MachineConfig
from db.paths import development_keys_dir, is_frozen, machine_config_path, release_keys_dir
from db.schema import APPLICATION_ID, SCHEMA_VERSION, TABLES

RECOPY = "Re-copy it, with its .minisig file, from the release."


class TrustError(LibraryError):
    """A content file that failed one of the trust checks; ``check`` names which."""

    def __init__(self, path: Path | str, check: str, reason: str, advice: str) -> None:
        self.check = check
        super().__init__(path, f"it failed the {check} check: {reason}", advice)


@dataclass(frozen=True)
class TrustedKey:
    """A public key content may be signed with (minisign's base64 line), and why it is trusted.

    py-minisign parses it only when a file is verified, so a start-up that needs no verification
    does not load the cryptography library.
    """

    text: str
    key_id: str
    origin: str

    def public_key(self) -> Any:
        import minisign

        return minisign.PublicKey.from_base64(self.text)


@dataclass(frozen=True)
class Verified:
    """A content file that passed every check, and what its signature says."""

    path: Path
    size: int
    sha256: str
    facts: SignedFacts
    key_id: str
    key_origin: str


_PUBLIC_KEY_BYTES = 42  # "Ed", 8-byte key id, 32-byte Ed25519 key: minisign's public key line


def parse_public_key(text: str, origin: str) -> TrustedKey:
    """A minisign public key line (``RW...``); ``ValueError`` if it is not one."""
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ValueError("not base64") from exc
    if len(raw) != _PUBLIC_KEY_BYTES or raw[:2] != b"Ed":
        raise ValueError("not a minisign Ed25519 public key")
    return TrustedKey(text, key_id_text(raw[2:10]), origin)


def load_trusted_keys(config: MachineConfig | None = None) -> tuple[list[TrustedKey], list[str]]:
    """The release keys shipped in ``resources/keys``, the checkout's development key (never when
    frozen), and the machine config's ``trusted_keys``. Returns (keys, problems with keys that could not be read).
    """
    keys: list[TrustedKey] = []
    problems: list[str] = []

    def add_file(path: Path, origin: str) -> None:
        try:
            lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
            keys.append(parse_public_key(lines[-1] if lines else "", f"{origin}: {path}"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read this public key ({exc}); {origin} names it")
        except ValueError as exc:
            problems.append(f"{path}: not a minisign public key ({exc}); {origin} names it")

    for directory, origin in (
        (release_keys_dir(), "release key"),
        *(() if is_frozen() else ((development_keys_dir(), "development key of this checkout"),)),
    ):
        try:
            files = sorted(directory.glob("*.pub"))
        except OSError:
            files = []
        for path in files:
            add_file(path, origin)
    for setting in config.trusted_keys if config else ():
        text = str(setting.value)
        if text.startswith("RW"):
            try:
                keys.append(parse_public_key(text, f"machine settings ({setting.origin})"))
            except ValueError as exc:
                problems.append(f"{setting.origin}: trusted key {text!r} is not a minisign public key ({exc})")
        else:
            add_file(Path(text), f"machine settings ({setting.origin})")
    return keys, problems


class _HashingReader:
    """Passes a file to py-minisign in chunks and takes its SHA-256 and size on the way."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        data: bytes = self._handle.read(max(size, 1 << 20) if size > 0 else -1)
        self.sha256.update(data)
        self.size += len(data)
        return data


def read_signature(path: Path, signature: Path | None = None) -> tuple[Any, SignedFacts, str]:
    """The signature of ``path`` (unverified): (py-minisign Signature, its facts, its key id).

    Raises :class:`TrustError` (check "signature") when it is missing, unreadable or not ClinRef's.
    """
    import minisign

    sig_path = signature or signature_path(path)
    try:
        raw = sig_path.read_bytes()
    except FileNotFoundError as exc:
        raise TrustError(path, "signature", f"it has no signature ({sig_path.name} is missing)", RECOPY) from exc
    except OSError as exc:
        raise TrustError(
            path, "signature", f"its signature {sig_path} cannot be read ({exc.strerror})", RECOPY
        ) from exc
    try:
        sig = minisign.Signature.from_bytes(raw)
        facts = SignedFacts.parse(sig.trusted_comment)
    except (minisign.Error, ValueError) as exc:
        raise TrustError(
            path, "signature", f"{sig_path.name} is not a valid content signature ({exc})", RECOPY
        ) from exc
    key_id = key_id_text(base64.b64decode(raw.splitlines()[1])[2:10])
    return sig, facts, key_id


def signature_of(path: Path, signature: Path | None = None) -> tuple[Any, SignedFacts, str]:
    """:func:`read_signature`, but a file with no usable signature that is also empty, cut off or
    not ClinRef content is named as such (:func:`db.library.opening.connect`'s message), not as unsigned.
    """
    try:
        return read_signature(path, signature)
    except TrustError:
        connect(path).close()
        raise


def untrusted_key(path: Path, key_id: str) -> TrustError:
    return TrustError(
        path,
        "key",
        f"it is signed by key {key_id}, which this ClinRef does not trust",
        "If it is your organisation's own content, add the publisher's public key to trusted_keys in "
        f"{machine_config_path()} (or the TrustedKeys policy); otherwise re-copy it from the release.",
    )


def verify(path: Path, keys: Iterable[TrustedKey], *, signature: Path | None = None) -> Verified:
    """Check ``path`` fully: signature, key, hash, schema, manifest. Raises :class:`TrustError`."""
    import minisign

    sig, facts, key_id = signature_of(path, signature)
    key = next((k for k in keys if k.key_id == key_id), None)
    if key is None:
        raise untrusted_key(path, key_id)
    try:
        with path.open("rb") as handle:
            reader = _HashingReader(handle)
            key.public_key().verify(reader, sig)
    except minisign.Error as exc:
        raise TrustError(
            path,
            "hash",
            "its contents do not match its signature: it was changed, damaged or copied incompletely after signing",
            RECOPY,
        ) from exc
    except OSError as exc:
        raise LibraryError(path, f"the content file cannot be read ({exc.strerror})", "Check its permissions.") from exc
    digest = reader.sha256.hexdigest()
    if digest != facts.sha256:
        raise TrustError(path, "hash", "its SHA-256 differs from the one its signature records", RECOPY)
    check_schema(path, facts)
    return Verified(path, reader.size, digest, facts, key_id, key.origin)


def reference_schema() -> set[tuple[str, str, str, str | None]]:
    """``sqlite_master`` as :data:`db.schema.TABLES` makes it."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(TABLES)
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


def check_schema(path: Path, facts: SignedFacts | None = None) -> None:
    """The file's schema is exactly the one this ClinRef defines, and its manifest matches its signature."""
    conn = connect_hardened(path)
    try:
        try:
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            user_version = conn.execute("PRAGMA user_version").fetchone()[0]
            found = set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        except sqlite3.DatabaseError as exc:
            raise TrustError(path, "schema", f"its schema cannot be read ({exc})", RECOPY) from exc
        if application_id != APPLICATION_ID:
            raise TrustError(path, "schema", "it is a SQLite database, but not ClinRef content", RECOPY)
        if user_version != SCHEMA_VERSION or (facts and facts.schema != SCHEMA_VERSION):
            newer = max(user_version, facts.schema if facts else 0) > SCHEMA_VERSION
            raise TrustError(
                path,
                "schema",
                f"it was built for {'a newer' if newer else 'an older'} ClinRef (schema {user_version}; this "
                f"version reads schema {SCHEMA_VERSION})",
                "Update ClinRef, or use content built for this version." if newer else RECOPY,
            )
        expected = reference_schema()
        extra = sorted(found - expected, key=str)
        missing = sorted(expected - found, key=str)
        if extra or missing:
            names = {(k, n) for k, n, _t, _s in missing}
            parts = [
                f"{'a changed' if (kind, name) in names else 'an extra'} {kind} {name!r}"
                for kind, name, _t, _s in extra
            ]
            parts += [f"no {kind} {name!r}" for kind, name, _t, _s in missing if not any(e[1] == name for e in extra)]
            raise TrustError(
                path, "schema", f"its schema differs from the one ClinRef defines ({', '.join(parts)})", RECOPY
            )
        if facts is not None:
            try:
                manifest = dict(conn.execute("SELECT key, value FROM manifest"))
            except sqlite3.DatabaseError as exc:
                raise TrustError(path, "manifest", f"its manifest cannot be read ({exc})", RECOPY) from exc
            if manifest.get("content_version") != facts.version:
                raise TrustError(
                    path,
                    "manifest",
                    f"it says it is content {manifest.get('content_version')!r}, its signature says {facts.version!r}",
                    RECOPY,
                )
    finally:
        conn.close()
