"""A synthetic content corpus in the same source format as ``resources/content``, for benchmarks.

Deterministic from a seed: the same arguments write the same bytes. By default 10,000 articles
of 1,000-1,500 words (sections, bullet lists, 3-8 references, ``[@N]`` citations, ``drug:`` /
``class:`` / ``article:`` links), one article about four times the usual length, 1,000 drugs
with brand names and dose ranges (each dose written into the text of its source article, as
the build checks), 40 myoclonus classes, a few non-drug treatments and 20,000 recommendations.

The result passes ``python -m db check --sources DIR`` and builds with ``python -m db build``::

    python -m bench.generate build/bench/corpus                  # 10,000 articles
    python -m bench.generate /tmp/small --articles 30 --drugs 20 --classes 8 --recommendations 60

The text is made of invented words drawn with Zipf-like frequencies around a core of real
clinical vocabulary, so the search index has a realistic shape (a few very common terms, a long
tail of rare ones) without copying any real clinical statement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

#: Any edit to this file makes a cached corpus stale (a hand-kept number was forgotten once).
GENERATOR_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
#: Written next to the sources; says how the corpus was made (the build ignores it).
MARKER = "bench-corpus.json"
HOME_SLUG = "myoclonus-treatment-options"  # the main window opens it at start-up, as with the real content


def _words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


_FUNCTION_WORDS = _words(
    "the of and to in a is for with that as are be by or on may at from this was were have has not it their "
    "which an these than should when after patients treatment can in also but more other between most such "
    "only both into during while because however each some all who its been no there about over under"
)
_CLINICAL_WORDS = _words(
    "myoclonus cortical seizure seizures dose doses therapy drug drugs response responders placebo trial "
    "study studies evidence guideline guidelines label clinical neurological injury cardiac arrest hypoxic "
    "electroencephalography monitoring prognosis outcome outcomes adverse effects tolerability efficacy "
    "combination monotherapy adjunctive titration maintenance withdrawal sedation infusion intravenous oral "
    "daily weekly renal hepatic impairment clearance plasma concentration level levels children adults older "
    "pregnancy interaction interactions metabolism enzyme inhibitor inducer receptor channel sodium calcium "
    "potassium chloride gaba glutamate serotonin dopamine synaptic vesicle protein binding cerebellar spinal "
    "segmental peripheral functional subcortical brainstem thalamus basal ganglia reticular reflex startle "
    "jerks twitching involuntary movement movements tremor dystonia chorea ataxia spasticity epilepsy "
    "syndrome syndromes progressive juvenile infantile acute chronic refractory status epilepticus coma "
    "intensive care unit ventilation anaesthesia propofol benzodiazepine anticonvulsant antiepileptic "
    "randomised controlled retrospective prospective cohort series case report review meta analysis "
    "systematic consensus recommendation recommendations first line mainstay alternative adjunct last resort "
    "ineffective effective improvement improved reduced reduction increase increased decrease frequency "
    "severity scale score baseline week weeks month months year years follow up rate rates percent "
    "proportion significant significantly median mean range interval confidence patient cohort hospital "
    "discharge admission emergency department neurologist physician nurse pharmacist caregiver family "
    "quality life daily activities walking speech swallowing falls injury risk benefit harm caution "
    "contraindicated monitoring blood count liver function tests kidney sodium levels rash dizziness "
    "somnolence fatigue irritability behavioural mood depression anxiety psychosis weight gain hair loss"
)
_ROOTS = _words(
    "neur cortic myo thalam cerebell spin mening enceph gangli synapt axon dendr electr chron tox metab "
    "hepat ren card pulmon gastr derm haemat immun endocr ocul vestibul audit oste arthr vascul lymph "
    "psych somat path physi pharmac kinet dynam gen prote lipid gluc sterol amin pept recept"
)
_MIDDLES = ("", "o", "a", "i", "oge", "ope", "ama", "ito", "ecu", "ula", "ero", "ino")
_ENDINGS = _words(
    "al ic itis osis ergic ectomy pathy ogenic ation ism ity ive oid ular ance ence ase ine ide ate ome "
    "ology ograph ometry otomy oplasty aemia uria algia esis osome"
)

_DRUG_PREFIXES = _words(
    "ab ac al am ar bel ben bri car cel cla clo dal dex di do el en eso eta far fe flu ga gli ha ib ima ka "
    "la le li lo ma me mi mo na ne ni no ol pa pe pi pra que ra re ri ro sa se si so su ta te ti to tra va "
    "ve vi vo za ze zi zo"
)
_DRUG_MIDDLES = ("", "ba", "ce", "de", "fi", "ga", "li", "lo", "ma", "mi", "na", "ne", "pa", "ra", "ri", "ta", "ve")
_DRUG_SUFFIXES = _words(
    "zepam racetam pril sartan olol mide zamide trigine pine tadine oxetine azole cillin cycline statin "
    "parin dronate lukast setron tidine gabalin barbital zolam lamide tamine profen xaban dipine"
)
_BRAND_HEADS = _words(
    "Ze Ka Lo Vi Tri Neu Xa Ori Ven Sy Pra De Cor Mi Ly Ro Qua Bel Fen Gal Hal Jo Mar Nor Pel Sel Tal"
)
_BRAND_BODIES = _words("vex pra lix tor mer nov zal ren dex tiv quil lan van cor sta bri cal dol fex gor")
_BRAND_TAILS = ("a", "on", "in", "ix", "al", "or", "ia", "ex", "o", "")
_SALTS = ("sodium", "hydrochloride", "mesylate", "acetate", "extended release", "maleate")

_TOPICS = _words(
    "Myoclonus, Epilepsy, Tremor, Dystonia, Chorea, Tics, Parkinsonism, Ataxia, Spasticity, Neuropathic pain, "
    "Migraine, Status epilepticus, Post-cardiac arrest care, Neurocritical care, Sleep disorders, Restless legs, "
    "Paediatric neurology, Neuro-oncology, Autoimmune encephalitis, Metabolic encephalopathy, Toxicology, "
    "Dementia, Multiple sclerosis, Stroke, Headache, Vertigo, Neuromuscular disease, Myasthenia, Neuropathy, "
    "Spinal cord disorders, Functional disorders, Palliative care, Anaesthesia, Pharmacology, Rehabilitation, "
    "Genetics, Neuro-ophthalmology, Infection, Renal disease, Hepatic disease",
    ", ",
)
_PHYSIOLOGICAL = (
    ("cortical", "Cortical"),
    ("cortical-subcortical", "Cortical-subcortical"),
    ("subcortical-nonsegmental", "Subcortical-nonsegmental"),
    ("segmental", "Segmental"),
    ("peripheral", "Peripheral"),
    ("functional", "Functional"),
)
_SYNDROMES = (
    ("post-hypoxic", "Post-hypoxic myoclonus", ""),
    ("post-hypoxic-acute", "Acute post-hypoxic myoclonus", "post-hypoxic"),
    ("lance-adams", "Lance-Adams syndrome", "post-hypoxic"),
    ("reticular-reflex", "Reticular reflex myoclonus", ""),
    ("opsoclonus-myoclonus", "Opsoclonus-myoclonus syndrome", ""),
    ("juvenile-myoclonic-epilepsy", "Juvenile myoclonic epilepsy", ""),
    ("alcohol-sensitive", "Alcohol-sensitive myoclonus", ""),
    ("progressive-myoclonic-epilepsy", "Progressive myoclonic epilepsy", ""),
    ("unverricht-lundborg", "Unverricht-Lundborg disease", "progressive-myoclonic-epilepsy"),
    ("lafora", "Lafora disease", "progressive-myoclonic-epilepsy"),
    ("myoclonus-dystonia", "Myoclonus-dystonia", ""),
    ("propriospinal", "Propriospinal myoclonus", ""),
    ("palatal", "Palatal myoclonus", ""),
    ("drug-induced", "Drug-induced myoclonus", ""),
    ("serotonin-syndrome", "Serotonin syndrome", "drug-induced"),
    ("metabolic", "Metabolic myoclonus", ""),
    ("uraemic", "Uraemic myoclonus", "metabolic"),
    ("hepatic", "Hepatic encephalopathy", "metabolic"),
    ("creutzfeldt-jakob", "Creutzfeldt-Jakob disease", ""),
    ("alzheimer", "Myoclonus in Alzheimer disease", ""),
    ("lewy-body", "Dementia with Lewy bodies", ""),
    ("corticobasal", "Corticobasal degeneration", ""),
    ("multiple-system-atrophy", "Multiple system atrophy", ""),
    ("huntington", "Huntington disease", ""),
    ("coeliac", "Coeliac disease", ""),
    ("hashimoto", "Hashimoto encephalopathy", ""),
    ("paraneoplastic", "Paraneoplastic myoclonus", ""),
    ("infantile-spasms", "Infantile spasms", ""),
    ("benign-infancy", "Benign myoclonus of infancy", ""),
    ("hypnic", "Hypnic jerks", ""),
    ("startle", "Startle syndromes", ""),
    ("refractory", "Refractory myoclonus", ""),
    ("unknown-cause", "Myoclonus of unknown cause", ""),
)
_THERAPIES = (
    ("deep-brain-stimulation", "deep brain stimulation", ("DBS",)),
    ("physical-therapy", "physical therapy", ("physiotherapy",)),
    ("occupational-therapy", "occupational therapy", ()),
    ("ketogenic-diet", "ketogenic diet", ()),
    ("plasmapheresis", "plasmapheresis", ("plasma exchange",)),
    ("transcranial-magnetic-stimulation", "transcranial magnetic stimulation", ("TMS",)),
)
_ROLES = ("first-line", "mainstay", "alternative", "adjunct", "last resort", "reported ineffective")
_ROLE_WEIGHTS = (20, 15, 30, 20, 8, 7)
_REVIEW = ("pending human review", "reviewed by the editors", "pending human review", "reviewed by a pharmacist")
_JOURNALS = _words(
    "Neurology, Epilepsia, Movement disorders, Journal of neurology, Lancet neurology, Brain, Seizure, "
    "Annals of neurology, Clinical neurophysiology, Resuscitation, Critical care medicine, Epilepsy research, "
    "Handbook of clinical neurology, Current treatment options in neurology, Acta neurologica Belgica, "
    "Neurotherapeutics, European journal of neurology, Journal of child neurology, CNS drugs, Drugs",
    ", ",
)
_HEADINGS = _words(
    "Key considerations, Treatment, Combination therapy, Monitoring, Dosing in renal impairment, "
    "Dosing in hepatic impairment, Adverse effects, Quality of the evidence, Special populations, Children, "
    "Older adults, Pregnancy and breastfeeding, Drug interactions, Withdrawal, Prognosis, Non-drug approaches, "
    "Refractory cases, Diagnosis, Classification, Follow-up",
    ", ",
)
_CONDITIONS = _words(
    "myoclonus, cortical myoclonus, post-hypoxic myoclonus, action myoclonus, negative myoclonus, "
    "spinal myoclonus, epileptic myoclonus, drug-induced myoclonus, nocturnal myoclonus, myoclonic seizures, "
    "myoclonic status epilepticus, essential myoclonus, startle myoclonus, toxic myoclonus",
    ", ",
)
_POPULATIONS = _words(
    "adults, children, older adults, pregnancy, intensive care, renal failure, liver disease, palliative care",
    ", ",
)
_TITLES = (
    ("What are the treatment options for {c}?", "Treatment options for {c}"),
    ("How is {c} managed in {p}?", "Managing {c} in {p}"),
    ("Which drugs are used for {c}?", "Drugs for {c}"),
    ("What is the first-line treatment for {c}?", "First-line treatment for {c}"),
    ("How should {c} be monitored in {p}?", "Monitoring {c} in {p}"),
    ("When is combination therapy used for {c}?", "Combination therapy for {c}"),
)


@dataclass(frozen=True)
class CorpusSpec:
    """How big a corpus to write, and from which seed."""

    articles: int = 10_000
    drugs: int = 1_000
    classes: int = 40
    recommendations: int = 20_000
    seed: int = 1
    #: The largest article is this many times the usual length.
    largest_factor: float = 4.0

    def __post_init__(self) -> None:
        if self.articles < 2 or self.drugs < 1 or self.classes < 1 or self.recommendations < 0:
            raise ValueError("a corpus needs at least 2 articles, 1 drug and 1 class")
        if self.classes > 1 + len(_PHYSIOLOGICAL) + len(_SYNDROMES) + 1000:
            raise ValueError("too many classes")


@dataclass(frozen=True)
class GeneratedCorpus:
    """What was written: where, from which spec, and a few names the benchmarks use."""

    root: Path
    spec: CorpusSpec
    largest_article: str
    largest_words: int
    median_words: int
    brand: str
    brand_drug: str
    drug: str
    seconds: float


class _Text:
    """Sentences of invented clinical prose, drawn from a Zipf-like vocabulary."""

    def __init__(self, rng: random.Random, sentences: int = 20_000) -> None:
        self.rng = rng
        invented: set[str] = set()
        while len(invented) < 12_000:
            invented.add(rng.choice(_ROOTS) + rng.choice(_MIDDLES) + rng.choice(_ENDINGS))
        tail = sorted(invented)
        rng.shuffle(tail)
        # Roughly the mix of clinical prose: function words, a clinical core, a long tail of rare
        # terms; within each, Zipf's law (the n-th commonest word about 1/n as frequent as the first).
        vocabulary: list[str] = []
        cumulative: list[float] = []
        total = 0.0
        for share, words in ((0.45, _FUNCTION_WORDS), (0.4, _CLINICAL_WORDS), (0.15, tail)):
            norm = sum(1.0 / (rank + 1) for rank in range(len(words)))
            for rank, word in enumerate(words):
                total += share / (rank + 1) / norm
                vocabulary.append(word)
                cumulative.append(total)
        lengths = [rng.randint(7, 24) for _ in range(sentences)]
        stream = rng.choices(vocabulary, cum_weights=cumulative, k=sum(lengths))
        self.sentences: list[tuple[str, int]] = []
        position = 0
        for length in lengths:
            words = stream[position : position + length]
            position += length
            if rng.random() < 0.12:
                words.insert(rng.randrange(1, length), f"({rng.randint(5, 400)} patients)")
            elif rng.random() < 0.1:
                words.insert(rng.randrange(1, length), f"{rng.randint(1, 95)}.{rng.randint(0, 9)}%")
            sentence = " ".join(words)
            self.sentences.append((sentence[0].upper() + sentence[1:] + ".", len(words)))
        self.fragments = [s[:-1].lower() for s, n in self.sentences if n <= 14]

    def sentence(self) -> tuple[str, int]:
        return self.rng.choice(self.sentences)

    def fragment(self) -> str:
        return self.rng.choice(self.fragments)


@dataclass
class _Drug:
    slug: str
    name: str
    kind: str
    brands: list[str]
    synonyms: list[str]
    mechanism: str
    dose: str
    dose_article: int
    dose_citations: list[int]


@dataclass
class _Article:
    slug: str
    title: str
    short_title: str
    topic: str
    references: int
    drugs: list[int]


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _unique_name(taken: set[str], make: Callable[[], str]) -> str:
    for _ in range(1000):
        name = make()
        if name.casefold() not in taken:
            taken.add(name.casefold())
            return name
    raise RuntimeError("could not find a unique name; lower the number of drugs")


def _make_drugs(rng: random.Random, spec: CorpusSpec, text: _Text, taken: set[str]) -> list[_Drug]:
    drugs: list[_Drug] = []
    units = ("mg",) * 7 + ("mcg", "g", "IU", "units")
    pers = ("day",) * 6 + ("dose", "kg/day")
    for index in range(spec.drugs):
        name = _unique_name(
            taken,
            lambda: rng.choice(_DRUG_PREFIXES) + rng.choice(_DRUG_MIDDLES) + rng.choice(_DRUG_SUFFIXES),
        )
        kind = "drug group" if index % 25 == 24 else "drug"
        brands = [
            _unique_name(
                taken,
                lambda: (
                    rng.choice(_BRAND_HEADS)
                    + rng.choice(_BRAND_BODIES)
                    + (rng.choice(_BRAND_BODIES) if rng.random() < 0.5 else "")
                    + rng.choice(_BRAND_TAILS)
                ),
            )
            for _ in range(rng.choice((1, 1, 2, 2, 3)))
        ]

        def salted(base: str = name) -> str:
            return f"{base} {rng.choice(_SALTS)}"

        synonyms = [_unique_name(taken, salted)] if rng.random() < 0.3 else []
        low = rng.choice((0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500))
        high = low * rng.choice((2, 3, 4, 6, 10))
        dose = ""
        if rng.random() < 0.9:
            dose = f"{low:g}-{high:g} {rng.choice(units)}/{rng.choice(pers)}"
        mechanism = text.sentence()[0] if rng.random() < 0.6 else ""
        dose_article = (index * spec.articles) // spec.drugs
        drugs.append(_Drug(_slugify(name), name, kind, brands, synonyms, mechanism, dose, dose_article, []))
    return drugs


def _make_classes(spec: CorpusSpec) -> list[tuple[str, str, str, str]]:
    """(slug, name, category, parent) in the editors' order."""
    classes = [("myoclonus-general", "Myoclonus (any type)", "general", "")]
    classes += [(slug, name, "physiological", "") for slug, name in _PHYSIOLOGICAL]
    classes += [(slug, name, "syndrome", parent) for slug, name, parent in _SYNDROMES]
    number = 1
    while len(classes) < spec.classes:
        classes.append((f"syndrome-{number}", f"Myoclonic syndrome {number}", "syndrome", ""))
        number += 1
    classes = classes[: spec.classes]
    present = {slug for slug, *_ in classes}
    return [(slug, name, category, parent if parent in present else "") for slug, name, category, parent in classes]


def _make_articles(rng: random.Random, spec: CorpusSpec, drugs: list[_Drug]) -> list[_Article]:
    articles: list[_Article] = []
    primary: dict[int, list[int]] = {}
    for index, drug in enumerate(drugs):
        primary.setdefault(drug.dose_article, []).append(index)
    for index in range(spec.articles):
        condition = rng.choice(_CONDITIONS)
        title, short = rng.choice(_TITLES)
        population = rng.choice(_POPULATIONS)
        title, short = title.format(c=condition, p=population), short.format(c=condition, p=population)
        if index == 0:
            title = "What are the treatment options for myoclonus (involuntary muscle twitching)?"
            short, slug, topic = "Treatment options for myoclonus", HOME_SLUG, "Myoclonus"
        else:
            slug, topic = f"{_slugify(short)}-{index:05d}", _TOPICS[index % len(_TOPICS)]
        mentioned = list(primary.get(index, []))
        want = min(len(drugs), rng.randint(4, 8))
        while len(mentioned) < want:
            pick = rng.randrange(len(drugs))
            if pick not in mentioned:
                mentioned.append(pick)
        articles.append(_Article(slug, title, short, topic, rng.randint(3, 8), mentioned))
    return articles


class _Writer:
    """Writes one article body, counting words as it goes."""

    def __init__(self, rng: random.Random, text: _Text, article: _Article) -> None:
        self.rng, self.text, self.article = rng, text, article
        self.lines: list[str] = []
        self.words = 0

    def cite(self) -> str:
        refs = self.article.references
        if self.rng.random() < 0.2 and refs > 1:
            first, second = self.rng.sample(range(1, refs + 1), 2)
            return f" [@{first},{second}]"
        return f" [@{self.rng.randint(1, refs)}]"

    def sentences(self, count: int, cite_every: int = 2) -> str:
        parts = []
        for number in range(count):
            sentence, words = self.text.sentence()
            if number % cite_every == cite_every - 1:
                sentence = sentence[:-1] + self.cite() + "."
            parts.append(sentence)
            self.words += words
        return " ".join(parts)

    def paragraph(self, text: str) -> None:
        self.lines += [text, ""]

    def heading(self, level: int, text: str) -> None:
        self.lines += ["#" * level + " " + text, ""]
        self.words += len(text.split())

    def bullets(self, count: int) -> None:
        for _ in range(count):
            self.lines.append("- " + self.sentences(1, cite_every=1))
        self.lines.append("")

    def drug_sentence(self, drug: _Drug) -> str:
        brand = f" ({drug.brands[0]})" if drug.brands else ""
        fragment = self.text.fragment()
        self.words += 8 + len(fragment.split()) + (2 if drug.dose else 0)
        if drug.dose:
            name = drug.name[0].upper() + drug.name[1:]
            link = f"[{name}](drug:{drug.slug}){brand}"
            return f"{link} is given at {drug.dose} in the sources, and {fragment}{self.cite()}."
        return f"The sources name [{drug.name}](drug:{drug.slug}){brand} without a dose range; {fragment}{self.cite()}."


def _article_body(
    rng: random.Random,
    text: _Text,
    article: _Article,
    target: int,
    drugs: list[_Drug],
    classes: list[tuple[str, str, str, str]],
    slugs: list[str],
) -> tuple[str, int]:
    w = _Writer(rng, text, article)
    mentioned = [drugs[i] for i in article.drugs]
    cls_slug, cls_name, _, _ = rng.choice(classes)
    first = ", ".join(f"[{d.name}](drug:{d.slug})" for d in mentioned[:3])
    w.heading(2, "From the guidelines")
    w.paragraph(
        f"The guideline overview puts {first} first among the medicines for "
        f"[{cls_name.lower()}](class:{cls_slug}){w.cite()}. " + w.sentences(rng.randint(3, 5))
    )
    w.words += 14
    w.heading(3, "Key considerations")
    w.bullets(rng.randint(3, 6))
    w.heading(3, "Treatment")
    w.paragraph(" ".join(w.drug_sentence(d) for d in mentioned))
    w.heading(2, "From the drug label")
    if rng.random() < 0.2:
        w.paragraph("The FDA drug label does not answer this question.")
    else:
        sites, countries, patients = rng.randint(5, 60), rng.randint(2, 20), rng.randint(40, 600)
        responders, placebo = rng.randint(300, 800) / 10, rng.randint(100, 299) / 10
        w.paragraph(
            f"The label describes a trial at {sites} sites in {countries} countries with {patients} patients. "
            f"Responders were {responders}% with treatment and {placebo}% with placebo{w.cite()}. "
            + w.sentences(rng.randint(1, 3))
        )
        w.words += 28
    w.heading(2, "From the research")
    headings = rng.sample(_HEADINGS, len(_HEADINGS))
    number = 0
    while w.words < target:
        heading = headings[number % len(headings)]
        w.heading(3, heading if number < len(headings) else f"{heading} ({number // len(headings) + 1})")
        body = w.sentences(rng.randint(3, 6))
        roll = rng.random()
        if roll < 0.25:
            other_slug, other_name, _, _ = rng.choice(classes)
            body += f" For [{other_name.lower()}](class:{other_slug}), {text.fragment()}{w.cite()}."
            w.words += 12
        elif roll < 0.4:
            other = rng.choice(slugs)
            body += f" See also [the article on this question](article:{other})."
            w.words += 7
        elif roll < 0.5:
            therapy_slug, therapy_name, _ = rng.choice(_THERAPIES)
            body += f" [{therapy_name.capitalize()}](drug:{therapy_slug}) may help when {text.fragment()}{w.cite()}."
            w.words += 14
        w.paragraph(body)
        if rng.random() < 0.6:
            w.bullets(rng.randint(2, 4))
        number += 1
    return "\n".join(w.lines), w.words


def _front_matter(rng: random.Random, text: _Text, article: _Article, index: int) -> str:
    updated = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3740))
    summary = " ".join(text.sentence()[0] for _ in range(2))
    lines = [
        "+++",
        f"title = {_toml(article.title)}",
        f'slug = "{article.slug}"',
        f"short_title = {_toml(article.short_title)}",
        f"topic = {_toml(article.topic)}",
        f"updated = {updated.isoformat()}",
        f'review_status = "{rng.choice(_REVIEW)}"',
        f'source = "Synthetic export {index:05d}"',
        f"summary = {_toml(summary)}",
    ]
    for number in range(1, article.references + 1):
        lines += ["", "[[references]]", f"number = {number}"]
        if number == 1:
            lines += ['kind = "guideline"', 'title = "Guideline Directed Topic Overview"']
            lines += ['publication = "Synthetic Advisory Board"', f"year = {rng.randint(2015, 2025)}"]
        elif number == 2 and rng.random() < 0.3:
            lines += ['kind = "drug label"', 'title = "FDA drug label"', "listed = false"]
            lines += ['note = "The source cites 2 for its drug-label section but does not list it."']
        else:
            title = text.fragment()
            lines += ['kind = "research"', f"title = {_toml(title[0].upper() + title[1:] + '.')}"]
            lines += [f"publication = {_toml(rng.choice(_JOURNALS))}", f"year = {rng.randint(1990, 2025)}"]
    lines.append("+++")
    return "\n".join(lines) + "\n\n"


def _drugs_toml(drugs: list[_Drug], articles: list[_Article]) -> str:
    out = ["# Synthetic drugs for the benchmarks (bench/generate.py).", ""]
    for d in drugs:
        out += ["[[drug]]", f'slug = "{d.slug}"', f'name = "{d.name}"', f'kind = "{d.kind}"']
        out.append("brands = [" + ", ".join(_toml(b) for b in d.brands) + "]")
        out.append("synonyms = [" + ", ".join(_toml(s) for s in d.synonyms) + "]")
        if d.mechanism:
            out.append(f"mechanism = {_toml(d.mechanism)}")
        if d.dose:
            out += [f'dose = "{d.dose}"', 'dose_context = "in the sources\' usual use"']
            out.append(f'dose_article = "{articles[d.dose_article].slug}"')
            out.append("dose_citations = [" + ", ".join(str(n) for n in d.dose_citations) + "]")
            if not d.dose_citations:
                out.append("dose_uncited = true")
        out.append("")
    return "\n".join(out)


def _therapies_toml() -> str:
    out = ["# Non-drug treatments for the benchmarks.", ""]
    for slug, name, synonyms in _THERAPIES:
        out += ["[[therapy]]", f'slug = "{slug}"', f'name = "{name}"']
        out += ["synonyms = [" + ", ".join(_toml(s) for s in synonyms) + "]", ""]
    return "\n".join(out)


def _classes_toml(classes: list[tuple[str, str, str, str]], text: _Text) -> str:
    out = ["# Synthetic myoclonus classes for the benchmarks.", ""]
    for slug, name, category, parent in classes:
        out += ["[[class]]", f'slug = "{slug}"', f"name = {_toml(name)}", f'category = "{category}"']
        if parent:
            out.append(f'parent = "{parent}"')
        synonyms = [f"{name.lower()} myoclonus"] if category == "physiological" else []
        out.append("synonyms = [" + ", ".join(_toml(s) for s in synonyms) + "]")
        out += [f"description = {_toml(text.sentence()[0])}", ""]
    return "\n".join(out)


def _recommendations_toml(
    rng: random.Random,
    spec: CorpusSpec,
    text: _Text,
    drugs: list[_Drug],
    articles: list[_Article],
    classes: list[tuple[str, str, str, str]],
) -> str:
    out = ["# Synthetic treatment x class statements for the benchmarks.", ""]
    for index in range(spec.recommendations):
        article = articles[index % len(articles)]
        dose = ""
        if rng.random() < 0.05:
            treatment = rng.choice(_THERAPIES)[0]
        else:
            drug = drugs[rng.choice(article.drugs)]
            treatment = drug.slug
            if drug.dose and rng.random() < 0.5:
                dose = drug.dose  # the article states it: every mention carries the drug's range
        role = rng.choices(_ROLES, weights=_ROLE_WEIGHTS)[0]
        out += ["[[recommendation]]", f'treatment = "{treatment}"', f'class = "{rng.choice(classes)[0]}"']
        out.append(f'role = "{role}"')
        if dose:
            out.append(f'dose = "{dose}"')
        out += [f"note = {_toml(text.sentence()[0])}", f'article = "{article.slug}"']
        if dose or rng.random() < 0.1:  # the generated text states doses without a citation
            out += ["citations = []", "uncited = true", ""]
        else:
            numbers = sorted(rng.sample(range(1, article.references + 1), min(article.references, rng.randint(1, 2))))
            out += ["citations = [" + ", ".join(str(n) for n in numbers) + "]", ""]
    return "\n".join(out)


def generate(root: Path, spec: CorpusSpec | None = None) -> GeneratedCorpus:
    """Write a corpus under ``root`` (emptied first if it holds an earlier corpus)."""
    spec = spec or CorpusSpec()
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    text = _Text(rng)
    taken = {name.casefold() for _, name, _ in _THERAPIES}
    taken |= {s.casefold() for _, _, synonyms in _THERAPIES for s in synonyms}
    drugs = _make_drugs(rng, spec, text, taken)
    classes = _make_classes(spec)
    articles = _make_articles(rng, spec, drugs)
    # Doses are left uncited (dose_uncited = true): the check wants a cited dose on a line that
    # carries its citation, and the generated prose does not promise that.

    if root.exists():
        if any(root.iterdir()) and not (root / MARKER).is_file():
            raise FileExistsError(f"{root} is not empty and holds no generated corpus; choose another folder")
        shutil.rmtree(root)
    (root / "articles").mkdir(parents=True)
    slugs = [a.slug for a in articles]
    largest = len(articles) // 2
    words: list[int] = []
    for index, article in enumerate(articles):
        target = rng.randint(1000, 1500)
        if index == largest:
            target = int(1250 * spec.largest_factor)
        front = _front_matter(rng, text, article, index)
        body, count = _article_body(rng, text, article, target, drugs, classes, slugs)
        words.append(count)
        with open(root / "articles" / f"{article.slug}.md", "w", encoding="utf-8", newline="\n") as handle:
            handle.write(front + body + "\n")
    (root / "content.toml").write_text(
        f'version = "bench-{spec.seed}-{spec.articles}"\ntitle = "ClinRef synthetic benchmark corpus"\n',
        encoding="utf-8",
    )
    (root / "conditions.toml").write_text(
        '[[condition]]\nslug = "myoclonus"\nname = "Myoclonus"\n', encoding="utf-8"
    )  # the sources name their conditions (issue 13); every entry belongs to this one by default
    (root / "drugs.toml").write_text(_drugs_toml(drugs, articles), encoding="utf-8")
    (root / "therapies.toml").write_text(_therapies_toml(), encoding="utf-8")
    (root / "classes.toml").write_text(_classes_toml(classes, text), encoding="utf-8")
    (root / "recommendations.toml").write_text(
        _recommendations_toml(rng, spec, text, drugs, articles, classes), encoding="utf-8"
    )
    branded = next(d for d in drugs if d.brands)
    corpus = GeneratedCorpus(
        root=root,
        spec=spec,
        largest_article=articles[largest].slug,
        largest_words=words[largest],
        median_words=sorted(words)[len(words) // 2],
        brand=branded.brands[0],
        brand_drug=branded.slug,
        drug=drugs[len(drugs) // 2].name,
        seconds=time.perf_counter() - started,
    )
    marker = {**asdict(corpus), "root": str(root), "generator_version": GENERATOR_VERSION}
    (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return corpus


def cached(root: Path, spec: CorpusSpec) -> GeneratedCorpus | None:
    """The corpus already under ``root`` if it was generated from ``spec`` by this generator."""
    try:
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("generator_version") != GENERATOR_VERSION or marker.get("spec") != asdict(spec):
        return None
    fields = {k: v for k, v in marker.items() if k not in ("generator_version", "root", "spec")}
    try:
        return GeneratedCorpus(root=root, spec=spec, **fields)
    except TypeError:
        return None


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """The corpus-size options, shared by ``python -m bench.generate`` and ``python -m bench``."""
    defaults = CorpusSpec()
    parser.add_argument("--articles", type=int, default=defaults.articles)
    parser.add_argument("--drugs", type=int, default=defaults.drugs)
    parser.add_argument("--classes", type=int, default=defaults.classes)
    parser.add_argument("--recommendations", type=int, default=defaults.recommendations)
    parser.add_argument("--seed", type=int, default=defaults.seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the sources into (emptied if it holds a corpus)")
    add_spec_arguments(parser)
    args = parser.parse_args(argv)
    try:
        spec = CorpusSpec(args.articles, args.drugs, args.classes, args.recommendations, args.seed)
        corpus = generate(args.out, spec)
    except (ValueError, FileExistsError) as exc:
        print(f"python -m bench.generate: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {spec.articles:,} articles (median {corpus.median_words:,} words; largest "
        f"{corpus.largest_article}, {corpus.largest_words:,} words), {spec.drugs:,} drugs, {spec.classes} classes, "
        f"{spec.recommendations:,} recommendations to {args.out} in {corpus.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
