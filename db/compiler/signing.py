"""Key pairs and signatures for content files, in minisign's format, by py-minisign (no crypto here).

``python -m db keygen`` makes a key pair; ``python -m db build`` signs what it writes with
``--sign-key PATH``, ``CLINREF_SIGN_KEY``, or, from a checkout, a development key made on first
use under ``build/keys/`` (outside version control; trusted only when running from that checkout).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import minisign

from db.content_signature import SignedFacts, key_id_text, signature_path
from db.paths import development_keys_dir, is_frozen

#: Environment variable naming the secret key ``python -m db build`` signs with.
SIGN_KEY_ENV = "CLINREF_SIGN_KEY"
DEV_KEY_NAME = "development"


class SigningError(Exception):
    """A key that cannot be used for signing; the message names the file and what to do."""


def _write_private(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def keygen(secret: Path, *, comment: str = "ClinRef content signing key", force: bool = False) -> tuple[Path, str]:
    """Write a new key pair: ``secret`` (mode 600) and ``secret`` with ``.pub``. Returns (public path, key id)."""
    public = secret.with_suffix(".pub")
    if not force and (secret.exists() or public.exists()):
        raise SigningError(f"{secret}: a key already exists here; choose another name (or remove it first)")
    pair = minisign.KeyPair.generate()
    key_id = key_id_text(_key_id(pair.public_key))
    pair.secret_key.untrusted_comment = f"{comment} {key_id} (secret: keep it off shared drives)"
    pair.public_key.untrusted_comment = f"minisign public key {key_id}"
    _write_private(secret, bytes(pair.secret_key) + b"\n", 0o600)
    _write_private(public, bytes(pair.public_key) + b"\n", 0o644)
    return public, key_id


def _key_id(public_key: Any) -> bytes:
    import base64

    return base64.b64decode(public_key.to_base64())[2:10]


def development_key() -> Path:
    """The checkout's development secret key, made on first use (outside version control).

    Made in a folder of its own and renamed into place, so two builds starting at once agree on one key.
    """
    folder = development_keys_dir()
    secret = folder / f"{DEV_KEY_NAME}.key"
    if secret.is_file():
        return secret
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".keys-", dir=folder.parent))
    try:
        keygen(staging / secret.name, comment="ClinRef DEVELOPMENT key, trusted only from this checkout")
        staging.chmod(0o755)  # the public key is for everyone (the secret one is 0600)
        try:
            staging.rename(folder)
        except OSError:  # another build made it first, or the folder holds other keys
            if not secret.is_file():
                folder.mkdir(exist_ok=True)
                os.replace(staging / secret.name, secret)
                os.replace(staging / f"{DEV_KEY_NAME}.pub", secret.with_suffix(".pub"))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return secret


def signing_key(given: Path | None = None) -> Path:
    """The key to sign with: ``given``, else ``CLINREF_SIGN_KEY``, else the checkout's development key."""
    if given is not None:
        return given
    named = os.environ.get(SIGN_KEY_ENV, "").strip()
    if named:
        return Path(named)
    if is_frozen():  # pragma: no cover - the frozen app does not build content
        raise SigningError(f"no signing key: pass --sign-key PATH or set {SIGN_KEY_ENV}")
    return development_key()


def load_secret_key(path: Path) -> Any:
    try:
        key = minisign.SecretKey.from_file(path)
    except OSError as exc:
        raise SigningError(f"{path}: cannot read the signing key ({exc.strerror})") from exc
    except minisign.Error as exc:
        raise SigningError(f"{path}: not a minisign secret key ({exc})") from exc
    if key.is_encrypted():
        password = os.environ.get("CLINREF_SIGN_KEY_PASSWORD")
        if not password:
            raise SigningError(f"{path}: the key is password-protected; set CLINREF_SIGN_KEY_PASSWORD")
        try:
            key.decrypt(password)
        except minisign.Error as exc:
            raise SigningError(f"{path}: {exc}") from exc
    return key


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sign_content(content: Path, secret: Path, *, version: str, schema: int, date: str, review_by: str = "") -> str:
    """Write ``content.minisig``; returns the signing key's id (as minisign prints it)."""
    key = load_secret_key(secret)
    facts = SignedFacts(version, schema, date, file_sha256(content), review_by)
    with content.open("rb") as handle:
        signature = key.sign(
            handle,
            prehash=True,
            untrusted_comment=f"ClinRef content {version}; verify with: minisign -Vm {content.name} -p KEY.pub",
            trusted_comment=facts.comment(),
        )
    _write_private(signature_path(content), bytes(signature) + b"\n", 0o644)
    return key_id_text(_key_id(key.get_public_key()))
