"""Reading the structured sources: drugs, therapies, classes and recommendations (TOML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from db.compiler.toml_fields import FieldReader, entries, load_toml
from db.errors import Problem
from db.model import SLUG, ClassCategory, DoseRange, Role, TreatmentKind

#: The kinds drugs.toml offers (therapies.toml holds the non-drug treatments).
DRUG_KINDS = (TreatmentKind.DRUG, TreatmentKind.DRUG_GROUP)


@dataclass(frozen=True)
class TreatmentSource:
    """A drug, a drug group, or a non-drug therapy."""

    file: str
    line: int
    slug: str
    name: str
    #: None when the file gives no kind that is one (a problem says where; nothing is built).
    kind: TreatmentKind | None
    brands: tuple[str, ...]
    synonyms: tuple[str, ...]
    mechanism: str
    dose: DoseRange | None
    dose_context: str
    dose_article: str
    dose_citations: tuple[int, ...]


@dataclass(frozen=True)
class ConditionSource:
    """What a group of articles and classes is about; owns its classes, syndromes and "any type"."""

    file: str
    line: int
    slug: str
    name: str
    description: str
    #: The article that opens the app when this is the first condition ("" for none).
    overview: str
    position: int


@dataclass(frozen=True)
class ClassSource:
    file: str
    line: int
    slug: str
    name: str
    #: None when the file gives no category that is one (a problem says where; nothing is built).
    category: ClassCategory | None
    parent: str
    synonyms: tuple[str, ...]
    description: str
    position: int
    #: The condition's slug; "" until load_sources gives it the default condition.
    condition: str = ""


@dataclass(frozen=True)
class RecommendationSource:
    file: str
    line: int
    treatment: str
    class_slug: str
    #: None when the file gives no role that is one (a problem says where; nothing is built).
    role: Role | None
    dose: DoseRange | None
    note: str
    article: str
    citations: tuple[int, ...]
    uncited: bool
    position: int
    derived: bool = False
    #: As written ("" when not); load_sources makes it the class's condition.
    condition: str = ""


def read_treatments(path: Path, rel: str, header: str, problems: list[Problem]) -> list[TreatmentSource] | None:
    """None when the file does not parse (the problem says where)."""
    data = load_toml(path, rel, problems)
    if data is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    treatments = []
    is_drug = header == "drug"
    for table, span in entries(data, header, lines, rel, problems):
        entry = FieldReader(table, rel, lines, span, problems)
        if is_drug:
            entry.only(
                (
                    "slug",
                    "name",
                    "kind",
                    "brands",
                    "synonyms",
                    "mechanism",
                    "dose",
                    "dose_context",
                    "dose_article",
                    "dose_citations",
                    "dose_uncited",
                )
            )
        else:
            entry.only(("slug", "name", "synonyms", "mechanism"))
        slug = entry.text("slug")
        if slug and not SLUG.fullmatch(slug):
            entry.problem("slug", f"slug {slug!r} must be lowercase letters, digits and hyphens")
        kind = (
            entry.choice("kind", TreatmentKind, listed=DRUG_KINDS, required=False, default=TreatmentKind.DRUG)
            if is_drug
            else TreatmentKind.NON_DRUG
        )
        dose = entry.dose("dose") if is_drug else None
        dose_article = entry.text("dose_article", required=False) if is_drug else ""
        dose_context = entry.text("dose_context", required=False) if is_drug else ""
        dose_citations: tuple[int, ...] = ()
        if is_drug and entry.table.get("dose"):
            if not dose_article:
                entry.problem("dose", "a dose needs 'dose_article': the article that states it")
            if not dose_context:
                entry.problem(
                    "dose", "a dose needs 'dose_context': for what the source gives it, e.g. 'as first-line treatment'"
                )
            dose_citations = entry.citations("dose_citations", "dose_uncited", "a dose")
        treatments.append(
            TreatmentSource(
                rel,
                span[0],
                slug,
                entry.text("name"),
                kind,
                entry.texts("brands") if is_drug else (),
                entry.texts("synonyms"),
                entry.text("mechanism", required=False),
                dose,
                dose_context,
                dose_article,
                dose_citations,
            )
        )
    return treatments


def read_classes(path: Path, rel: str, problems: list[Problem]) -> list[ClassSource] | None:
    """None when the file does not parse (the problem says where)."""
    data = load_toml(path, rel, problems)
    if data is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    classes = []
    for position, (table, span) in enumerate(entries(data, "class", lines, rel, problems)):
        entry = FieldReader(table, rel, lines, span, problems)
        entry.only(("slug", "name", "category", "parent", "synonyms", "description", "condition"))
        slug = entry.text("slug")
        if slug and not SLUG.fullmatch(slug):
            entry.problem("slug", f"slug {slug!r} must be lowercase letters, digits and hyphens")
        category = entry.choice("category", ClassCategory)
        classes.append(
            ClassSource(
                rel,
                span[0],
                slug,
                entry.text("name"),
                category,
                entry.text("parent", required=False),
                entry.texts("synonyms"),
                entry.text("description", required=False),
                position,
                entry.text("condition", required=False),
            )
        )
    return classes


def read_conditions(path: Path, rel: str, problems: list[Problem]) -> list[ConditionSource] | None:
    """None when the file does not parse (the problem says where)."""
    data = load_toml(path, rel, problems)
    if data is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    conditions = []
    for position, (table, span) in enumerate(entries(data, "condition", lines, rel, problems)):
        entry = FieldReader(table, rel, lines, span, problems)
        entry.only(("slug", "name", "description", "overview"))
        slug = entry.text("slug")
        if slug and not SLUG.fullmatch(slug):
            entry.problem("slug", f"slug {slug!r} must be lowercase letters, digits and hyphens")
        conditions.append(
            ConditionSource(
                rel,
                span[0],
                slug,
                entry.text("name"),
                entry.text("description", required=False),
                entry.text("overview", required=False),
                position,
            )
        )
    if not conditions:
        problems.append(Problem(rel, 1, "no [[condition]] entries: name at least one (slug, name)"))
    return conditions


def read_recommendations(path: Path, rel: str, problems: list[Problem]) -> list[RecommendationSource] | None:
    """None when the file does not parse (the problem says where)."""
    data = load_toml(path, rel, problems)
    if data is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    recommendations = []
    for position, (table, span) in enumerate(entries(data, "recommendation", lines, rel, problems)):
        entry = FieldReader(table, rel, lines, span, problems)
        entry.only(
            ("treatment", "class", "role", "dose", "note", "article", "citations", "uncited", "derived", "condition")
        )
        role = entry.choice("role", Role)
        citations = entry.citations("citations", "uncited", "a recommendation")
        uncited = not citations
        recommendations.append(
            RecommendationSource(
                rel,
                span[0],
                entry.text("treatment"),
                entry.text("class"),
                role,
                entry.dose("dose"),
                entry.text("note", required=False),
                entry.text("article"),
                citations,
                uncited,
                position,
                entry.flag("derived", False),
                entry.text("condition", required=False),
            )
        )
    return recommendations
