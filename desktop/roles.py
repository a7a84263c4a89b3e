"""Every custom Qt item-data role ClinRef's models answer, declared once so no two collide."""

from __future__ import annotations

from PySide6.QtCore import Qt

_BASE = Qt.ItemDataRole.UserRole

#: The ClinRef address an item opens (``drug:levetiracetam``); every item view uses it.
URL_ROLE = _BASE + 1
#: A search hit's snippet (HTML, matches in bold) and its detail line.
SNIPPET_ROLE = _BASE + 2
DETAIL_ROLE = _BASE + 3
#: The SearchHit itself, so the results delegate reads a row with one call into the model.
HIT_ROLE = _BASE + 4
#: The treatments table: the value a column sorts by, and whether a row is reported ineffective.
SORT_ROLE = _BASE + 10
INEFFECTIVE_ROLE = _BASE + 11
#: The topic tree: the key of rows made only when their group is first opened.
PENDING_ROLE = _BASE + 20
#: The Study view's list of decks: the class slugs (or the drugs) a deck entry studies.
DECKS_ROLE = _BASE + 21
#: The "Contents and links of this page" list: what an entry is (heading, link, citation).
OUTLINE_KIND_ROLE = _BASE + 30
