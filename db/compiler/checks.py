"""The clinical cross-checks that need every source at once.

Unique slugs and names, links and citations that resolve, class parents that exist, and the
dose rules editors most need to know: every dose appears in its article exactly as written, and
a cited dose stands on a line of its article that carries one of its citations.
"""

from __future__ import annotations

from db.compiler.articles import ArticleSource
from db.compiler.catalog import ClassSource, TreatmentSource
from db.compiler.dialect import CITATION
from db.compiler.doses import appears_as_written
from db.compiler.tree import ContentSources, relative
from db.errors import Problem
from db.model import DoseRange, PageScheme


def cross_check(sources: ContentSources, problems: list[Problem]) -> None:
    """Checks that need every file: unique slugs, links, citations and doses that resolve."""
    articles: dict[str, ArticleSource] = {}
    for article in sources.articles:
        rel = relative(article.path, sources.root)
        if article.slug in articles:
            problems.append(
                Problem(
                    rel,
                    1,
                    f"duplicate article slug {article.slug!r} "
                    f"(also {relative(articles[article.slug].path, sources.root)})",
                )
            )
        articles.setdefault(article.slug, article)
        numbers = article.reference_numbers()
        for number, line in article.citations:
            if number not in numbers:
                problems.append(
                    Problem(
                        rel,
                        line,
                        f"citation {number} has no reference: add a "
                        f"[[references]] entry numbered {number} (listed = false if the "
                        "source cites it without listing it)",
                    )
                )
    treatments: dict[str, TreatmentSource] = {}
    names: dict[str, str] = {}
    for treatment in sources.treatments:
        if treatment.slug in treatments:
            problems.append(Problem(treatment.file, treatment.line, f"duplicate treatment slug {treatment.slug!r}"))
        treatments.setdefault(treatment.slug, treatment)
        for name in (treatment.name, *treatment.brands, *treatment.synonyms):
            owner = names.setdefault(name.casefold(), treatment.slug)
            if owner != treatment.slug:
                problems.append(
                    Problem(
                        treatment.file,
                        treatment.line,
                        f"name {name!r} is used by both {owner!r} and {treatment.slug!r}",
                    )
                )
        if treatment.dose is not None and treatment.dose_article:
            _check_source(
                treatment.file,
                treatment.line,
                treatment.dose_article,
                treatment.dose_citations,
                articles,
                problems,
                dose=treatment.dose,
            )
    classes: dict[str, ClassSource] = {}
    for cls in sources.classes:
        if cls.slug in classes:
            problems.append(Problem(cls.file, cls.line, f"duplicate class slug {cls.slug!r}"))
        classes.setdefault(cls.slug, cls)
    for cls in sources.classes:
        seen = {cls.slug}
        parent = cls.parent
        while parent:
            if parent not in classes:
                problems.append(Problem(cls.file, cls.line, f"parent class {parent!r} does not exist"))
                break
            if parent in seen:
                problems.append(Problem(cls.file, cls.line, f"class {cls.slug!r} is its own ancestor"))
                break
            seen.add(parent)
            parent = classes[parent].parent
    for rec in sources.recommendations:
        if rec.treatment and rec.treatment not in treatments:
            problems.append(
                Problem(
                    rec.file,
                    rec.line,
                    f"unknown treatment {rec.treatment!r}: add it to drugs.toml or therapies.toml, or fix the slug",
                )
            )
        if rec.class_slug and rec.class_slug not in classes:
            problems.append(
                Problem(
                    rec.file, rec.line, f"unknown class {rec.class_slug!r}: add it to classes.toml, or fix the slug"
                )
            )
        _check_source(rec.file, rec.line, rec.article, rec.citations, articles, problems, dose=rec.dose)
    targets = {PageScheme.ARTICLE: set(articles), PageScheme.TREATMENT: set(treatments), PageScheme.CLASS: set(classes)}
    for article in sources.articles:
        rel = relative(article.path, sources.root)
        for address, line in article.links:
            # A link names a page; a place on it (#...) is not checked, so it is not allowed.
            if address.fragment or address.slug not in targets[address.scheme]:
                problems.append(Problem(rel, line, f"link to {address} goes nowhere: no such {address.scheme.value}"))


def _check_source(
    file: str,
    line: int,
    slug: str,
    citations: tuple[int, ...],
    articles: dict[str, ArticleSource],
    problems: list[Problem],
    dose: DoseRange | None,
) -> None:
    if not slug:
        return
    article = articles.get(slug)
    if article is None:
        problems.append(Problem(file, line, f"unknown article {slug!r}"))
        return
    numbers = article.reference_numbers()
    for number in citations:
        if number not in numbers:
            problems.append(Problem(file, line, f"citation {number} is not in the references of {slug!r}"))
    if dose is not None and not appears_as_written(dose.text, article.body):
        problems.append(
            Problem(
                file,
                line,
                f"dose {dose.text!r} does not appear in the text of {slug!r}: every dose must match its source exactly",
            )
        )
    if dose is not None and citations:
        _check_dose_citation(file, line, slug, dose, citations, article, problems)


def _check_dose_citation(
    file: str,
    line: int,
    slug: str,
    dose: DoseRange,
    citations: tuple[int, ...],
    article: ArticleSource,
    problems: list[Problem],
) -> None:
    """A cited dose must stand on a line of the article that carries one of its citations.

    A citation that supports the advice but not the number beside it is the error a reader
    cannot see; an entry whose source gives the dose without a citation is marked uncited.
    """
    lines = [text for text in article.body.splitlines() if appears_as_written(dose.text, text)]
    cited_there = {int(n) for text in lines for match in CITATION.finditer(text) for n in match.group(1).split(",")}
    if lines and not cited_there & set(citations):
        found = ", ".join(str(n) for n in sorted(cited_there)) or "none"
        problems.append(
            Problem(
                file,
                line,
                f"dose {dose.text!r} is given in {slug!r} only beside citations [{found}], not "
                f"{list(citations)}: cite what the source cites for the dose itself, or mark it uncited",
            )
        )
