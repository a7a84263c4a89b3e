"""The HTML of every page the article pane shows: articles, drug pages, class pages.

Built from the plain objects :class:`db.Library` returns; every text is escaped. No Qt here:
the colours come in a :class:`PageStyle` that the view derives from the palette.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import escape

from db.errors import LibraryError
from db.library import Library
from db.model import (
    Article,
    ClassCategory,
    ClassPage,
    ClassView,
    DoseCell,
    PageAddress,
    PageScheme,
    Recommendation,
    Reference,
    Role,
    SourceRef,
    TreatmentKind,
    TreatmentPage,
    TreatmentRow,
)


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

    @property
    def address(self) -> PageAddress | None:
        """Where it is; None for a "not found" page whose ``url`` names no page."""
        return PageAddress.parse(self.url)


def format_date(iso: str) -> str:
    """``2025-03-30`` -> ``30 Mar 2025`` (unambiguous in every locale); other text unchanged."""
    try:
        return dt.date.fromisoformat(iso).strftime("%d %b %Y").lstrip("0")
    except ValueError:
        return iso


def stylesheet(style: PageStyle) -> str:
    return f"""
body {{ color: {style.text}; }}
a {{ color: {style.link}; text-decoration: underline; }}
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


def _link(scheme: PageScheme, slug: str, html: str, fragment: str = "") -> str:
    """A link to a ClinRef page; ``html`` is its text, already escaped."""
    return f'<a href="{escape(str(PageAddress(scheme, slug, fragment)))}">{html}</a>'


def _source_link(source: SourceRef) -> str:
    anchor = f"ref-{source.citations[0]}" if source.citations else ""
    return (
        _link(PageScheme.ARTICLE, source.article_slug, escape(source.article_title), anchor)
        + f' <span class="meta">{escape(source.label())}</span>'
    )


def _role(role: Role) -> str:
    if role is Role.REPORTED_INEFFECTIVE:
        return f'<span class="ineffective">&#10007; {escape(role.value)}</span>'
    return escape(role.value)


def _entry_dose(rec: Recommendation, page_has_dose: bool) -> str:
    """A dose cell of the drug page's "Used for" table: the entry's own dose with its source, or why none."""
    if rec.dose:
        return f'<b>{escape(rec.dose.text)}</b> <span class="meta">for this use, {escape(rec.source.label())}</span>'
    if page_has_dose:
        return '<span class="meta">this entry gives none; see the dose range above and what it is for</span>'
    return '<span class="meta">no dose in the sources</span>'


def _recommendation_table(recs: tuple[Recommendation, ...], page_has_dose: bool) -> str:
    """The drug page's "Used for" table: one line per class the treatment is filed under."""
    if not recs:
        return '<p class="meta">None in the current content.</p>'
    head = "<tr><th>Class</th><th>Role</th><th>Dose</th><th>What the source says</th><th>Source</th></tr>"
    rows = []
    for rec in recs:
        name = _link(PageScheme.CLASS, rec.class_slug, escape(rec.class_name))
        cls = ' class="ineffective"' if rec.role is Role.REPORTED_INEFFECTIVE else ""
        derived = ' <span class="meta">(derived by the editors)</span>' if rec.derived else ""
        rows.append(
            f"<tr><td>{name}</td><td>{_role(rec.role)}</td><td>{_entry_dose(rec, page_has_dose)}</td>"
            f"<td{cls}>{escape(rec.note)}</td><td>{_source_link(rec.source)}{derived}</td></tr>"
        )
    return f'<table width="100%" cellpadding="4" cellspacing="0">{head}{"".join(rows)}</table>'


def dose_cell_html(cell: DoseCell) -> str:
    """A class view's dose: the number with its use and source, or "no dose in the sources" in words."""
    if cell.dose is None or cell.source is None:
        return f'<span class="meta">{escape(cell.text())}</span>'
    return f"<b>{escape(cell.dose.text)}</b><br/>{escape(cell.use)}<br/>{_source_link(cell.source)}"


def _row_role(row: TreatmentRow) -> str:
    if row.ineffective:
        return f'<span class="ineffective"><b>{escape(row.role_text())}</b></span>'
    return escape(row.role_text())


def _treatment_name(row: TreatmentRow) -> str:
    kind = "" if row.treatment_kind is TreatmentKind.DRUG else f' <span class="meta">({row.treatment_kind})</span>'
    name = _link(PageScheme.TREATMENT, row.treatment_slug, escape(row.treatment_name)) + kind
    return f'<span class="ineffective">{name}</span>' if row.ineffective else name


def treatment_rows_table(rows: tuple[TreatmentRow, ...], *, notes: bool = True) -> str:
    """A class view as an HTML table: one row per treatment, with role, dose, evidence, class and source.

    With ``notes``, each row is followed by what its sources say, in full (pages and printouts).
    """
    if not rows:
        return '<p class="meta">None in the current content.</p>'
    head = (
        '<thead><tr><th width="15%">Treatment</th><th width="15%">Role</th><th width="22%">Dose (use, source)</th>'
        '<th width="15%">Evidence</th><th width="15%">Said of</th><th width="18%">Source</th></tr></thead>'
    )
    parts = []
    for row in rows:
        parts.append(
            f"<tr><td>{_treatment_name(row)}</td><td>{_row_role(row)}</td><td>{dose_cell_html(row.dose)}</td>"
            f"<td>{escape(row.evidence.text())}</td><td>{escape(row.said_of())}</td>"
            f'<td><span class="meta">{escape(row.sources_text())}</span></td></tr>'
        )
        if notes:
            said = " ".join(
                f"<i>{escape(e.recommendation.role.value)}, {escape(e.said_of())}:</i> {escape(e.recommendation.note)}"
                for e in row.entries
            )
            cls = "ineffective" if row.ineffective else "meta"
            parts.append(f'<tr><td></td><td colspan="5" class="{cls}">{said}</td></tr>')
    return f'<table width="100%" cellpadding="4" cellspacing="0">{head}{"".join(parts)}</table>'


def recommendation_detail(row: TreatmentRow) -> str:
    """One row of a class view in full, for the pane under the table: every entry, its note and source."""
    entries = []
    for entry in row.entries:
        rec = entry.recommendation
        dose = f" &middot; dose for this use: <b>{escape(rec.dose.text)}</b>" if rec.dose else ""
        derived = " &middot; <b>derived by the editors</b>, not said by the source" if rec.derived else ""
        cls = ' class="ineffective"' if rec.role is Role.REPORTED_INEFFECTIVE else ""
        entries.append(
            f"<li><span{cls}><b>{escape(rec.role.value)}</b></span> &middot; "
            f"{_link(PageScheme.CLASS, rec.class_slug, escape(entry.said_of()))}{dose}{derived}<br/>"
            f"{escape(rec.note)}<br/>Source: {_source_link(rec.source)}</li>"
        )
    return (
        f"<p>{_treatment_name(row)} &middot; {_row_role(row)}</p>"
        f"<p>Dose: {dose_cell_html(row.dose).replace('<br/>', ' &middot; ')}</p>"
        f'<p class="meta">Evidence: {escape(row.evidence.text())}</p>'
        f"<ul>{''.join(entries)}</ul>"
    )


def class_view_page(view: ClassView, notice: str) -> str:
    """The Treatments tab's table as a page of its own, for printing and PDF export."""
    names = ", ".join(view.class_names)
    if not names:
        return f"<h1>Treatments by class</h1>{_notice(notice)}<p>No class is chosen.</p>"
    parts = [
        f"<h1>Treatments for {escape(names)}</h1>",
        '<p class="meta">Each row is one treatment, with everything said of these classes, of their '
        "subclasses, of their broader classes and of the condition in general. A dose is always given with "
        "its use and source. Reported-ineffective treatments are listed last.</p>",
        _notice(notice),
        treatment_rows_table(view.rows),
    ]
    return "\n".join(parts)


NOTES_ANCHOR = "source-notes"
#: The disclosure's links: the reader opens or closes the notes and shows the page again.
NOTES_SHOW, NOTES_HIDE = "notes:show", "notes:hide"

# The build's citation links (db/compiler/render.citation_links) and reference list entries.
_UNTITLED_CITATION = re.compile(r'<a href="#ref-(\d+)">&nbsp;\[')
_REFERENCE = re.compile(r'<li class="ref"><a name="ref-(\d+)"></a>(.*?)</li>', re.DOTALL)
_REFERENCE_NOTE = re.compile(r' <span class="refnote">(.*?)</span>', re.DOTALL)
# A section that holds one plain paragraph, with no citation, link, markup or number: the
# source saying it has nothing here ("The FDA drug label does not answer this question").
_EMPTY_SECTION = re.compile(r"<h2>([^<]*)</h2>\s*<p>([^<\d]*)</p>\s*(?=<h2)")


def reference_tip(ref: Reference) -> str:
    """What hovering a citation shows: title, journal and year, or that the source does not list it."""
    if not ref.listed:
        return f"[{ref.number}] Cited in the source but not listed in its reference list."
    parts = [ref.title, ref.publication, str(ref.year) if ref.year else ""]
    return f"[{ref.number}] " + ". ".join(part.rstrip(".") for part in parts if part) + "."


def _titled_link(number: str, tip: str) -> str:
    return f'<a href="#ref-{number}" title="{escape(tip)}">&nbsp;['


def _citation_tips(html: str, references: tuple[Reference, ...]) -> str:
    """Each of the build's citation links gets its reference as a tooltip, in one pass (the build
    made the links word-sized: db/compiler/render.citation_links)."""
    links = {str(ref.number): _titled_link(str(ref.number), reference_tip(ref)) for ref in references}

    def titled(match: re.Match[str]) -> str:
        number = match.group(1)
        # A number with no reference in the article: the build's check refuses it.
        return links.get(number) or _titled_link(number, f"[{number}] Cited but not in this article's reference list.")

    return _UNTITLED_CITATION.sub(titled, html)


def _source_notes(article: Article, html: str) -> tuple[str, list[str]]:
    """The article's HTML without its editorial notes, and those notes (escaped HTML)."""
    notes: list[str] = []

    def empty_section(match: re.Match[str]) -> str:
        notes.append(f"{match.group(1)}: {match.group(2)}")  # already escaped by the build
        return ""

    def reference(match: re.Match[str]) -> str:
        number, entry = match.group(1), match.group(2)
        notes.extend(f"Reference {number}: {note}" for note in _REFERENCE_NOTE.findall(entry))
        return f'<li class="ref"><a name="ref-{number}"></a>{_REFERENCE_NOTE.sub("", entry)}</li>'

    html = _EMPTY_SECTION.sub(empty_section, html)
    html = _REFERENCE.sub(reference, html)
    notes.extend(escape(quirk) for quirk in article.quirks)
    if article.source:
        notes.append(f"Taken from: {escape(article.source)}")
    return html, notes


def article_page(article: Article, notice: str, *, notes_open: bool = False) -> str:
    """An article. Its editorial and provenance notes sit under "Notes on the source", closed
    unless ``notes_open``: honest and at hand, but out of the clinical text."""
    meta = (
        f"{escape(article.topic)} &middot; Last updated <b>{escape(format_date(article.updated))}</b> &middot; "
        f"Review status: <b>{escape(article.review_status)}</b>"
    )
    parts = [f"<h1>{escape(article.title)}</h1>", f'<p class="meta">{meta}</p>', _notice(notice)]
    if article.draft:
        parts.append(DRAFT_BANNER)
    if article.summary:
        parts.append(f'<p class="summary">{escape(article.summary)}</p>')
    body, notes = _source_notes(article, article.html)
    parts.append(_citation_tips(body, article.references))
    if notes and notes_open:
        items = "".join(f"<li>{note}</li>" for note in notes)
        parts.append(
            f'<h3><a name="{NOTES_ANCHOR}"></a><a href="{NOTES_HIDE}">&#9662; Notes on the source</a></h3>'
            f'<ul class="meta">{items}</ul>'
        )
    elif notes:
        parts.append(
            f'<p class="meta"><a name="{NOTES_ANCHOR}"></a><a href="{NOTES_SHOW}">&#9656; Notes on the source '
            f"({len(notes)})</a>: how this article was taken from its source (Ctrl+Shift+N)</p>"
        )
    return "\n".join(parts)


def drug_page(page: TreatmentPage, notice: str) -> str:
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
        parts.append('<a name="dose"></a>')  # a search about dosing ("propofol dose") opens here
        parts.append(f'<table width="100%" cellpadding="6" cellspacing="0">{"".join(rows)}</table>')
    parts.append("<h2>Used for</h2>")
    parts.append(_recommendation_table(page.recommendations, page.dose is not None))
    parts.append("<h2>Articles that mention it</h2>")
    if page.articles:
        parts.append(
            "<ul>"
            + "".join(
                f"<li>{_link(PageScheme.ARTICLE, a.slug, escape(a.title))} "
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
    if page.category == ClassCategory.GENERAL:
        meta = [f"{condition}: any type" if condition else "Any type"]
    else:
        meta = [f"{condition}: {escape(page.category)} class" if condition else f"{escape(page.category)} class"]
    if page.synonyms:
        meta.append("Also called: " + escape(", ".join(page.synonyms)))
    if page.parent:
        meta.append(f"Part of {_link(PageScheme.CLASS, page.parent.slug, escape(page.parent.name))}")
    parts = [f"<h1>{escape(page.name)}</h1>", f'<p class="meta">{" &middot; ".join(meta)}</p>', _notice(notice)]
    if page.description:
        parts.append(f"<p>{escape(page.description)}</p>")
    if page.children:
        links = ", ".join(_link(PageScheme.CLASS, c.slug, escape(c.name)) for c in page.children)
        parts.append(f'<p class="meta">Includes: {links}</p>')
    parts.append("<h2>Treatments</h2>")
    parts.append(
        '<p class="meta">Everything said of this class, of its subclasses, of its broader classes and of the '
        "condition in general, one row per treatment. A dose is always given with its use and source. "
        "Reported-ineffective treatments are listed last.</p>"
    )
    parts.append(treatment_rows_table(page.rows))
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
    """Turns the address of a page (``article:SLUG``, ``drug:SLUG``, ``class:SLUG``) into the page."""

    def __init__(self, library: Library, notice: str) -> None:
        self._library = library
        self._notice = notice
        #: Articles show their "Notes on the source" open (the reader toggles it).
        self.source_notes_open = False

    def page_for(self, address: PageAddress) -> Page | None:
        """The page ``address`` names (the place on it aside), or None when this content has none."""
        url = str(address.page)
        if address.scheme is PageScheme.ARTICLE:
            article = self._library.article(address.slug)
            if article:
                html = article_page(article, self._notice, notes_open=self.source_notes_open)
                return Page(url, article.title, article.updated, html)
        elif address.scheme is PageScheme.TREATMENT:
            drug = self._library.treatment(address.slug)
            if drug:
                return Page(url, drug.name, "", drug_page(drug, self._notice))
        elif address.scheme is PageScheme.CLASS:
            cls = self._library.class_page(address.slug)
            if cls:
                return Page(url, cls.name, "", class_page(cls, self._notice))
        return None
