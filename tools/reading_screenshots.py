"""Screenshots of reading by keyboard and mouse: a focused results list, a hovered citation, the Bookmarks menu.

    python tools/reading_screenshots.py [--out docs/screenshots] [--dark]

Offscreen, with a throwaway profile. A tooltip and a menu are windows of their own, so each is
drawn onto the main window's picture where it would appear on screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_profile = tempfile.mkdtemp(prefix="clinref-shots-")
os.environ["XDG_CONFIG_HOME"] = str(Path(_profile) / "config")
os.environ["XDG_DATA_HOME"] = str(Path(_profile) / "data")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QPoint  # noqa: E402
from PySide6.QtGui import QCursor, QHelpEvent, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--dark", action="store_true")
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0], "-platform", "offscreen"])
    suffix = ""
    if opts.dark:
        from tools.palettes import dark_palette

        app.setStyle("Fusion")
        app.setPalette(dark_palette())
        suffix = "-dark"
    from db.library.locate import default_database
    from desktop.startup import Startup

    def settle() -> None:
        for _ in range(8):
            app.processEvents()

    def save(picture: QPixmap, name: str) -> None:
        path = opts.out / f"{name}{suffix}.png"
        picture.save(str(path))
        print(f"saved {path}")

    def with_popup(window: QWidget, popup: QWidget, at: QPoint | None = None) -> QPixmap:
        """The window with ``popup`` drawn where it is (or ``at``, in window coordinates)."""
        picture = window.grab()
        painter = QPainter(picture)
        where = at if at is not None else popup.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
        painter.drawPixmap(where, popup.grab())
        painter.end()
        return picture

    startup = Startup(default_database())
    startup.begin()
    assert startup.dialog is not None
    startup.dialog.accept()
    window = startup.window
    assert window is not None

    def open_page(url: str) -> None:
        """Open ``url`` and wait until it is laid out (pages are read off the GUI thread)."""
        window.open_url(url)
        window.queries.wait()
        settle()

    window.resize(1280, 800)
    window.activateWindow()
    window.queries.wait()  # the home page is read off the GUI thread
    settle()
    settle()

    # 1. A search typed as a clinician types it, the results list focused (the ring shows where).
    sidebar = window.sidebar
    sidebar.search_box.setText("keppra dose")
    sidebar.runner.search_now("keppra dose")
    window.queries.wait()  # searched off the GUI thread
    settle()
    sidebar.results_view.setFocus()
    settle()
    save(window.grab(), "search-results-focused")

    # 2. A citation hovered: its reference as a tooltip.
    sidebar.search_box.clear()
    open_page("article:post-hypoxic-myoclonus-treatment")
    view = window.reader.view
    settle()
    text = view.document().toPlainText()
    cursor = view.textCursor()
    cursor.setPosition(text.index("[2]") + 1)
    view.setTextCursor(cursor)
    view.setFocus()
    settle()
    view.verticalScrollBar().setValue(view.verticalScrollBar().value() + view.cursorRect(cursor).top() - 300)
    settle()
    point = view.cursorRect(cursor).center()
    global_point = view.viewport().mapToGlobal(point)
    QCursor.setPos(global_point)
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, point, global_point))
    settle()
    tips = [w for w in QApplication.topLevelWidgets() if w.objectName() == "qtooltip_label" and w.isVisible()]
    # The offscreen screen is smaller than the window and Qt keeps a tooltip inside it: draw it
    # where it shows on a real screen, just under the pointer.
    below_pointer = view.viewport().mapTo(window, point) + QPoint(2, 18)
    save(with_popup(window, tips[0], below_pointer) if tips else window.grab(), "citation-hover")

    # 3. The Bookmarks menu: bookmarks, then Recent.
    for url in ("drug:levetiracetam", "class:post-hypoxic"):
        open_page(url)
        window.toggle_bookmark()
    open_page("drug:propofol")
    settle()
    menu = window.bookmarks_menu
    bar = window.menuBar()
    menu.popup(bar.mapToGlobal(bar.actionGeometry(menu.menuAction()).bottomLeft()))
    settle()
    menu.setActiveAction(menu.recent_menu.menuAction())
    recent = menu.recent_menu
    geometry = menu.actionGeometry(menu.recent_menu.menuAction())
    recent.popup(menu.mapToGlobal(geometry.topRight()))
    settle()
    picture = with_popup(window, menu)
    painter = QPainter(picture)
    painter.drawPixmap(recent.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0)), recent.grab())
    painter.end()
    save(picture, "bookmarks-menu")
    recent.hide()
    menu.hide()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
