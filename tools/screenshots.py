"""Drive ClinRef offscreen to the states a person sees, and save a PNG of each.

    python tools/screenshots.py [--out docs/screenshots]

Uses a throwaway profile, so nothing of yours is touched. The README's screenshot is made
here; ``../shared/tools/qt_shot.py`` does the same for the first-launch flow.
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

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#17181a"),
        (QPalette.ColorRole.AlternateBase, "#242528"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#2d2e31"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.HighlightedText, "#202124"),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
        (QPalette.ColorRole.Link, "#8ab4f8"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--dark", action="store_true", help="a dark palette, as a dark desktop theme gives")
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in opts.size.split("x"))
    app = QApplication([sys.argv[0], "-platform", "offscreen"])
    if opts.dark:
        app.setStyle("Fusion")
        app.setPalette(_dark_palette())
    from db.library.locate import default_database
    from desktop.startup import Startup

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = opts.out / f"{name}.png"
        widget.grab().save(str(path))
        print(f"saved {path}")

    startup = Startup(default_database())
    startup.begin()
    assert startup.dialog is not None
    save(startup.dialog, "disclaimer")
    startup.dialog.accept()
    window = startup.window
    assert window is not None
    window.resize(QSize(width, height))
    window.activateWindow()
    save(window, "main-window")

    sidebar = window.sidebar
    for text, name in (("keppra", "search-brand"), ("levitiracetam", "search-misspelling")):
        sidebar.search_box.setText(text)
        sidebar.runner.search_now(text)
        sidebar.runner._pool.waitForDone()
        save(window, name)
    sidebar.search_box.clear()

    window.open_url("drug:levetiracetam")
    save(window, "drug-page")
    window.open_url("class:post-hypoxic")
    save(window, "class-page")

    window.show_treatments()
    window.treatments.class_filter.select_slugs(["post-hypoxic"])
    save(window, "drug-filter-post-hypoxic")

    window.tabs.setCurrentIndex(0)
    window.open_url("article:post-hypoxic-myoclonus-treatment")
    pdf = Path(_profile) / "article.pdf"
    window.export_pdf_to(pdf)
    print(f"saved {pdf} (look at it with: pdftoppm -png -r 60 {pdf} /tmp/page)")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
