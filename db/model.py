"""The plain, frozen objects :class:`db.Library` returns. No Qt, no SQL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

#: A slug: lowercase letters and digits in hyphen-joined words (``post-hypoxic``, ``5-hydroxytryptophan``).
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CLASS_SLUGS = re.compile(rf"{SLUG.pattern}(?:,{SLUG.pattern})*")
#: A place on a page: ``dose``, ``ref-5``, ``source-notes``.
_FRAGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class PageScheme(StrEnum):
    """What a ClinRef address names: the text before its colon. Every scheme is declared here, once."""

    ARTICLE = "article"
    #: Any treatment (a drug, a drug group, a non-drug treatment); spelled ``drug:`` because saved
    #: bookmarks, history and study cards use it.
    TREATMENT = "drug"
    CLASS = "class"
    #: A class view of one or more classes, as the Treatments panel shows and a bookmark keeps it:
    #: ``classes:cortical,reticular-reflex``.
    CLASSES = "classes"

    @property
    def is_page(self) -> bool:
        """A page the reader shows and content may link to: every scheme but ``classes:``."""
        return self is not PageScheme.CLASSES


@dataclass(frozen=True, slots=True)
class PageAddress:
    """Where a page is: ``drug:levetiracetam``, ``article:SLUG#ref-5``, ``classes:cortical,reticular-reflex``.

    ``str(address)`` is its text form, the one links, bookmarks, history and study cards keep;
    :meth:`parse` reads it back, and is the only way in for text from outside (a link in content, the
    user's store, the command line). A class view's ``slug`` is its classes' slugs, comma-separated
    (see :attr:`slugs`). Made from the content's own slugs, which the build checked, it checks
    nothing again: a slug that is not one (a damaged content file) makes an address that reads back
    as None, so its page is "not found", never an exception.
    """

    scheme: PageScheme
    slug: str
    #: A place on the page ("" for its top): ``dose``, ``ref-5``.
    fragment: str = ""

    def __str__(self) -> str:
        text = self.scheme + ":" + self.slug  # a StrEnum is its value; this is the quickest way to join them
        return text + "#" + self.fragment if self.fragment else text

    @classmethod
    def parse(cls, text: str) -> PageAddress | None:
        """The address ``text`` writes, or None when it is not exactly one (never raises)."""
        name, colon, rest = text.partition(":")
        slug, hash_sign, fragment = rest.partition("#")
        scheme = _SCHEMES.get(name)
        if not colon or scheme is None:
            return None
        slugs = _CLASS_SLUGS if scheme is PageScheme.CLASSES else SLUG
        if not slugs.fullmatch(slug) or (hash_sign and not _FRAGMENT.fullmatch(fragment)):
            return None
        return cls(scheme, slug, fragment)

    @classmethod
    def class_view(cls, slugs: Iterable[str]) -> PageAddress:
        """The view of these classes together (``classes:a,b``)."""
        return cls(PageScheme.CLASSES, ",".join(slugs))

    @property
    def slugs(self) -> tuple[str, ...]:
        """The slugs it names: a class view's classes, else the one slug."""
        return tuple(self.slug.split(",")) if self.scheme is PageScheme.CLASSES else (self.slug,)

    @property
    def page(self) -> PageAddress:
        """The page itself, without the place on it."""
        return PageAddress(self.scheme, self.slug) if self.fragment else self


_SCHEMES = {scheme.value: scheme for scheme in PageScheme}


class Role(StrEnum):
    """The part a treatment plays for a class, in the order a clinician reads them."""

    FIRST_LINE = "first-line"
    MAINSTAY = "mainstay"
    ALTERNATIVE = "alternative"
    ADJUNCT = "adjunct"
    LAST_RESORT = "last resort"
    #: Shown to control an epilepsy that goes with the class (e.g. in Lance-Adams syndrome), which is
    #: not the same as treating its myoclonus.
    ASSOCIATED_EPILEPSY = "controls associated epilepsy"
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


class ClassCategory(StrEnum):
    """What kind of class a class is: a physiological class, a clinical syndrome, or "any type"."""

    PHYSIOLOGICAL = "physiological"
    SYNDROME = "syndrome"
    GENERAL = "general"


class ReferenceKind(StrEnum):
    """What a reference is, as the articles' front matter names it."""

    GUIDELINE = "guideline"
    DRUG_LABEL = "drug label"
    RESEARCH = "research"
    OTHER = "other"


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

    @staticmethod
    def from_columns(
        text: str | None, low: float | None, high: float | None, unit: str | None, per: str | None
    ) -> DoseRange | None:
        """The dose stored in a row's ``dose_*`` columns, or None where the row has none."""
        if text is None or low is None or high is None or unit is None or per is None:
            return None
        return DoseRange(low, high, unit, per, text)


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
    treatment_count: int
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
    #: Not reviewed: in the content only because it was built with ``--include-drafts``.
    draft: bool = False


@dataclass(frozen=True)
class Condition:
    """What a group of articles and classes is about; it owns its classes, syndromes and "any type"."""

    slug: str
    name: str
    description: str
    #: The slug of the article that introduces it ("" for none).
    overview: str


@dataclass(frozen=True)
class ClassSummary:
    """A class (physiological class, clinical syndrome, "any type") of a condition, as lists show it."""

    slug: str
    name: str
    category: str
    parent: str
    #: The slug of the condition it belongs to.
    condition: str = ""


@dataclass(frozen=True)
class TreatmentSummary:
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
    #: The editors' inference from the cited statements (e.g. "aim at cortical" + "first-line for cortical"),
    #: which the cited sources do not say in one statement themselves.
    derived: bool = False


class Inheritance(StrEnum):
    """How an entry comes into a class view, closest first."""

    OWN = "own class"
    SUBCLASS = "subclass"
    ANCESTOR = "broader class"
    GENERAL = "in general"

    @property
    def rank(self) -> int:
        """Sort key: the class itself first, the condition in general last."""
        return _INHERITANCE_RANKS[self]


_INHERITANCE_RANKS = {inheritance: rank for rank, inheritance in enumerate(Inheritance)}


@dataclass(frozen=True)
class ViewEntry:
    """One recommendation as it applies to a class view, and how it came in."""

    recommendation: Recommendation
    inheritance: Inheritance

    @property
    def inherited(self) -> bool:
        return self.inheritance in (Inheritance.ANCESTOR, Inheritance.GENERAL)

    def said_of(self) -> str:
        """ "Cortical", or "said of Post-hypoxic myoclonus" for an entry from a broader class."""
        name = self.recommendation.class_name
        return f"said of {name}" if self.inherited else name


class DoseState(StrEnum):
    """Where a dose cell's number comes from."""

    THIS_USE = "for this use"
    OTHER_USE = "for another use"
    NONE = "no dose in the sources"


@dataclass(frozen=True)
class DoseCell:
    """What a class view says about a treatment's dose: a number only ever with its use and its source."""

    state: DoseState
    dose: DoseRange | None = None
    #: For what the source gives it: "first-line, Myoclonus (any type)", "in cortical myoclonus".
    use: str = ""
    source: SourceRef | None = None

    def provenance(self) -> str:
        """ "Treatment options for myoclonus, uncited in source" or "... [1]"."""
        if self.source is None:
            return ""
        separator = " " if self.source.citations else ", "
        return f"{self.source.article_title}{separator}{self.source.label()}"

    def text(self) -> str:
        if self.dose is None or self.source is None:
            return DoseState.NONE.value
        return f"{self.dose.text} · {self.use} · {self.provenance()}"


@dataclass(frozen=True)
class Evidence:
    """The kind of source behind a row, from what the content holds; never a grade.

    ``kinds`` are the reference kinds of its citations (guideline, drug label, research);
    ``hedges`` the source's own hedging words found in its notes ("may", "anecdotal", ...).
    """

    kinds: tuple[str, ...]
    uncited: bool
    derived: bool
    hedges: tuple[str, ...]

    def text(self) -> str:
        parts = list(self.kinds)
        if self.uncited:
            parts.append("uncited statement")
        if self.derived:
            parts.append("editors' derivation")
        text = ", ".join(parts)
        if self.hedges:
            text += "; hedged: " + ", ".join(f"\u201c{h}\u201d" for h in self.hedges)
        return text


@dataclass(frozen=True)
class TreatmentRow:
    """One treatment in a class view: every entry of it that applies, merged into one row."""

    treatment_slug: str
    treatment_name: str
    treatment_kind: TreatmentKind
    #: The strongest role among the entries (first-line before mainstay ...).
    role: Role
    #: Every entry, strongest role first, closest class first.
    entries: tuple[ViewEntry, ...]
    dose: DoseCell
    evidence: Evidence

    @property
    def ineffective(self) -> bool:
        """Some entry reports it ineffective: the row is a warning, shown apart and last."""
        return any(e.recommendation.role is Role.REPORTED_INEFFECTIVE for e in self.entries)

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(dict.fromkeys(e.recommendation.role for e in self.entries))

    @property
    def inheritance(self) -> Inheritance:
        return min((e.inheritance for e in self.entries), key=lambda i: i.rank)

    @property
    def inherited(self) -> bool:
        return all(e.inherited for e in self.entries)

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        return tuple(dict.fromkeys(e.recommendation.source for e in self.entries))

    def role_text(self) -> str:
        """The strongest role, with where it is said when that is a broader class; a warning is always named."""
        strongest = self.entries[0]
        text = self.role.value
        if strongest.inherited:
            text += f" ({strongest.said_of()})"
        if self.ineffective and self.role is not Role.REPORTED_INEFFECTIVE:
            text += f" · {Role.REPORTED_INEFFECTIVE.value}"
        return ("\u2717 " if self.ineffective else "") + text

    def said_of(self) -> str:
        """The classes the entries are filed under: "Cortical; said of Myoclonus (any type)"."""
        return "; ".join(dict.fromkeys(e.said_of() for e in sorted(self.entries, key=lambda e: e.inheritance.rank)))

    def sources_text(self) -> str:
        """Every source, by article: "Treatment options for myoclonus [5, 7], uncited in source; ..."."""
        by_article: dict[str, list[str]] = {}
        for entry in self.entries:
            rec = entry.recommendation
            label = rec.source.label() + (" (derived)" if rec.derived else "")
            labels = by_article.setdefault(rec.source.article_title, [])
            if label not in labels:
                labels.append(label)
        return "; ".join(f"{title} {', '.join(labels)}" for title, labels in by_article.items())


@dataclass(frozen=True)
class ClassView:
    """The treatments for some classes: one row per treatment, reported-ineffective rows last."""

    class_slugs: tuple[str, ...]
    class_names: tuple[str, ...]
    rows: tuple[TreatmentRow, ...]
    #: The latest "last updated" date of the articles the rows come from ('' when no rows).
    updated: str


@dataclass(frozen=True)
class TreatmentPage:
    """Everything a drug page shows, from the structured content."""

    slug: str
    name: str
    kind: TreatmentKind
    brands: tuple[str, ...]
    synonyms: tuple[str, ...]
    mechanism: str
    dose: DoseRange | None
    #: For what the source gives the range (e.g. "as first-line treatment"); always shown with it.
    dose_context: str
    dose_source: SourceRef | None
    recommendations: tuple[Recommendation, ...]
    articles: tuple[ArticleSummary, ...]


@dataclass(frozen=True)
class ClassPage:
    """Everything a class page shows."""

    slug: str
    name: str
    category: str
    description: str
    synonyms: tuple[str, ...]
    parent: ClassSummary | None
    children: tuple[ClassSummary, ...]
    recommendations: tuple[Recommendation, ...]
    #: Everything that applies to the class, one row per treatment (see :class:`ClassView`).
    rows: tuple[TreatmentRow, ...] = ()
    #: The condition the class belongs to (its name heads the page).
    condition: Condition | None = None


@dataclass(frozen=True)
class TopicGroup:
    """Articles that share a topic."""

    topic: str
    articles: tuple[ArticleSummary, ...]


@dataclass(frozen=True)
class TopicTree:
    """The sidebar's content: articles by topic, classes (by condition), drugs A-Z, non-drug treatments."""

    topics: tuple[TopicGroup, ...]
    classes: tuple[ClassSummary, ...]
    drugs: tuple[TreatmentSummary, ...]
    therapies: tuple[TreatmentSummary, ...]
    #: In the editors' order; each class names its own.
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """One search result. ``kind`` is ``article``, ``drug`` or ``class``; ``snippet`` is HTML."""

    kind: str
    slug: str
    title: str
    snippet: str
    detail: str
    #: Where on the page to open it: ``dose`` when the search asked about dosing ("propofol dose").
    anchor: str = ""

    @property
    def address(self) -> PageAddress | None:
        """The page it opens, at the place on it; None for a kind of row this ClinRef does not know."""
        scheme = _SCHEMES.get(self.kind)
        return PageAddress(scheme, self.slug, self.anchor) if scheme is not None else None

    @property
    def url(self) -> str:
        """The text of its address ("" for none)."""
        address = self.address
        return str(address) if address is not None else ""


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
