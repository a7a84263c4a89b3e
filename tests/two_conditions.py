"""A small content tree with two conditions (myoclonus and essential tremor), for the tests that
drive a second condition through the checks, the Library and the app."""

from __future__ import annotations

from pathlib import Path

from tests.minimal_content import CLASSES, DRUGS, RECOMMENDATIONS, write_files

CONDITIONS = """[[condition]]
slug = "myoclonus"
name = "Myoclonus"
overview = "test-article"

[[condition]]
slug = "essential-tremor"
name = "Essential tremor"
description = "Action tremor of the arms, head or voice."
overview = "tremor-article"
"""

TREMOR_ARTICLE = """+++
title = "What treats essential tremor?"
slug = "tremor-article"
condition = "essential-tremor"
topic = "Essential tremor"
updated = 2025-09-14
review_status = "pending human review"
summary = "Propranolol is first-line for limb tremor."

[[references]]
number = 1
kind = "research"
title = "Essential tremor: diagnosis and treatment."
publication = "Neurology clinical practice"
year = 2020
+++

## From the research

[Propranolol](drug:propranolol) at 60-320 mg/day reduces [limb tremor](class:limb-tremor) [@1].
"""

TREMOR_CLASSES = """
[[class]]
slug = "tremor-any"
name = "Essential tremor (any type)"
category = "general"
condition = "essential-tremor"

[[class]]
slug = "limb-tremor"
name = "Limb tremor"
category = "physiological"
condition = "essential-tremor"

[[class]]
slug = "writing-tremor"
name = "Writing tremor"
category = "syndrome"
parent = "limb-tremor"
condition = "essential-tremor"
"""

TREMOR_DRUGS = """
[[drug]]
slug = "propranolol"
name = "propranolol"
brands = ["Inderal"]
dose = "60-320 mg/day"
dose_context = "for limb tremor"
dose_article = "tremor-article"
dose_citations = [1]
"""

TREMOR_RECOMMENDATIONS = """
[[recommendation]]
treatment = "propranolol"
class = "limb-tremor"
role = "first-line"
dose = "60-320 mg/day"
note = "First-line for limb tremor."
article = "tremor-article"
citations = [1]

[[recommendation]]
treatment = "propranolol"
class = "writing-tremor"
role = "alternative"
note = "May help writing tremor."
article = "tremor-article"
citations = [1]
"""


def write_two_conditions(root: Path, replace: dict[str, str] | None = None) -> Path:
    """Write the tree under ``root/resources/content``; ``replace`` swaps whole files by name."""
    return write_files(
        root,
        {
            "conditions.toml": CONDITIONS,
            "articles/tremor-article.md": TREMOR_ARTICLE,
            "classes.toml": CLASSES + TREMOR_CLASSES,
            "drugs.toml": DRUGS + TREMOR_DRUGS,
            "recommendations.toml": RECOMMENDATIONS + TREMOR_RECOMMENDATIONS,
            **(replace or {}),
        },
    )
