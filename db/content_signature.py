"""What a content file's signature says, shared by the build (which signs) and the app (which verifies).

A content file ``X`` is signed by a detached minisign signature ``X.minisig`` (so IT can check it
with ``minisign -Vm X -p KEY.pub``). Its *trusted comment* (covered by the signature) carries the
release facts the app needs before it opens the file, tab-separated like minisign's own::

    clinref-content\\tversion:2025.04.18-2\\tschema:1\\tdate:2025-04-18\\tsha256:<hex>[\\treview_by:2026-04-18]

Stdlib only: the cryptography is py-minisign's, in :mod:`db.compiler.signing` and :mod:`db.library.trust`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SIGNATURE_SUFFIX = ".minisig"
COMMENT_TAG = "clinref-content"
_FIELDS = ("version", "schema", "date", "sha256", "review_by")
_REQUIRED = ("version", "schema", "date", "sha256")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def signature_path(content: Path) -> Path:
    """``X.minisig`` beside ``X``, as minisign names it."""
    return content.with_name(content.name + SIGNATURE_SUFFIX)


@dataclass(frozen=True)
class SignedFacts:
    """What the publisher signed about one content file."""

    version: str
    schema: int
    date: str
    sha256: str
    review_by: str = ""

    def comment(self) -> str:
        parts = [COMMENT_TAG, f"version:{self.version}", f"schema:{self.schema}", f"date:{self.date}"]
        parts.append(f"sha256:{self.sha256}")
        if self.review_by:
            parts.append(f"review_by:{self.review_by}")
        return "\t".join(parts)

    @classmethod
    def parse(cls, comment: str) -> SignedFacts:
        """The facts in a trusted comment; ``ValueError`` saying why it is not a ClinRef content signature."""
        tag, *pairs = comment.split("\t")
        if tag != COMMENT_TAG:
            raise ValueError("the signature is not a ClinRef content signature (its trusted comment says otherwise)")
        values: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition(":")
            if not sep or key not in _FIELDS or key in values:
                raise ValueError(f"the signature's trusted comment has an unexpected field {pair!r}")
            values[key] = value
        missing = [k for k in _REQUIRED if not values.get(k)]
        if missing:
            raise ValueError(f"the signature's trusted comment lacks {', '.join(missing)}")
        if not values["schema"].isdigit():
            raise ValueError(f"the signature's schema {values['schema']!r} is not a number")
        if not _SHA256.match(values["sha256"]):
            raise ValueError("the signature's sha256 is not a SHA-256 in hex")
        return cls(
            values["version"], int(values["schema"]), values["date"], values["sha256"], values.get("review_by", "")
        )


def key_id_text(key_id: bytes) -> str:
    """A key id as minisign prints it (``minisign public key 0123ABCD...``): 16 hex digits, little-endian."""
    return f"{int.from_bytes(key_id, 'little'):016X}"


def version_key(version: str) -> tuple[int, ...]:
    """Content versions ordered by their numbers: ``2025.04.18-2`` < ``2025.04.18-10`` < ``2025.05.01``."""
    return tuple(int(n) for n in re.findall(r"\d+", version))
