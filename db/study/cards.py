"""Study cards drawn from the structured content, each answer a value the content holds, with its source.

Cards come only from structured rows the :class:`~db.library.Library` returns, never from prose:

- ``role:TREATMENT:CLASS``    what role the content gives a treatment in a class (each role with its
  source and the source's own wording, hedges and all);
- ``options:CLASS:ROLE``      which treatments the content gives a role in a class;
- ``ineffective:CLASS``       which treatments are reported ineffective in a class;
- ``dose:TREATMENT:CLASS``    the dose the content gives a treatment for a class;
- ``dose:TREATMENT``          a drug's dose range, with the use the source gives it for;
- ``brand:BRAND``             which drug a brand name belongs to.

A card's identity is the fact's (slugs, not wording), so it stays the same across content
releases; its :attr:`Card.fingerprint` is taken from what its answer holds, so a release that
changes the fact gives the card a new fingerprint. Nothing comes from a draft article.

Numbers the content keeps only inside a note's text (such as the JME trial's responder rates,
cited [2], the drug label) get no card of their own: the note is shown verbatim with the role
card of that treatment and class (``role:levetiracetam:juvenile-myoclonic-epilepsy``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from db.library import Library
from db.model import (
    ClassCategory,
    ClassSummary,
    PageAddress,
    PageScheme,
    Recommendation,
    Role,
    SourceRef,
    TreatmentPage,
)

#: The deck of drug-level cards (dose ranges, brand names); every other deck is a class slug.
DRUGS_DECK = "drugs"


class CardKind(StrEnum):
    """What a card asks about."""

    ROLE = "role"
    OPTIONS = "options"
    INEFFECTIVE = "ineffective"
    CLASS_DOSE = "class dose"
    DOSE = "dose"
    BRAND = "brand"


@dataclass(frozen=True)
class Statement:
    """What one source says of an answer's value (its note, or the use a dose is given for), and the source."""

    text: str
    #: None only for brand names, which the content records without a source.
    source: SourceRef | None
    #: What each cited reference is (``guideline``, ``drug label``, ``research``), from the article's list.
    reference_kinds: tuple[str, ...] = ()

    def provenance(self) -> str:
        """As the app shows a source: ``Treatment options for myoclonus [2] (drug label)``, or "uncited in source"."""
        if self.source is None:
            return "brand name as the content lists it (the content records no source for brand names)"
        if not self.source.citations:
            return f"{self.source.article_title}, uncited in source"
        kinds = f" ({', '.join(dict.fromkeys(self.reference_kinds))})" if self.reference_kinds else ""
        return f"{self.source.article_title} {self.source.label()}{kinds}"


@dataclass(frozen=True)
class AnswerLine:
    """One item of an answer: a value exactly as the content holds it, and every statement giving it."""

    text: str
    statements: tuple[Statement, ...]

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        return tuple(s.source for s in self.statements if s.source is not None)


@dataclass(frozen=True)
class Card:
    """One question and its answer, traced to the content rows it comes from."""

    card_id: str
    kind: CardKind
    #: The class slug the card is about, or :data:`DRUGS_DECK`.
    deck: str
    question: str
    lines: tuple[AnswerLine, ...]
    #: The page the fact is on: ``drug:SLUG`` or ``class:SLUG``.
    page: PageAddress
    fingerprint: str

    @property
    def answer(self) -> str:
        """The answer's values, as one line: ``first-line; mainstay``."""
        return "; ".join(line.text for line in self.lines)

    @property
    def source_url(self) -> PageAddress:
        """Where the answer comes from: ``article:SLUG#ref-N`` for a cited source, else the article or page."""
        for line in self.lines:
            for source in line.sources:
                anchor = f"ref-{source.citations[0]}" if source.citations else ""
                return PageAddress(PageScheme.ARTICLE, source.article_slug, anchor)
        return self.page


def draft_articles(library: Library) -> frozenset[str]:
    """Slugs of articles still in draft: nothing of theirs becomes a card."""
    return library.draft_articles()


def generate_cards(library: Library, *, drafts: frozenset[str] | None = None) -> tuple[Card, ...]:
    """Every card the content supports, in a stable order: class by class, then the drugs.

    ``drafts`` (default: :func:`draft_articles`) are article slugs whose statements are left out.
    """
    excluded = draft_articles(library) if drafts is None else drafts
    classes = library.classes()
    recommendations = [
        rec
        for rec in library.treatments_for([c.slug for c in classes], include_subclasses=False)
        if rec.source.article_slug not in excluded
    ]
    tree = library.topics()
    kinds = _reference_kinds(library, [a.slug for group in tree.topics for a in group.articles])
    cards: list[Card] = []
    for cls in classes:
        cards.extend(_class_cards(cls, [r for r in recommendations if r.class_slug == cls.slug], kinds))
    brands: dict[str, list[TreatmentPage]] = {}
    for summary in (*tree.drugs, *tree.therapies):
        page = library.treatment(summary.slug)
        if page is not None:
            cards.extend(_drug_cards(page, excluded, kinds))
            for brand in page.brands:
                brands.setdefault(brand, []).append(page)
    for brand, pages in brands.items():  # one card per brand name, even if two drugs share it
        question = f"{brand} is a brand name of which drug?"
        lines = tuple(AnswerLine(p.name, (Statement("", None),)) for p in pages)
        cards.append(_card(f"brand:{brand}", CardKind.BRAND, DRUGS_DECK, question, lines, _treatment_page(pages[0])))
    return tuple(cards)


_Kinds = dict[tuple[str, int], str]


def _reference_kinds(library: Library, slugs: Iterable[str]) -> _Kinds:
    kinds: _Kinds = {}
    for slug in slugs:
        article = library.article(slug)
        if article is not None:
            kinds.update(((slug, ref.number), ref.kind) for ref in article.references if ref.kind)
    return kinds


def _statement(text: str, source: SourceRef, kinds: _Kinds) -> Statement:
    found = tuple(kinds[source.article_slug, n] for n in source.citations if (source.article_slug, n) in kinds)
    return Statement(text, source, found)


def class_phrase(cls: ClassSummary | str, category: str = "") -> str:
    """How a question names a class: "cortical myoclonus", "Lance-Adams syndrome", "myoclonus (any type)"."""
    name, category = (cls.name, cls.category) if isinstance(cls, ClassSummary) else (cls, category)
    return f"{name.lower()} myoclonus" if category == ClassCategory.PHYSIOLOGICAL else name


# -- building cards ------------------------------------------------------------------------


def _class_cards(cls: ClassSummary, recs: list[Recommendation], kinds: _Kinds) -> list[Card]:
    where = class_phrase(cls)
    page = PageAddress(PageScheme.CLASS, cls.slug)
    cards: list[Card] = []
    for role in Role:
        with_role = [r for r in recs if r.role is role]
        if not with_role:
            continue
        lines = _grouped(with_role, kinds, key=lambda r: r.treatment_name)
        if role is Role.REPORTED_INEFFECTIVE:
            one = len(lines) == 1
            question = f"Which treatment{' is' if one else 's are'} reported ineffective in {where}?"
            cards.append(_card(f"ineffective:{cls.slug}", CardKind.INEFFECTIVE, cls.slug, question, lines, page))
        else:
            question = f"Which treatments does the content give as {role.value} for {where}?"
            cards.append(_card(f"options:{cls.slug}:{role.value}", CardKind.OPTIONS, cls.slug, question, lines, page))
    treatments = {r.treatment_slug: r.treatment_name for r in recs}
    for slug, name in sorted(treatments.items(), key=lambda item: item[1].casefold()):
        mine = [r for r in recs if r.treatment_slug == slug]
        question = f"What role does the content give {name} in {where}?"
        lines = _grouped(mine, kinds, key=lambda r: r.role.value)
        cards.append(_card(f"role:{slug}:{cls.slug}", CardKind.ROLE, cls.slug, question, lines, page))
        dosed = [r for r in mine if r.dose is not None]
        if dosed:
            question = f"What dose of {name} does the content give for {where}, and from which source?"
            lines = _grouped(dosed, kinds, key=lambda r: r.dose.text if r.dose else "")
            cards.append(_card(f"dose:{slug}:{cls.slug}", CardKind.CLASS_DOSE, cls.slug, question, lines, page))
    return cards


def _drug_cards(page: TreatmentPage, excluded: frozenset[str], kinds: _Kinds) -> list[Card]:
    cards: list[Card] = []
    url = _treatment_page(page)
    # A dose is never shown without its use and its source: a range with neither gets no card.
    if (
        page.dose is not None
        and page.dose_context
        and page.dose_source is not None
        and page.dose_source.article_slug not in excluded
    ):
        question = f"What dose range does the content give for {page.name}, and for what use?"
        lines = (AnswerLine(page.dose.text, (_statement(page.dose_context, page.dose_source, kinds),)),)
        cards.append(_card(f"dose:{page.slug}", CardKind.DOSE, DRUGS_DECK, question, lines, url))
    return cards


def _grouped(
    recs: Iterable[Recommendation], kinds: _Kinds, key: Callable[[Recommendation], str]
) -> tuple[AnswerLine, ...]:
    """One answer line per distinct value, in the order the Library gave them, each row's note with its source."""
    statements: dict[str, list[Statement]] = {}
    for rec in recs:
        said = statements.setdefault(key(rec), [])
        statement = _statement(rec.note, rec.source, kinds)
        if statement not in said:
            said.append(statement)
    return tuple(AnswerLine(value, tuple(said)) for value, said in statements.items())


def _card(
    card_id: str, kind: CardKind, deck: str, question: str, lines: tuple[AnswerLine, ...], page: PageAddress
) -> Card:
    return Card(card_id, kind, deck, question, lines, page, fingerprint(lines))


def _treatment_page(page: TreatmentPage) -> PageAddress:
    return PageAddress(PageScheme.TREATMENT, page.slug)


def fingerprint(lines: Iterable[AnswerLine]) -> str:
    """A digest of what an answer holds: values, the sources' wording, article slugs and citations.

    Titles are left out: renaming an article or a class does not change a fact.
    """
    payload = [
        [
            line.text,
            [
                [s.text, s.source.article_slug, list(s.source.citations)] if s.source else [s.text]
                for s in line.statements
            ],
        ]
        for line in lines
    ]
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return digest.hexdigest()[:20]
