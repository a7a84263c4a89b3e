"""The one place every ClinRef document gets its resources from: the content, or nothing.

A content file is untrusted input. Left to itself, Qt's rich text fetches whatever a page names:
``<img src="file:///etc/passwd">``, ``<table background="...">``, ``style="background-image:url(...)"``
and ``<link rel=stylesheet href=...>`` all make ``QTextDocument`` open a file, on every paint, and a
``QTextBrowser`` also searches its source paths. Returning ``None`` from ``loadResource`` is not
enough: Qt takes a null answer as "not found here" and reads the file itself.

So every document ClinRef lays out (the article view, the detail panes, the search results, print,
PDF and the self-test) is a :class:`ContentDocument`, which answers every request with a non-null,
empty resource of the requested kind, so Qt never falls back to the file system. The content holds
no images or style sheets today, so there is nothing to serve. On top of that, :func:`neutralise`
takes ``src``, ``background``, ``url(`` and ``<link>`` out of the HTML before it is shown, and puts a
visible placeholder where an image was.
"""

from __future__ import annotations

import re
from html import escape, unescape

from PySide6.QtCore import QByteArray, QObject, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

#: What a person sees where a page named an image: ClinRef shows text only.
IMAGE_PLACEHOLDER = "[image not shown]"

#: A tag with attributes; or else (group 4) a ``<`` opening a tag whose attributes cannot be read (an unclosed
#: quote), then shown as text. A tag with none (``<p>``, ``</td>``, ``<br/>``) fetches nothing and is not matched.
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)(\s*[\s/](?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|(<)(?=/?[A-Za-z])(?!/?[A-Za-z][A-Za-z0-9]*\s*/?>)",
    re.DOTALL,
)
_STYLE_BLOCK = re.compile(r"<style\b.*?(?:</style\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*\Z")
#: Attributes as ClinRef's own pages write them, none of which fetches: such a tag is kept as it is (fast).
_PLAIN_ATTRIBUTES = re.compile(
    r'(?:\s+(?:class|id|href|name|title|colspan|rowspan|align|valign|width|cellpadding|cellspacing|border|style)="[^"&\\<>]*")*\s*/?'
)
#: Attributes through which Qt (or any HTML reader) fetches something.
_FETCHING = frozenset({"src", "srcset", "background", "lowsrc", "dynsrc", "poster", "data", "codebase"})
#: Tags that only ever fetch: dropped whole.
_DROPPED = frozenset({"link", "object", "embed", "iframe", "frame", "applet", "base", "script"})
#: In a style value or block: a CSS function or at-rule that loads something, also written with escapes.
_CSS_FETCH = re.compile(r"url|image|@import|\\", re.IGNORECASE)


def neutralise(html: str) -> str:
    """``html`` with nothing left that could make a reader fetch a file or an address.

    Every tag is rebuilt from the attributes it is allowed to keep, each quoted afresh, so no quoting trick can
    carry an attribute past this. Links (``href`` on ``<a>``) stay: following one is the reader's decision.
    """
    html = _STYLE_BLOCK.sub(lambda block: "" if _CSS_FETCH.search(unescape(block.group(0))) else block.group(0), html)
    return _TAG.sub(_neutral_tag, html)


def _neutral_tag(match: re.Match[str]) -> str:
    closing, name, attributes, loose = match.groups()
    if loose:
        return "&lt;"
    name = name.lower()
    if name in _DROPPED:
        return ""
    if name == "img":
        if closing:
            return ""
        alt = dict(_attributes(attributes)).get("alt")
        shown = f"[image not shown: {alt}]" if alt else IMAGE_PLACEHOLDER
        return f'<span class="placeholder">{escape(shown)}</span>'
    if closing:
        return f"</{name}>"
    if _PLAIN_ATTRIBUTES.fullmatch(attributes) and not _CSS_FETCH.search(attributes):
        return match.group(0)
    kept = "".join(
        f' {key}="{escape(value)}"' if value is not None else f" {key}"
        for key, value in _attributes(attributes)
        if key not in _FETCHING and not (key == "style" and value is not None and _CSS_FETCH.search(value))
    )
    return f"<{name}{kept}{'/' if attributes.rstrip().endswith('/') else ''}>"


def _attributes(text: str) -> list[tuple[str, str | None]]:
    """The well-formed attributes in a tag's text, names lower-cased and values unquoted and unescaped."""
    found: list[tuple[str, str | None]] = []
    for attribute in _ATTRIBUTE.finditer(text):
        key, raw = attribute.group(1).lower(), attribute.group(2)
        if not _NAME.match(key):
            continue
        value = None if raw is None else unescape(raw[1:-1] if raw[:1] in "\"'" else raw)
        found.append((key, value))
    return found


class ContentDocument(QTextDocument):
    """A text document that never reads a file: every resource it asks for is served empty.

    Use it (or :class:`ContentBrowser`, which shows one) for anything made from content.
    ``setHtml`` neutralises the HTML first (:func:`neutralise`).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def setHtml(self, html: str) -> None:
        super().setHtml(neutralise(html))

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        """An empty resource of the kind asked for: never null, or Qt would read ``name`` from disk itself."""
        return empty_resource(kind)


def empty_resource(kind: int) -> object:
    """A non-null, empty value Qt accepts for a resource of type ``kind``."""
    if kind == QTextDocument.ResourceType.ImageResource.value:
        return QImage()
    if kind in (
        QTextDocument.ResourceType.HtmlResource.value,
        QTextDocument.ResourceType.StyleSheetResource.value,
        QTextDocument.ResourceType.MarkdownResource.value,
    ):
        return ""
    return QByteArray()


class ContentBrowser(QTextBrowser):
    """A QTextBrowser over a :class:`ContentDocument`, which follows no link by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocument(ContentDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)

    def setHtml(self, html: str) -> None:
        super().setHtml(neutralise(html))

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        # Reached only if Qt asks the widget directly; the document never does (it answers itself).
        return empty_resource(kind)
