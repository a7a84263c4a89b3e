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
from markdown import treeprocessors
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.inlinepatterns import Pattern as InlinePattern
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


#: What each inline pattern cannot match without: (its regular expression as Markdown has it,
#: text of which at least one must be in a string for the expression to match there). A pattern
#: whose expression is not the one written here (another Markdown) is always tried.
_NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "backtick": (r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", ("`",)),
    "escape": (r"\\(.)", ("\\",)),
    "citation": (CITATION.pattern, ("[@",)),
    "reference": (r"(?<!\!)\[", ("[",)),
    "link": (r"(?<!\!)\[", ("[",)),
    "image_link": (r"\!\[", ("![",)),
    "image_reference": (r"\!\[", ("![",)),
    "short_reference": (r"(?<!\!)\[", ("[",)),
    "short_image_ref": (r"\!\[", ("![",)),
    "autolink": (r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", ("<",)),
    "automail": (r"<([^<> !]+@[^@<> ]+)>", ("<",)),
    "linebreak": (r"  \n", ("  \n",)),
    "em_strong": (r"\*|_", ("*", "_")),
}


class _InlineTreeprocessor(treeprocessors.InlineProcessor):
    """Markdown's inline processor, which skips a pattern in a text that lacks what the pattern
    needs to match (a backtick, a bracket, ...): the same result, since the pattern would find
    nothing there, without a Python call and a regular-expression scan for each of the 13
    patterns in every text of an article (Markdown is most of a build's time)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        # By position, not through the Registry, which checks its sort at every lookup.
        self.inlinePatterns = tuple(md.inlinePatterns)  # type: ignore[assignment]
        self._needs = {
            id(md.inlinePatterns[name]): needs
            for name, (expression, needs) in _NEEDS.items()
            if name in md.inlinePatterns and getattr(md.inlinePatterns[name], "pattern", None) == expression
        }

    def _InlineProcessor__applyPattern(  # Markdown's private __applyPattern, for each pattern and text
        self, pattern: InlinePattern, data: str, patternIndex: int, startIndex: int = 0
    ) -> tuple[str, bool, int]:
        needs = self._needs.get(id(pattern))
        if needs is not None and not any(need in data for need in needs):
            return data, False, 0  # what __applyPattern returns when the pattern does not match
        result: tuple[str, bool, int] = super()._InlineProcessor__applyPattern(  # type: ignore[misc]
            pattern, data, patternIndex, startIndex
        )
        return result


def markdown_parser() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists", _ClinRefMarkdown()], output_format="html")
    # Every extension has registered its inline patterns by now. The quicker processor overrides a
    # private method of Python-Markdown's: a Markdown without it keeps its own processor (slower, the
    # same HTML); tests/test_build.py checks the two render alike.
    if hasattr(treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern"):
        md.treeprocessors.register(_InlineTreeprocessor(md), "inline", 20)
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
