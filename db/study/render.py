"""A card as HTML, the same in the Study view and in an Anki note: the question, then the answer with its sources.

Every text is escaped; class names (``meta``, ``ineffective``, ``dose``) are styled by whoever
shows it (the app from its palette, Anki from the note type's CSS).
"""

from __future__ import annotations

from html import escape

from db.study.cards import Card, CardKind


def question_html(card: Card) -> str:
    return f"<p><b>{escape(card.question)}</b></p>"


def answer_html(card: Card, *, links: bool = True) -> str:
    """The answer: each value, what the source says of it, and where it comes from.

    With ``links``, the source and the page are ClinRef links (``article:SLUG#ref-N``, ``drug:SLUG``);
    without them (Anki, where those addresses lead nowhere) they are plain text.
    """
    items = []
    for line in card.lines:
        value = escape(line.text)
        if card.kind is CardKind.INEFFECTIVE or line.text == "reported ineffective":
            value = f'<span class="ineffective">&#10007; {value}</span>'
        elif card.kind in (CardKind.DOSE, CardKind.CLASS_DOSE):
            value = f'<span class="dose">{value}</span>'
        said = "".join(
            (f"<br/>{escape(s.text)}" if s.text else "")
            + f'<br/><span class="meta">Source: {escape(s.provenance())}</span>'
            for s in line.statements
        )
        items.append(f"<li><b>{value}</b>{said}</li>")
    if links:
        where = (
            f'<a href="{escape(str(card.source_url))}">Open the source</a> (O) &middot; '
            f'<a href="{escape(str(card.page))}">Open the page</a> (P)'
        )
    else:
        where = f"ClinRef: {escape(str(card.source_url))} &middot; {escape(str(card.page))}"
    return f'<ul>{"".join(items)}</ul><p class="meta">{where}</p>'
