"""The Study view: spaced-repetition cards drawn from the content, by keyboard.

``studyDecks`` chooses what to study (all cards, the drugs' doses and brand names, or one or more
classes, grouped as the class filter groups them; Ctrl+click combines). ``studyCard`` shows a
card's question, then (Space) its answer with every source; 1-4 rate it (Again, Hard, Good, Easy),
O opens the source and P the page the fact is on. The cards come from :mod:`db.study`, their
schedules from :mod:`db.userdata.reviews`; nothing here reads or writes a database itself.
Cards are made, and the store brought up to date with the content, the first time the view is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAccessible, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.errors import LibraryError
from db.library import Library
from db.study import DRUGS_DECK, Card
from db.study.queue import Counts, counts, in_decks, next_card, next_due
from db.study.render import answer_html, question_html
from db.userdata import UserData
from desktop.article_view import ArticleView
from desktop.pages import format_date
from desktop.roles import DECKS_ROLE
from desktop.topic_model import CATEGORY_NAMES

if TYPE_CHECKING:
    from db.userdata.reviews import Reviews, ReviewState

RATING_BUTTONS = ((1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy"))
#: Longest wait before the view looks again for cards that have come due (learning steps are minutes).
RECHECK_MS = 60 * 60 * 1000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StudyView(QWidget):
    """Choose a deck, see what is due, reveal and rate cards; emits ``open_requested`` for source links."""

    open_requested = Signal(str)

    def __init__(
        self,
        library: Library,
        userdata: UserData,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("studyView")
        self.setAccessibleName("Study")
        self._library = library
        self._userdata = userdata
        self._clock = clock
        self._reviews: Reviews | None = None
        self._cards: tuple[Card, ...] = ()
        self._progress: dict[str, ReviewState] = {}
        self._current: Card | None = None
        self._revealed = False
        self._loaded = False
        self._deck_items: list[QTreeWidgetItem] = []
        self._deck_names: dict[int, str] = {}
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.timeout.connect(self._show_next)
        self._build()
        self._connect()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.decks = QTreeWidget(self)
        self.decks.setObjectName("studyDecks")
        self.decks.setAccessibleName("What to study")
        self.decks.setHeaderHidden(True)
        self.decks.setMinimumWidth(120)
        self.decks.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.decks.setToolTip("Choose what to study; Ctrl+click combines classes")
        heading = QLabel("&What to study", self)
        heading.setBuddy(self.decks)
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(6, 6, 0, 6)
        column.addWidget(heading)
        column.addWidget(self.decks)

        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("studyCounts")
        self.counts_label.setAccessibleName("Cards due and learned")
        self.counts_label.setWordWrap(True)
        bold = QFont(self.counts_label.font())
        bold.setBold(True)
        self.counts_label.setFont(bold)
        self.notice = QLabel(self)
        self.notice.setObjectName("studyNotice")
        self.notice.setAccessibleName("Study notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.card = ArticleView(self)
        self.card.setObjectName("studyCard")
        self.card.setAccessibleName("Study card")
        self.card.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.reveal_button = QPushButton("Show answer (Space)", self)
        self.reveal_button.setAccessibleName("Show answer")
        self.rate_buttons: dict[int, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.addWidget(self.reveal_button)
        for rating, name in RATING_BUTTONS:
            button = QPushButton(f"{name} ({rating})", self)
            button.setObjectName(f"studyRate{name}")
            button.setAccessibleName(f"Rate {name}")
            self.rate_buttons[rating] = button
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.source_button = QPushButton("Open source (O)", self)
        self.source_button.setAccessibleName("Open the source of this card")
        self.export_button = QPushButton("Export to Anki…", self)
        self.export_button.setObjectName("studyExport")
        self.export_button.setAccessibleName("Export the cards to Anki")
        buttons.addWidget(self.source_button)
        buttons.addWidget(self.export_button)
        for button in (self.reveal_button, self.source_button, self.export_button, *self.rate_buttons.values()):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keys do the work; the card keeps the focus
            button.setMinimumWidth(32)  # a narrow window clips the labels rather than squeezing the sidebar out

        right = QWidget(self)
        main = QVBoxLayout(right)
        main.setContentsMargins(0, 6, 6, 6)
        main.addWidget(self.counts_label)
        main.addWidget(self.notice)
        main.addWidget(self.card, 1)
        main.addLayout(buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("studySplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 900])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def _shortcut(self, key: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def _rater(self, rating: int) -> Callable[[], None]:
        return lambda: self.rate(rating)

    def _connect(self) -> None:
        self._shortcut("Space", self.reveal)
        for rating, _name in RATING_BUTTONS:
            self._shortcut(str(rating), self._rater(rating))
            self.rate_buttons[rating].clicked.connect(self._rater(rating))
        self._shortcut("O", self.open_source)
        self._shortcut("P", self.open_page)
        self.reveal_button.clicked.connect(self.reveal)
        self.source_button.clicked.connect(self.open_source)
        self.export_button.clicked.connect(self.choose_export_path)
        self.card.link_activated.connect(self._follow)
        self.decks.itemSelectionChanged.connect(self._deck_changed)

    # -- its face to the window ----------------------------------------------------------

    def set_zoom_steps(self, steps: int) -> None:
        """Show the card at ``steps`` from the base size, as the reader is (one zoom, the whole window)."""
        self.card.set_zoom_steps(steps)

    def focus_card(self) -> None:
        """Put the keyboard on the card: Space reveals, 1-4 rate."""
        self.card.setFocus()

    # -- loading -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.load()
        self.card.setFocus()

    def load(self) -> None:
        """Make the cards from the content and bring the user's store up to date with them."""
        from db.study import generate_cards
        from db.userdata.reviews import Reviews

        self._loaded = True
        self._reviews = Reviews(self._userdata)
        said = []
        try:
            self._cards = generate_cards(self._library)
        except LibraryError as error:
            # Not synced: an unreadable content file must not retire every card the trainee has.
            self._cards = ()
            said.append(f"The study cards could not be made: {error}")
        else:
            version = self._library.manifest.content_version
            report = self._reviews.sync(((c.card_id, c.fingerprint) for c in self._cards), version, self._clock())
            if not report.saved:
                said.append(f"Your study progress could not be updated: {self._reviews.last_error}")
            elif message := report.message():
                said.append(message)
        if not self._userdata.persistent:
            said.append("Your study progress will not be kept after this session: its file cannot be used.")
        if said:
            self._say(" ".join(said))
        self._progress = self._reviews.states()
        self._fill_decks()
        self._show_next()

    def _fill_decks(self) -> None:
        self.decks.blockSignals(True)
        self.decks.clear()
        everything = QTreeWidgetItem(self.decks, ["All cards"])
        everything.setData(0, DECKS_ROLE, None)
        drugs = QTreeWidgetItem(self.decks, ["Drugs: doses and brand names"])
        drugs.setData(0, DECKS_ROLE, [DRUGS_DECK])
        self._deck_items = [everything, drugs]
        classes = [c for c in self._library.classes() if c.slug in {card.deck for card in self._cards}]
        # A class is studied with its subclasses (post-hypoxic with its acute and Lance-Adams forms),
        # as the class filter shows them; a category collects its classes.
        covered: dict[str, list[str]] = {c.slug: [c.slug] for c in classes}
        parents = {c.slug: c.parent for c in self._library.classes()}
        for cls in classes:
            ancestor, seen = parents.get(cls.slug, ""), {cls.slug}
            while ancestor and ancestor not in seen:
                if ancestor in covered:
                    covered[ancestor].append(cls.slug)
                seen.add(ancestor)
                ancestor = parents.get(ancestor, "")
        groups: dict[str, QTreeWidgetItem] = {}
        items: dict[str, QTreeWidgetItem] = {}
        for cls in classes:
            if cls.category not in groups:
                name = CATEGORY_NAMES.get(cls.category, cls.category.capitalize())
                group = QTreeWidgetItem(self.decks, [name])
                group.setData(0, DECKS_ROLE, [c.slug for c in classes if c.category == cls.category])
                groups[cls.category] = group
                self._deck_items.append(group)
            parent = items.get(cls.parent) or groups[cls.category]
            items[cls.slug] = QTreeWidgetItem(parent, [cls.name])
            items[cls.slug].setData(0, DECKS_ROLE, covered[cls.slug])
            self._deck_items.append(items[cls.slug])
        self._deck_names = {id(item): item.text(0) for item in self._deck_items}
        self.decks.expandAll()
        everything.setSelected(True)
        self.decks.setCurrentItem(everything)
        self.decks.blockSignals(False)
        self._label_decks()

    def _label_decks(self) -> None:
        now = self._clock()
        for item in self._deck_items:
            name = self._deck_names[id(item)]
            decks = item.data(0, DECKS_ROLE)
            tally = counts(in_decks(self._cards, decks), self._progress, now)
            item.setText(0, f"{name}  ·  {tally.due} due")
            item.setToolTip(0, f"{name}: {tally.label()}")

    # -- the deck ------------------------------------------------------------------------

    def selected_decks(self) -> list[str] | None:
        """The chosen decks' slugs; None for all cards."""
        chosen: list[str] = []
        for item in self.decks.selectedItems():
            decks = item.data(0, DECKS_ROLE)
            if decks is None:
                return None
            chosen.extend(decks)
        return chosen or None

    def deck_cards(self) -> list[Card]:
        return in_decks(self._cards, self.selected_decks())

    def deck_counts(self) -> Counts:
        return counts(self.deck_cards(), self._progress, self._clock())

    def _deck_changed(self) -> None:
        self._show_next()

    # -- reviewing -----------------------------------------------------------------------

    @property
    def current_card(self) -> Card | None:
        return self._current

    @property
    def revealed(self) -> bool:
        return self._revealed

    def _show_next(self, after: str | None = None) -> None:
        self._recheck.stop()
        now = self._clock()
        cards = self.deck_cards()
        tally = counts(cards, self._progress, now)
        self.counts_label.setText(tally.label())
        self._current = next_card(cards, self._progress, now, after=after)
        self._revealed = False
        if self._current is None:
            upcoming = next_due(cards, self._progress)
            if upcoming is not None:
                local = upcoming.astimezone()
                when = (
                    local.strftime("%H:%M")
                    if local.date() == now.astimezone().date()
                    else format_date(local.date().isoformat())
                )
                heading, text = "All caught up", f"Nothing is due now in this choice. The next card is due {when}."
                wait = int((upcoming - now).total_seconds() * 1000) + 1000
                self._recheck.start(max(1000, min(wait, RECHECK_MS)))
            else:
                heading, text = "No cards", "There are no cards in this choice."
            self.card.show_html(f"<h2>{heading}</h2><p>{text}</p>")
            self._announce(text)
        else:
            self._render()
            self._announce(f"Question: {self._current.question}")
        self._update_buttons()

    def _render(self) -> None:
        card = self._current
        if card is None:
            return
        state = self._progress.get(card.card_id)
        parts = []
        if state is not None and state.updated_in:
            parts.append(
                f'<p class="meta"><b>Updated in content {state.updated_in}</b>: the fact changed, '
                "so this card starts again.</p>"
            )
        parts.append(question_html(card))
        if self._revealed:
            parts.append("<hr/>" + answer_html(card))
        else:
            parts.append('<p class="meta">Space shows the answer.</p>')
        self.card.show_html("\n".join(parts))

    def _update_buttons(self) -> None:
        has_card = self._current is not None
        self.reveal_button.setEnabled(has_card and not self._revealed)
        for button in self.rate_buttons.values():
            button.setEnabled(has_card and self._revealed)
        self.source_button.setEnabled(has_card)
        self.export_button.setEnabled(bool(self._cards))

    def reveal(self) -> None:
        if self._current is None or self._revealed:
            return
        self._revealed = True
        self._render()
        self._update_buttons()
        self._announce("Answer: " + self._current.answer)

    def rate(self, rating: int) -> None:
        """Rate the revealed card (1 Again, 2 Hard, 3 Good, 4 Easy) and show the next one."""
        card = self._current
        if card is None or not self._revealed or self._reviews is None:
            return
        state = self._reviews.rate(card.card_id, rating, self._clock())
        if state is None:
            self._say(f"Your rating could not be saved: {self._reviews.last_error or 'the card is no longer studied'}")
            return
        self._progress[card.card_id] = state
        self._label_decks()
        self._show_next(after=card.card_id)

    def open_source(self) -> None:
        if self._current is not None:
            self.open_requested.emit(str(self._current.source_url))

    def open_page(self) -> None:
        if self._current is not None:
            self.open_requested.emit(str(self._current.page))

    def _follow(self, url: QUrl) -> None:
        self.open_requested.emit(url.toString())

    # -- export --------------------------------------------------------------------------

    def choose_export_path(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"clinref-{self._library.manifest.content_version}.apkg"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to Anki", str(Path(folder) / name), "Anki deck package (*.apkg)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path, cards: Sequence[Card] | None = None) -> bool:
        """Write the cards (all of them unless given) as an Anki package; says how it went."""
        from db.study.anki import ExportError, write_apkg

        try:
            written = write_apkg(self._cards if cards is None else cards, self._library.manifest, path)
        except ExportError as error:
            box = QMessageBox(QMessageBox.Icon.Warning, "Could not export", str(error), QMessageBox.StandardButton.Ok)
            box.setParent(self, box.windowFlags())
            box.setObjectName("studyExportError")
            box.open()
            return False
        self._say(f"Exported {written} cards to {path} (content {self._library.manifest.content_version}).")
        return True

    # -- telling the trainee ----------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)
        self._announce(text)

    def _announce(self, text: str) -> None:
        """Tell a screen reader (Qt 6.8+ announcements; on older Qt the text is on screen only)."""
        if not QAccessible.isActive():
            return
        try:
            from PySide6.QtGui import QAccessibleAnnouncementEvent
        except ImportError:
            return
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, text))
