"""The plain, frozen objects :class:`db.Library` returns. No Qt, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The part a treatment plays for a myoclonus class, in the order a clinician reads them."""

    FIRST_LINE = "first-line"
    MAINSTAY = "mainstay"
    ALTERNATIVE = "alternative"
    ADJUNCT = "adjunct"
    LAST_RESORT = "last resort"
    REPORTED_INEFFECTIVE = "reported ineffective"

    @property
    def rank(self) -> int:
        """Sort key: first-line first, reported ineffective last."""
        return _ROLE_RANKS[self]


_ROLE_RANKS = {role: rank for rank, role in enumerate(Role)}


class TreatmentKind(StrEnum):
    """Whether a treatment is a single drug, a group of drugs, or not a drug at all."""

    DRUG = "drug"
    DRUG_GROUP = "drug group"
    NON_DRUG = "non-drug"

    @property
    def label(self) -> str:
        """As a page heads it: "Drug", "Drug group", "Non-drug treatment"."""
        return {"drug": "Drug", "drug group": "Drug group", "non-drug": "Non-drug treatment"}[self.value]


@dataclass(frozen=True)
class DoseRange:
    """A dose range exactly as a source states it, with the numbers parsed out."""

    low: float
    high: float
    unit: str
    per: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class SourceRef:
    """Where a statement comes from: an article (by its short title) and the citation numbers it gives."""

    article_slug: str
    article_title: str
    citations: tuple[int, ...]

    def label(self) -> str:
        """``[5, 7]``, or ``uncited`` when the source states it without a citation."""
        if not self.citations:
            return "uncited in source"
        return "[" + ", ".join(str(n) for n in self.citations) + "]"


@dataclass(frozen=True)
class Manifest:
    """What a content database is: its release, the inputs it was built from, its schema."""

    content_version: str
    content_title: str
    content_date: str
    inputs_hash: str
    build_tool: str
    schema_version: int
    article_count: int
    drug_count: int
    class_count: int
    recommendation_count: int
    review_by: str = ""  # "" when the editors set no review date


@dataclass(frozen=True)
class Reference:
    """One entry of an article's reference list."""

    number: int
    kind: str
    title: str
    publication: str
    year: int | None
    listed: bool
    note: str


@dataclass(frozen=True)
class ArticleSummary:
    """An article as the sidebar lists it."""

    slug: str
    title: str
    short_title: str
    topic: str
    updated: str


@dataclass(frozen=True)
class Article:
    """A whole article: metadata, the HTML rendered at build time, and its references."""

    slug: str
    title: str
    short_title: str
    topic: str
    updated: str
    review_status: str
    summary: str
    source: str
    html: str
    sections: tuple[str, ...]
    references: tuple[Reference, ...]
    quirks: tuple[str, ...]


@dataclass(frozen=True)
class ClassSummary:
    """A myoclonus class as lists show it."""

    slug: str
    name: str
    category: str
    parent: str


@dataclass(frozen=True)
class DrugSummary:
    """A drug, drug group or non-drug treatment as lists show it."""

    slug: str
    name: str
    kind: TreatmentKind
    brands: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    """One treatment for one class: role, dose, note, and the source it comes from."""

    treatment_slug: str
    treatment_name: str
    treatment_kind: TreatmentKind
    class_slug: str
    class_name: str
    role: Role
    dose: DoseRange | None
    note: str
    source: SourceRef


@dataclass(frozen=True)
class DrugPage:
    """Everything a drug page shows, from the structured content."""

    slug: str
    name: str
    kind: TreatmentKind
    brands: tuple[str, ...]
    synonyms: tuple[str, ...]
    mechanism: str
    dose: DoseRange | None
    #: For what the source gives the range ("in cortical myoclonus"); always shown with it.
    dose_context: str
    dose_source: SourceRef | None
    recommendations: tuple[Recommendation, ...]
    articles: tuple[ArticleSummary, ...]


@dataclass(frozen=True)
class ClassPage:
    """Everything a myoclonus class page shows."""

    slug: str
    name: str
    category: str
    description: str
    synonyms: tuple[str, ...]
    parent: ClassSummary | None
    children: tuple[ClassSummary, ...]
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class TopicGroup:
    """Articles that share a topic."""

    topic: str
    articles: tuple[ArticleSummary, ...]


@dataclass(frozen=True)
class TopicTree:
    """The sidebar's content: articles by topic, classes, drugs A-Z, non-drug treatments."""

    topics: tuple[TopicGroup, ...]
    classes: tuple[ClassSummary, ...]
    drugs: tuple[DrugSummary, ...]
    therapies: tuple[DrugSummary, ...]


@dataclass(frozen=True)
class SearchHit:
    """One search result. ``kind`` is ``article``, ``drug`` or ``class``; ``snippet`` is HTML."""

    kind: str
    slug: str
    title: str
    snippet: str
    detail: str

    @property
    def url(self) -> str:
        return f"{self.kind}:{self.slug}"


@dataclass(frozen=True)
class SearchResults:
    """Hits for a query, or for its correction when the query as typed finds nothing.

    ``suggestion`` is the corrected query ("did you mean"); ``showing_suggestion`` says the
    hits are for the suggestion rather than for what was typed.
    """

    query: str
    hits: tuple[SearchHit, ...]
    suggestion: str | None = None
    showing_suggestion: bool = False
