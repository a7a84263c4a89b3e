"""Release signatures in minisign format (Ed25519, with py-minisign): the key to sign with, signing, checking.

A release is signed with the key IT is told about (``--sign-key PATH`` or ``CLINREF_RELEASE_KEY``),
a minisign secret key as ``minisign -G`` writes it. When the key is password-protected the password
comes from ``CLINREF_RELEASE_KEY_PASSWORD`` or, at a terminal, a prompt.

Without a key (CI, a developer's machine) a throwaway key pair is made for the one build, in
``build/packaging/keys/``: the release is then signed, so the signing path is exercised, but the
signature proves nothing about where it came from, and the build says so loudly.

Every signature can be checked with the standard tool: ``minisign -Vm SHA256SUMS -p clinref-release.pub``.
Used by ``packaging/build.py`` and ``packaging/check_bundle.py``.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import minisign

#: Environment variable naming the release secret key, when ``--sign-key`` is not given.
KEY_ENV = "CLINREF_RELEASE_KEY"
#: Environment variable holding the password of an encrypted release key.
PASSWORD_ENV = "CLINREF_RELEASE_KEY_PASSWORD"
#: The public half, as written next to the release.
PUBLIC_KEY_NAME = "clinref-release.pub"
THROWAWAY_SECRET = "throwaway.key"
THROWAWAY_PUBLIC = "throwaway.pub"
THROWAWAY_LABEL = "THROWAWAY ClinRef build key: signatures made with it prove nothing"


class SigningError(Exception):
    """The release cannot be signed; the message names the key file and what to do."""


@dataclass(frozen=True)
class ReleaseKey:
    """The secret key a build signs with, and whether it is a throwaway made for this build."""

    path: Path
    throwaway: bool


def choose_key(given: Path | None, keys_dir: Path) -> ReleaseKey:
    """``given`` (``--sign-key``), else ``$CLINREF_RELEASE_KEY``, else a new throwaway pair in ``keys_dir``."""
    if given is None and os.environ.get(KEY_ENV, "").strip():
        given = Path(os.environ[KEY_ENV].strip()).expanduser()
    if given is not None:
        if not given.is_file():
            raise SigningError(f"{given}: no such release key file (from --sign-key or {KEY_ENV})")
        load_secret_key(given)  # fail now, before a long build, if it is not a usable minisign key
        return ReleaseKey(given.resolve(), throwaway=False)
    return ReleaseKey(make_throwaway_key(keys_dir), throwaway=True)


def make_throwaway_key(keys_dir: Path) -> Path:
    """A fresh, unencrypted key pair for one build (``minisign -G -W`` would make the same kind)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    pair = minisign.KeyPair.generate()
    pair.secret_key.untrusted_comment = THROWAWAY_LABEL
    pair.public_key.untrusted_comment = THROWAWAY_LABEL
    secret = keys_dir / THROWAWAY_SECRET
    secret.unlink(missing_ok=True)
    secret.touch(mode=0o600)
    secret.write_bytes(bytes(pair.secret_key) + b"\n")
    (keys_dir / THROWAWAY_PUBLIC).write_bytes(bytes(pair.public_key) + b"\n")
    return secret


def load_secret_key(path: Path) -> minisign.SecretKey:
    """The secret key at ``path``, decrypted with ``$CLINREF_RELEASE_KEY_PASSWORD`` or a prompt if it needs one."""
    try:
        key = minisign.SecretKey.from_file(path)
    except (OSError, minisign.Error) as exc:
        raise SigningError(f"{path}: not a minisign secret key ({exc}); make one with 'minisign -G'") from exc
    if key.is_encrypted():
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not sys.stdin.isatty():
                raise SigningError(f"{path} is password-protected: set {PASSWORD_ENV}, or run the build at a terminal")
            password = getpass.getpass(f"password for {path}: ")
        try:
            key.decrypt(password)
        except minisign.Error as exc:
            raise SigningError(f"{path}: {exc}; check {PASSWORD_ENV}") from exc
    return key


def public_key_text(secret: Path, label: str) -> bytes:
    """The public half of a secret key, as ``minisign -p`` reads it, with ``label`` as its (untrusted) comment."""
    key = load_secret_key(secret)
    public = key.get_public_key()
    public.untrusted_comment = label
    key.wipe()
    return bytes(public) + b"\n"


def sign_file(secret: Path, target: Path, trusted_comment: str) -> Path:
    """Write ``target.minisig`` (a prehashed signature, as ``minisign -S`` makes by default)."""
    key = load_secret_key(secret)
    try:
        signature = key.sign(
            target.read_bytes(),
            prehash=True,
            untrusted_comment="ClinRef signature: see the trusted comment for what was signed",
            trusted_comment=trusted_comment,
        )
    finally:
        key.wipe()
    out = target.with_name(target.name + ".minisig")
    out.write_bytes(bytes(signature) + b"\n")
    return out


def verify_file(public_key: Path, target: Path) -> str:
    """Check ``target.minisig`` with py-minisign; returns the trusted comment, raises SigningError if it fails."""
    signature_path = target.with_name(target.name + ".minisig")
    try:
        public = minisign.PublicKey.from_file(public_key)
        signature = minisign.Signature.from_file(signature_path)
        public.verify(target.read_bytes(), signature)
    except (OSError, minisign.Error) as exc:
        raise SigningError(f"{signature_path} does not verify {target.name} with {public_key}: {exc}") from exc
    return str(signature.trusted_comment)
