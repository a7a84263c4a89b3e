"""The parsed content sources as one object, and how their paths are shown in problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from db.compiler.articles import ArticleSource
from db.compiler.catalog import ClassSource, ConditionSource, RecommendationSource, TreatmentSource


@dataclass
class ContentSources:
    """Every source file, parsed. ``files`` lists what the build hashes, in a fixed order."""

    root: Path
    version: str
    title: str
    articles: list[ArticleSource]
    treatments: list[TreatmentSource]
    classes: list[ClassSource]
    recommendations: list[RecommendationSource]
    files: list[Path]
    #: conditions.toml, in the editors' order; the first is the default for entries naming none.
    conditions: list[ConditionSource] = field(default_factory=list)
    review_by: str = ""


def relative(path: Path, root: Path) -> str:
    """``path`` as a problem shows it: as given (under a relative ``root``), or relative to the
    current folder when it lies inside it, else in full."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
