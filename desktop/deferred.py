"""What the main window makes after its first paint: start-up ends when the window is on screen.

Start-up is measured to the first painted window (bench/README.md). What is not visible then
(the Treatments and Study tabs, the home article) is made right after that paint, one part per
turn of the event loop so that a key pressed meanwhile is not kept waiting, or at once by the
first action that needs it (Ctrl+2, a ``classes:`` bookmark, Print on that tab...).

- :class:`DeferredTab` holds a tab's place with an empty page and puts the real widget there
  when it is made; from then on the tab widget holds the real widget, as if it had always.
- :class:`AfterFirstPaint` runs a list of steps once the window has first been painted.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTabWidget, QWidget

W = TypeVar("W", bound=QWidget)
F = TypeVar("F", bound=Callable[..., Any])


class _Weak(Generic[F]):
    """A callback held without keeping its object alive: the window's own methods are handed in,
    and a strong reference from its children back to it would keep a closed window (and all it
    holds) alive after Qt deleted it (a content reload replaces the window)."""

    def __init__(self, callback: F) -> None:
        self._ref: Callable[[], F | None] = (
            weakref.WeakMethod(callback) if inspect.ismethod(callback) else (lambda: callback)
        )

    def __call__(self) -> F | None:
        return self._ref()


class DeferredTab(QObject, Generic[W]):
    """A tab of ``tabs`` whose page ``make(parent)`` is made when first needed (:meth:`widget`).

    Until then the tab shows an empty page; choosing the tab makes the page at once, and
    ``made(widget)`` is called once it is in place (where the window connects its signals).
    """

    def __init__(self, tabs: QTabWidget, label: str, make: Callable[[QWidget], W], made: Callable[[W], object]) -> None:
        super().__init__(tabs)
        self._tabs = tabs  # the parent: no reference back to the window
        self._label = label
        self._make: _Weak[Callable[[QWidget], W]] | None = _Weak(make)
        self._made = _Weak(made)
        self._widget: W | None = None
        self._placeholder: QWidget | None = QWidget(tabs)
        self._placeholder.setObjectName("deferredPage")
        tabs.addTab(self._placeholder, label)
        tabs.currentChanged.connect(self._current_changed)

    @property
    def is_made(self) -> bool:
        return self._widget is not None

    def made_widget(self) -> W | None:
        """The page if it has been made, else None (for what only concerns a page that exists)."""
        return self._widget

    def widget(self) -> W:
        """The page, made now if it is not yet."""
        if self._widget is None:
            self._build()
        assert self._widget is not None
        return self._widget

    def _current_changed(self, index: int) -> None:
        if self._placeholder is not None and self._tabs.widget(index) is self._placeholder:
            self._build()  # chosen with the mouse or a mnemonic before it was made

    def _build(self) -> None:
        assert self._make is not None and self._placeholder is not None
        make, self._make = self._make(), None
        assert make is not None  # the window that handed it in is alive: it holds this tab
        widget = make(self._tabs)
        placeholder, self._placeholder = self._placeholder, None
        index = self._tabs.indexOf(placeholder)
        current = self._tabs.currentIndex()
        # Swapped without the tab widget announcing it: the same tab stays the current one.
        blocked = self._tabs.blockSignals(True)
        try:
            self._tabs.removeTab(index)
            self._tabs.insertTab(index, widget, self._label)
            self._tabs.setCurrentIndex(current)
        finally:
            self._tabs.blockSignals(blocked)
        placeholder.deleteLater()
        self._widget = widget
        made = self._made()
        if made is not None:
            made(widget)


class AfterFirstPaint(QObject):
    """Runs ``steps`` one per turn of the event loop once ``window`` has first been painted.

    A step is skipped if the window has been closed meanwhile (what it needs may be closed too).
    The steps run in order, those added later (:meth:`add`) after them. A window that is not
    painted (started minimized, say) gets its steps after :data:`UNPAINTED_MS` all the same.
    """

    #: How long a shown window may go unpainted before the steps run anyway.
    UNPAINTED_MS = 2000

    def __init__(self, window: QWidget, steps: list[Callable[[], object]]) -> None:
        super().__init__(window)
        self._steps = [_Weak(step) for step in steps]
        self._started = False
        window.installEventFilter(self)

    @property
    def done(self) -> bool:
        """True once every step has run (or been skipped)."""
        return self._started and not self._steps

    def add(self, step: Callable[[], object]) -> None:
        """Run ``step`` after the others (at once, on the next turn of the loop, if they are done)."""
        self._steps.append(_Weak(step))
        if self._started and len(self._steps) == 1:
            QTimer.singleShot(0, self, self._next)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent():
            if event.type() == QEvent.Type.Paint:
                # This paint event opens a pass that also paints the children: start once it is over.
                self._start()
            elif event.type() == QEvent.Type.Show:
                QTimer.singleShot(self.UNPAINTED_MS, self, self._start)
        return False

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        window = self.parent()
        if window is not None:
            window.removeEventFilter(self)
        QTimer.singleShot(0, self, self._next)

    def _next(self) -> None:
        if not self._steps:
            return
        step = self._steps.pop(0)()
        window = self.parent()
        if step is not None and isinstance(window, QWidget) and window.isVisible():
            step()
        if self._steps:
            QTimer.singleShot(0, self, self._next)
