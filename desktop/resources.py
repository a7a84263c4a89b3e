"""Reading the app's own resources (disclaimer, icon, styles) through the one frozen-aware helper."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from db.paths import resources_dir


@dataclass(frozen=True)
class Disclaimer:
    """The versioned disclaimer text and the one-line notice every page carries."""

    version: int
    title: str
    text: str
    notice: str


def resource_path(*parts: str) -> Path:
    """A file under ``resources/``."""
    return resources_dir().joinpath(*parts)


def load_disclaimer(path: Path | None = None) -> Disclaimer:
    """Read ``resources/disclaimer.toml``. Raises ``ValueError`` naming the file when it is unusable."""
    path = path or resource_path("disclaimer.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        version, title, text, notice = data["version"], data["title"], data["text"], data["notice"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise ValueError(f"{path}: the disclaimer cannot be read ({exc}); reinstall ClinRef") from exc
    if not isinstance(version, int) or not all(isinstance(v, str) and v.strip() for v in (title, text, notice)):
        raise ValueError(f"{path}: the disclaimer needs an integer version and non-empty title, text and notice")
    return Disclaimer(version, title.strip(), text.strip(), notice.strip())
