"""The Markdown dialect articles are written in, shared by the checks and the renderer.

Markdown with tables and ``[@N]`` citations; no raw HTML and no character entities (what an
editor types as ``<...>`` or ``&...;`` is shown as text; autolinks such as ``<https://...>``
stay links). :func:`convert` answers from Markdown's own parse, so every link form an
editor can write (inline, with a title, reference-style, autolink) is seen by the checks.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

# ``[@1]``, ``[@4,5,7]``; ``[@1; printed as 152]`` keeps how the source printed a citation it was read from.
CITATION = re.compile(r"\[@(\d+(?:\s*,\s*\d+)*)(?:;\s*([^\[\]]{1,80}?)\s*)?\]")


class _Citation(InlineProcessor):
    """``[@N]`` / ``[@N,M]`` to a superscript of links into the reference list; a remark after a
    semicolon (``[@1; printed as 152]``) is kept, as text, after the numbers."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # type: ignore[override]
        numbers = [part.strip() for part in m.group(1).split(",")]
        remark = f"; {m.group(2)}" if m.group(2) else ""
        sup = etree.Element("sup", {"class": "cite"})
        sup.text = "["
        for index, number in enumerate(numbers):
            link = etree.SubElement(sup, "a", {"href": f"#ref-{number}", "title": f"Reference {number}"})
            link.text = number
            link.tail = "," if index + 1 < len(numbers) else f"{remark}]"
        return sup, m.start(0), m.end(0)


@dataclass
class ParsedLinks:
    """What Markdown's own parse of a body links to: every ``<a href>``, every image, every
    reference definition (``[p]: target``), used or not."""

    hrefs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)


class _LinkCollector(Treeprocessor):
    def __init__(self, md: markdown.Markdown, found: ParsedLinks) -> None:
        super().__init__(md)
        self.found = found

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "a" and not str(element.get("href", "")).startswith("#ref-"):
                self.found.hrefs.append(str(element.get("href", "")))
            elif element.tag == "img":
                self.found.images.append(str(element.get("src", "")))


class _ClinRefMarkdown(Extension):
    """The article dialect: Markdown with tables and ``[@N]`` citations, and no raw HTML or
    character entities: whatever an editor types as ``<...>`` or ``&...;`` is shown as text
    (autolinks such as ``<https://...>`` stay links)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        # Before Markdown's reference links (170), after code spans (190) and escapes (180).
        md.inlinePatterns.register(_Citation(CITATION.pattern, md), "citation", 175)


def markdown_parser() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists", _ClinRefMarkdown()], output_format="html")
    # The inline processor looks its patterns up by position in a Registry, which checks its sort
    # at every lookup: a tenth of a build's Markdown time. Every extension has registered its
    # patterns by now, so it is given them as a tuple in the same (priority) order.
    inline = md.treeprocessors["inline"]
    inline.inlinePatterns = tuple(md.inlinePatterns)  # type: ignore[attr-defined]
    return md


def convert(body: str) -> tuple[str, ParsedLinks]:
    """``body`` converted to (unsanitized) HTML, and every link, image and reference definition in it.

    One parse answers both: the checks read the links, the build renders the HTML
    (:mod:`db.compiler.render`), and Markdown is the slowest part of a build. The link collector
    only reads the tree, so the HTML is what :func:`markdown_parser` alone makes of ``body``.
    """
    found = ParsedLinks()
    md = markdown_parser()
    md.treeprocessors.register(_LinkCollector(md, found), "clinref-links", 0)
    converted = md.convert(body)
    found.definitions = [url for url, _title in md.references.values()]
    return converted, found
