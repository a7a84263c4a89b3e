"""The HTML of every page the article pane shows: articles, drug pages, class pages.

Built from the plain objects :class:`db.Library` returns; every text is escaped. No Qt here:
the colours come in a :class:`PageStyle` that the view derives from the palette.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from db.errors import LibraryError
from db.library import Library
from db.model import Article, ClassPage, DrugPage, Recommendation, Role, SourceRef, TreatmentKind


@dataclass(frozen=True)
class PageStyle:
    """Colours (CSS values) taken from the current palette, so pages follow light and dark themes."""

    text: str = "#1b1b1b"
    muted: str = "#5f6368"
    link: str = "#0b57d0"
    rule: str = "#d0d0d0"
    notice_back: str = "#fff4ce"
    notice_text: str = "#3d3000"
    ineffective: str = "#b3261e"
    dose_back: str = "#e8f0fe"


@dataclass(frozen=True)
class Page:
    """A rendered page: where it is, what it is called, its date (if any), and its HTML."""

    url: str
    title: str
    updated: str
    html: str
    #: False for the page that says an address has no page (or the content cannot be read).
    found: bool = True


def format_date(iso: str) -> str:
    """``2025-03-30`` -> ``30 Mar 2025`` (unambiguous in every locale); other text unchanged."""
    try:
        return dt.date.fromisoformat(iso).strftime("%d %b %Y").lstrip("0")
    except ValueError:
        return iso


def stylesheet(style: PageStyle) -> str:
    return f"""
body {{ color: {style.text}; }}
a {{ color: {style.link}; text-decoration: none; }}
h1 {{ font-size: 150%; font-weight: 600; margin-bottom: 4px; }}
h2 {{ font-size: 122%; font-weight: 600; margin-top: 18px; margin-bottom: 6px; }}
h3 {{ font-size: 108%; font-weight: 600; margin-top: 12px; margin-bottom: 4px; }}
p.meta, span.meta, td.meta {{ color: {style.muted}; }}
p.summary {{ font-style: italic; }}
table.notice {{ background-color: {style.notice_back}; color: {style.notice_text}; }}
sup.cite {{ font-size: 75%; }}
td.dose {{ background-color: {style.dose_back}; font-weight: 600; }}
th {{ text-align: left; color: {style.muted}; font-weight: 600; border-bottom: 1px solid {style.rule}; }}
td {{ vertical-align: top; }}
.ineffective {{ color: {style.ineffective}; font-style: italic; }}
span.unlisted {{ color: {style.ineffective}; }}
span.refkind, span.refnote {{ color: {style.muted}; }}
table.draft {{ background-color: {style.notice_back}; color: {style.ineffective}; font-weight: 600; }}
"""


#: Above an article built with ``--include-drafts`` that an editor has not finished.
DRAFT_BANNER = (
    '<table class="draft" width="100%" cellpadding="6" cellspacing="0"><tr><td>'
    "DRAFT, NOT REVIEWED. This article was imported from a source export and has not been reviewed "
    "by the clinical editors: do not act on it.</td></tr></table>"
)


def _notice(text: str) -> str:
    return (
        f'<table class="notice" width="100%" cellpadding="6" cellspacing="0"><tr><td>'
        f"&#9888; {escape(text)}</td></tr></table>"
    )


def _source_link(source: SourceRef) -> str:
    anchor = f"#ref-{source.citations[0]}" if source.citations else ""
    return (
        f'<a href="article:{escape(source.article_slug)}{anchor}">{escape(source.article_title)}</a> '
        f'<span class="meta">{escape(source.label())}</span>'
    )


def _role(role: Role) -> str:
    if role is Role.REPORTED_INEFFECTIVE:
        return f'<span class="ineffective">&#10007; {escape(role.value)}</span>'
    return escape(role.value)


def _recommendation_table(recs: tuple[Recommendation, ...], first: str) -> str:
    if not recs:
        return '<p class="meta">None in the current content.</p>'
    head = f"<tr><th>{escape(first)}</th><th>Role</th><th>Dose</th><th>What the source says</th><th>Source</th></tr>"
    rows = []
    for rec in recs:
        if first == "Class":
            name = f'<a href="class:{escape(rec.class_slug)}">{escape(rec.class_name)}</a>'
        else:
            kind = (
                "" if rec.treatment_kind is TreatmentKind.DRUG else f' <span class="meta">({rec.treatment_kind})</span>'
            )
            name = f'<a href="drug:{escape(rec.treatment_slug)}">{escape(rec.treatment_name)}</a>{kind}'
        dose = f"<b>{escape(rec.dose.text)}</b>" if rec.dose else '<span class="meta">&mdash;</span>'
        cls = ' class="ineffective"' if rec.role is Role.REPORTED_INEFFECTIVE else ""
        rows.append(
            f"<tr><td>{name}</td><td>{_role(rec.role)}</td><td>{dose}</td>"
            f"<td{cls}>{escape(rec.note)}</td><td>{_source_link(rec.source)}</td></tr>"
        )
    return f'<table width="100%" cellpadding="4" cellspacing="0">{head}{"".join(rows)}</table>'


def recommendation_detail(rec: Recommendation) -> str:
    """One treatment entry in full, for the pane under the drug table."""
    kind = "" if rec.treatment_kind is TreatmentKind.DRUG else f' <span class="meta">({rec.treatment_kind})</span>'
    if rec.dose:
        dose = f"<b>{escape(rec.dose.text)}</b> for this use"
    else:
        dose = (
            f'<span class="meta">none given for this use; the <a href="drug:{escape(rec.treatment_slug)}">drug '
            "page</a> shows any range the sources give, and for what</span>"
        )
    return (
        f'<p><a href="drug:{escape(rec.treatment_slug)}"><b>{escape(rec.treatment_name)}</b></a>{kind} &middot; '
        f'{_role(rec.role)} &middot; <a href="class:{escape(rec.class_slug)}">{escape(rec.class_name)}</a>'
        f" &middot; Dose: {dose}</p><p>{escape(rec.note)}</p><p>Source: {_source_link(rec.source)}</p>"
    )


def article_page(article: Article, notice: str) -> str:
    meta = (
        f"{escape(article.topic)} &middot; Last updated <b>{escape(format_date(article.updated))}</b> &middot; "
        f"Review status: <b>{escape(article.review_status)}</b>"
    )
    parts = [f"<h1>{escape(article.title)}</h1>", f'<p class="meta">{meta}</p>', _notice(notice)]
    if article.draft:
        parts.append(DRAFT_BANNER)
    if article.summary:
        parts.append(f'<p class="summary">{escape(article.summary)}</p>')
    parts.append(article.html)
    if article.quirks:
        items = "".join(f"<li>{escape(q)}</li>" for q in article.quirks)
        parts.append(f'<h3>Notes on the source</h3><ul class="meta">{items}</ul>')
    if article.source:
        parts.append(f'<p class="meta">Taken from: {escape(article.source)}</p>')
    return "\n".join(parts)


def drug_page(page: DrugPage, notice: str) -> str:
    meta = [page.kind.label]
    if page.brands:
        meta.append("Brand names: <b>" + escape(", ".join(page.brands)) + "</b>")
    if page.synonyms:
        meta.append("Also called: " + escape(", ".join(page.synonyms)))
    parts = [f"<h1>{escape(page.name)}</h1>", f'<p class="meta">{" &middot; ".join(meta)}</p>', _notice(notice)]
    rows = []
    if page.dose:
        source = _source_link(page.dose_source) if page.dose_source else ""
        rows.append(
            f'<tr><td class="meta" width="22%">Dose range</td><td class="dose">{escape(page.dose.text)}</td>'
            f"<td>{escape(page.dose_context)}<br/>{source}</td></tr>"
        )
    elif page.kind is not TreatmentKind.NON_DRUG:
        rows.append(
            '<tr><td class="meta" width="22%">Dose range</td><td colspan="2" class="meta">'
            "The sources give no dose range.</td></tr>"
        )
    if page.mechanism:
        rows.append(f'<tr><td class="meta">Mechanism</td><td colspan="2">{escape(page.mechanism)}</td></tr>')
    if rows:
        parts.append(f'<table width="100%" cellpadding="6" cellspacing="0">{"".join(rows)}</table>')
    parts.append("<h2>Used for</h2>")
    parts.append(_recommendation_table(page.recommendations, "Class"))
    parts.append("<h2>Articles that mention it</h2>")
    if page.articles:
        parts.append(
            "<ul>"
            + "".join(
                f'<li><a href="article:{escape(a.slug)}">{escape(a.title)}</a> '
                f'<span class="meta">updated {escape(format_date(a.updated))}</span></li>'
                for a in page.articles
            )
            + "</ul>"
        )
    else:
        parts.append('<p class="meta">None.</p>')
    return "\n".join(parts)


def class_page(page: ClassPage, notice: str) -> str:
    condition = escape(page.condition.name) if page.condition else ""
    if page.category == "general":
        meta = [f"{condition}: any type" if condition else "Any type"]
    else:
        meta = [f"{condition}: {escape(page.category)} class" if condition else f"{escape(page.category)} class"]
    if page.synonyms:
        meta.append("Also called: " + escape(", ".join(page.synonyms)))
    if page.parent:
        meta.append(f'Part of <a href="class:{escape(page.parent.slug)}">{escape(page.parent.name)}</a>')
    parts = [f"<h1>{escape(page.name)}</h1>", f'<p class="meta">{" &middot; ".join(meta)}</p>', _notice(notice)]
    if page.description:
        parts.append(f"<p>{escape(page.description)}</p>")
    if page.children:
        links = ", ".join(f'<a href="class:{escape(c.slug)}">{escape(c.name)}</a>' for c in page.children)
        parts.append(f'<p class="meta">Includes: {links}</p>')
    parts.append("<h2>Treatments</h2>")
    parts.append(
        '<p class="meta">A dose is shown only where the source gives one for that use. '
        "Reported-ineffective treatments are listed last.</p>"
    )
    parts.append(_recommendation_table(page.recommendations, "Treatment"))
    return "\n".join(parts)


def not_found_page(url: str) -> Page:
    return Page(
        url,
        "Not found",
        "",
        f"<h1>Not found</h1><p>ClinRef has no page <b>{escape(url)}</b> in this content. "
        "It may have been removed in a content update; search for it instead. If it is bookmarked, "
        "Ctrl+D removes the bookmark.</p>",
        found=False,
    )


def unreadable_page(url: str, error: LibraryError) -> Page:
    return Page(
        url,
        "Content unavailable",
        "",
        f"<h1>The content cannot be read</h1><p>ClinRef could not open <b>{escape(url)}</b>.</p>"
        f"<p>File: {escape(error.path)}<br/>Problem: {escape(error.reason)}.</p><p>{escape(error.advice)} "
        "Then restart ClinRef.</p>",
        found=False,
    )


class Pages:
    """Turns a ClinRef address (``article:SLUG``, ``drug:SLUG``, ``class:SLUG``) into a page."""

    def __init__(self, library: Library, notice: str) -> None:
        self._library = library
        self._notice = notice

    def page_for(self, url: str) -> Page | None:
        scheme, _, rest = url.partition(":")
        slug = rest.split("#", 1)[0]
        if scheme == "article":
            article = self._library.article(slug)
            if article:
                return Page(f"article:{slug}", article.title, article.updated, article_page(article, self._notice))
        elif scheme == "drug":
            drug = self._library.drug(slug)
            if drug:
                return Page(f"drug:{slug}", drug.name, "", drug_page(drug, self._notice))
        elif scheme == "class":
            cls = self._library.class_page(slug)
            if cls:
                return Page(f"class:{slug}", cls.name, "", class_page(cls, self._notice))
        return None
