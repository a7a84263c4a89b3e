"""A small, valid content tree written to a temporary folder, for tests that break it on purpose."""

from __future__ import annotations

from pathlib import Path

ARTICLE = """+++
title = "What treats test myoclonus?"
slug = "test-article"
topic = "Myoclonus"
updated = 2025-03-30
review_status = "pending human review"
source = "test"
summary = "A test article."

[[references]]
number = 1
kind = "guideline"
title = "A guideline"
publication = "Test Board"
year = 2025

[[references]]
number = 2
kind = "drug label"
title = "A drug label"
listed = false
note = "Cited but not listed."
+++

## From the guidelines

[Levetiracetam](drug:levetiracetam) (Keppra) at 500-3000 mg/day treats [cortical](class:cortical) myoclonus [@1].
Responders: 60.4% versus 23.7% [@2].
"""

DRUGS = """[[drug]]
slug = "levetiracetam"
name = "levetiracetam"
brands = ["Keppra"]
synonyms = ["LEV"]
dose = "500-3000 mg/day"
dose_context = "in cortical myoclonus"
dose_article = "test-article"
dose_citations = [1]
"""

THERAPIES = """[[therapy]]
slug = "ketogenic-diet"
name = "ketogenic diet"
"""

CLASSES = """[[class]]
slug = "cortical"
name = "Cortical"
category = "physiological"
description = "From the cortex."

[[class]]
slug = "post-hypoxic"
name = "Post-hypoxic"
category = "syndrome"

[[class]]
slug = "lance-adams"
name = "Lance-Adams"
category = "syndrome"
parent = "post-hypoxic"
"""

RECOMMENDATIONS = """[[recommendation]]
treatment = "levetiracetam"
class = "cortical"
role = "first-line"
dose = "500-3000 mg/day"
note = "First-line."
article = "test-article"
citations = [1]

[[recommendation]]
treatment = "ketogenic-diet"
class = "lance-adams"
role = "last resort"
note = "When all else fails."
article = "test-article"
citations = []
uncited = true
"""

CONDITIONS = """[[condition]]
slug = "myoclonus"
name = "Myoclonus"
overview = "test-article"
"""

FILES = {
    "content.toml": 'version = "test-1"\ntitle = "Test content"\n',
    "conditions.toml": CONDITIONS,
    "articles/test-article.md": ARTICLE,
    "drugs.toml": DRUGS,
    "therapies.toml": THERAPIES,
    "classes.toml": CLASSES,
    "recommendations.toml": RECOMMENDATIONS,
}


def write_files(root: Path, replace: dict[str, str] | None = None) -> Path:
    """Write the tree under ``root/resources/content``; ``replace`` swaps whole files by name."""
    content = root / "resources" / "content"
    for name, text in {**FILES, **(replace or {})}.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content
