"""The class view: everything the content says that applies to some classes, one row per treatment.

A class view takes in, for each chosen class, the entries filed under the class itself and under
its subclasses, under its ancestors ("said of post-hypoxic myoclonus") and the statements about the
condition in general, each entry marked with how it came in. The hierarchy is read from the
``class_ancestors`` table the build writes, with one join; no walk here.

Each treatment's entries merge into one :class:`TreatmentRow`: its strongest role, every entry and
source, a dose cell that never shows a number without its use and source, and the evidence the
content holds (reference kinds, the source's own hedges), never an invented grade.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from db.model import (
    ClassView,
    DoseCell,
    DoseRange,
    DoseState,
    Evidence,
    Inheritance,
    Recommendation,
    ReferenceKind,
    Role,
    SourceRef,
    TreatmentKind,
    TreatmentRow,
    ViewEntry,
)

Rows = Callable[[str, Iterable[Any]], list[Any]]

#: The sources' own hedging words, searched for (whole words, any case) in a row's notes.
HEDGES = ("may", "anecdotal", "reported", "often", "promising", "suggested")
_HEDGE = re.compile(r"\b(" + "|".join(HEDGES) + r")\b", re.IGNORECASE)

#: Reference kinds in the order the evidence column names them; any other kind follows, A-Z.
KIND_ORDER = tuple(kind.value for kind in (ReferenceKind.GUIDELINE, ReferenceKind.DRUG_LABEL, ReferenceKind.RESEARCH))

_INHERITANCE = {0: Inheritance.OWN, 1: Inheritance.SUBCLASS, 2: Inheritance.ANCESTOR, 3: Inheritance.GENERAL}
_ROLES = {role.value: role for role in Role}
_KINDS = {kind.value: kind for kind in TreatmentKind}


# A view of a large corpus repeats the same few citation lists and notes thousands of times.
@lru_cache(maxsize=4096)
def _citations(text: str) -> tuple[int, ...]:
    return tuple(json.loads(text))


@lru_cache(maxsize=4096)
def _hedges(note: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(1).casefold() for m in _HEDGE.finditer(note)))


def general_classes_sql() -> str:
    """SQL for the slugs of the classes whose statements apply to every view of ``selected``.

    The one place that says which "in general" statements apply: the classes of category
    ``general`` (e.g. "Myoclonus (any type)") of the condition the chosen classes belong to, so
    a view never mixes in what is said of another condition in general.
    """
    return (
        "SELECT g.slug FROM classes g WHERE g.category = 'general' "
        "AND g.condition IN (SELECT c.condition FROM classes c WHERE c.slug IN (SELECT slug FROM selected))"
    )


def _view_sql(count: int) -> str:
    values = ",".join("(?)" for _ in range(count))
    return f"""
WITH selected(slug) AS (VALUES {values}),
applies(id, relation) AS (
    -- filed under a chosen class (depth 0) or one of its subclasses
    SELECT r.id, CASE WHEN ca.depth = 0 THEN 0 ELSE 1 END
    FROM recommendations r JOIN class_ancestors ca ON ca.class_slug = r.class_slug
    WHERE ca.ancestor_slug IN (SELECT slug FROM selected)
    UNION ALL
    -- filed under an ancestor of a chosen class
    SELECT r.id, 2
    FROM recommendations r JOIN class_ancestors ca ON ca.ancestor_slug = r.class_slug
    WHERE ca.class_slug IN (SELECT slug FROM selected) AND ca.depth > 0
    UNION ALL
    -- said of the condition in general
    SELECT r.id, 3 FROM recommendations r WHERE r.class_slug IN ({general_classes_sql()})
),
closest(id, relation) AS (SELECT id, min(relation) FROM applies GROUP BY id)
SELECT r.treatment_slug, t.name, t.kind, r.class_slug, c.name, r.role, r.dose_text, r.dose_low,
       r.dose_high, r.dose_unit, r.dose_per, r.note, r.article_slug, a.short_title, r.citations,
       r.derived, closest.relation, a.updated
FROM closest
JOIN recommendations r ON r.id = closest.id
JOIN treatments t ON t.slug = r.treatment_slug
JOIN classes c ON c.slug = r.class_slug
JOIN articles a ON a.slug = r.article_slug
ORDER BY r.role_rank, closest.relation, c.position, r.id
"""


def _entry(row: Sequence[Any]) -> ViewEntry:
    recommendation = Recommendation(
        treatment_slug=row[0],
        treatment_name=row[1],
        treatment_kind=_KINDS[row[2]],
        class_slug=row[3],
        class_name=row[4],
        role=_ROLES[row[5]],
        dose=DoseRange.from_columns(row[6], row[7], row[8], row[9], row[10]),
        note=row[11],
        source=SourceRef(row[12], row[13], _citations(row[14])),
        derived=bool(row[15]),
    )
    return ViewEntry(recommendation, _INHERITANCE[row[16]])


def _use(entry: ViewEntry) -> str:
    return f"{entry.recommendation.role.value}, {entry.recommendation.class_name}"


def dose_cell(entries: Sequence[ViewEntry], general_dose: DoseCell | None) -> DoseCell:
    """The dose to show for a treatment in a view, always with its use and source.

    In order: a dose its entries give for this class (or a subclass); else one they give for a
    broader class or in general, labelled with that use; else the dose the sources give the drug
    for another use (``general_dose``, the drug page's); else "no dose in the sources".
    """
    ordered = sorted(entries, key=lambda e: (e.inherited, e.recommendation.role.rank, e.inheritance.rank))
    for entry in ordered:
        rec = entry.recommendation
        if rec.dose is not None:
            state = DoseState.OTHER_USE if entry.inherited else DoseState.THIS_USE
            return DoseCell(state, rec.dose, _use(entry), rec.source)
    if general_dose is not None:
        return general_dose
    return DoseCell(DoseState.NONE)


def evidence(entries: Sequence[ViewEntry], kinds: dict[tuple[str, int], str]) -> Evidence:
    """What the content says about the sources behind ``entries``; ``kinds`` maps (article, number) to kind."""
    found: set[str] = set()
    uncited = derived = False
    hedges: dict[str, None] = {}
    for entry in entries:
        rec = entry.recommendation
        for number in rec.source.citations:
            found.add(kinds.get((rec.source.article_slug, number), "other"))
        uncited = uncited or not rec.source.citations
        derived = derived or rec.derived
        for hedge in _hedges(rec.note):
            hedges.setdefault(hedge, None)
    ordered = [k for k in KIND_ORDER if k in found] + sorted(found.difference(KIND_ORDER))
    return Evidence(tuple(ordered), uncited, derived, tuple(hedges))


def merge(
    entries: Sequence[ViewEntry], kinds: dict[tuple[str, int], str], doses: dict[str, DoseCell]
) -> list[TreatmentRow]:
    """One row per treatment, warnings last, then by strongest role, closeness and name."""
    by_treatment: dict[str, list[ViewEntry]] = {}
    for entry in entries:
        by_treatment.setdefault(entry.recommendation.treatment_slug, []).append(entry)
    rows = []
    for slug, mine in by_treatment.items():
        mine.sort(key=lambda e: (e.recommendation.role.rank, e.inheritance.rank))
        first = mine[0].recommendation
        rows.append(
            TreatmentRow(
                treatment_slug=slug,
                treatment_name=first.treatment_name,
                treatment_kind=first.treatment_kind,
                role=first.role,
                entries=tuple(mine),
                dose=dose_cell(mine, doses.get(slug)),
                evidence=evidence(mine, kinds),
            )
        )
    rows.sort(key=lambda r: (r.ineffective, r.role.rank, r.inheritance.rank, r.treatment_name.casefold()))
    return rows


def read_class_view(rows: Rows, class_slugs: Sequence[str]) -> ClassView:
    """The class view of ``class_slugs`` (unknown slugs ignored), read with ``rows(sql, params)``."""
    known = {slug: (name, position) for slug, name, position in rows("SELECT slug, name, position FROM classes", ())}
    chosen = sorted({s for s in class_slugs if s in known}, key=lambda s: known[s][1])
    if not chosen:
        return ClassView((), (), (), "")
    raw = rows(_view_sql(len(chosen)), chosen)
    entries = [_entry(r) for r in raw]
    articles = sorted({e.recommendation.source.article_slug for e in entries})
    treatments = sorted({e.recommendation.treatment_slug for e in entries})
    kinds: dict[tuple[str, int], str] = {}
    if articles:
        marks = ",".join("?" * len(articles))
        for article, number, kind in rows(
            f"SELECT article_slug, number, kind FROM article_references WHERE article_slug IN ({marks})", articles
        ):
            kinds[(article, number)] = kind
    doses: dict[str, DoseCell] = {}
    if treatments:
        marks = ",".join("?" * len(treatments))
        for row in rows(
            "SELECT t.slug, t.dose_text, t.dose_low, t.dose_high, t.dose_unit, t.dose_per, t.dose_context, "
            "t.dose_article, a.short_title, t.dose_citations FROM treatments t "
            f"JOIN articles a ON a.slug = t.dose_article WHERE t.slug IN ({marks})",
            treatments,
        ):
            dose = DoseRange.from_columns(row[1], row[2], row[3], row[4], row[5])
            if dose is not None and row[6]:
                source = SourceRef(row[7], row[8], tuple(json.loads(row[9])))
                doses[row[0]] = DoseCell(DoseState.OTHER_USE, dose, row[6], source)
    return ClassView(
        class_slugs=tuple(chosen),
        class_names=tuple(known[s][0] for s in chosen),
        rows=tuple(merge(entries, kinds, doses)),
        updated=max((r[17] for r in raw), default=""),
    )
