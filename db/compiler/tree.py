"""The parsed content sources as one object, and how their paths are shown in problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from db.compiler.articles import ArticleSource
from db.compiler.catalog import ClassSource, RecommendationSource, TreatmentSource


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
    review_by: str = ""


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent.parent))
    except ValueError:
        return str(path)
