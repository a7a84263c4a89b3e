"""Rendering article Markdown to the HTML the app shows, at build time only.

Citations ``[@N]`` become links to the reference list, one per number
(:func:`citation_links`); internal links keep their
``drug:``/``class:``/``article:`` scheme for the app to route. The result is passed through an
allow-list sanitizer (nh3, the Ammonia sanitizer) so that whatever an editor writes, what the
app receives has no script, no event handler, no remote image and no unknown link scheme.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

from db.compiler.articles import ArticleSource, ReferenceSource
from db.compiler.dialect import markdown_parser
from db.model import PageScheme

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sup",
    "sub",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "name", "title", "class"},
    "span": {"class"},
    "sup": {"class"},
    "td": {"align"},
    "th": {"align"},
    "li": {"class"},
    "p": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto", *(scheme.value for scheme in PageScheme if scheme.is_page)}


def render_markdown(body: str) -> str:
    """Markdown with citations to sanitized HTML."""
    return sanitize(markdown_parser().convert(body))


def sanitize(fragment: str) -> str:
    """Keep only the allowed tags, attributes and link schemes; drop everything else."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def references_html(references: list[ReferenceSource]) -> str:
    """The numbered reference list; entries the source cites but does not list say so."""
    items = []
    for ref in references:
        parts = [f"<b>{html.escape(ref.title)}</b>"]
        if ref.publication:
            parts.append(html.escape(ref.publication))
        if ref.year:
            parts.append(str(ref.year))
        text = ". ".join(parts) + "."
        if ref.kind is not None:
            text += f' <span class="refkind">({html.escape(ref.kind.value)})</span>'
        if not ref.listed:
            text += ' <span class="unlisted">Cited in the source but not in its reference list.</span>'
        if ref.note:
            text += f' <span class="refnote">{html.escape(ref.note)}</span>'
        items.append(f'<li class="ref"><a name="ref-{ref.number}"></a>[{ref.number}] {text}</li>')
    return '<ul class="references">' + "".join(items) + "</ul>"


# The Markdown citation's markup (db.compiler.dialect._Citation), as sanitized.
_CITATIONS = re.compile(r'<sup class="cite">\[(.*?)\]</sup>', re.DOTALL)
_CITATION_LINK = re.compile(r'<a href="#ref-(\d+)"')
_ANY_LINK = re.compile(r"<a [^>]*>.*?</a>", re.DOTALL)


def citation_links(fragment: str) -> str:
    """Citation links a hand can hit: each ``[n]`` a link of its own, as wide as a short word
    (padded, not superscript): ``<a href="#ref-N">&nbsp;[N]&nbsp;</a>`` in a ``<span class="cite">``.

    Done here once, not by the app at every page open. The app gives each its reference as a
    tooltip (``title``, desktop/pages.py) with one plain replace per reference: stored here, the
    tooltips would repeat a reference at every citation of it (+62 MB at 10,000 articles).
    """

    def link(number: str, printed_as: str = "") -> str:
        return f'<a href="#ref-{number}">&nbsp;[{number}{printed_as}]&nbsp;</a>'

    def group(match: re.Match[str]) -> str:
        numbers = _CITATION_LINK.findall(match.group(1))
        # What the source wrote beside the numbers stays with them: "[1; printed as 152]" says the
        # source printed something else there, and the reader must see that it was read as 1.
        rest = _ANY_LINK.sub("", match.group(1)).strip(" ,")
        links = [link(n, rest if rest and i == len(numbers) - 1 else "") for i, n in enumerate(numbers)]
        return '<span class="cite">' + "".join(links) + "</span>"

    return _CITATIONS.sub(group, fragment)


def article_html(article: ArticleSource) -> str:
    """The article body and its reference list, ready for the app's article pane."""
    if article.converted is not None and article.converted[0] == article.body:
        body = sanitize(article.converted[1])  # the check's own parse of this body
    else:
        body = render_markdown(article.body)
    refs = sanitize(references_html(article.references))
    return f'{citation_links(body)}\n<h2><a name="references"></a>References</h2>\n{refs}'


class _TextExtractor(HTMLParser):
    """Collects the readable text of an HTML fragment, skipping citation markers
    (``<span class="cite">`` from :func:`citation_links`, and any ``<sup>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._cite = 0  # depth of spans at and inside a citation span

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "sup":
            self._skip += 1
        elif tag == "span" and (self._cite or ("class", "cite") in attrs):
            self._cite += 1
        elif tag in {"p", "li", "h2", "h3", "h4", "br", "tr", "td", "th"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "sup" and self._skip:
            self._skip -= 1
        elif tag == "span" and self._cite:
            self._cite -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._cite:
            self.parts.append(data)


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment with whitespace folded, for the search index."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return " ".join("".join(extractor.parts).split())
