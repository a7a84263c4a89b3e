"""Drive ClinRef offscreen to the states a person sees, and save a PNG of each.

    python tools/screenshots.py [--out docs/screenshots]

Uses a throwaway profile, so nothing of yours is touched. The README's screenshot is made
here; ``../shared/tools/qt_shot.py`` does the same for the first-launch flow.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_profile = tempfile.mkdtemp(prefix="clinref-shots-")
os.environ["XDG_CONFIG_HOME"] = str(Path(_profile) / "config")
os.environ["XDG_DATA_HOME"] = str(Path(_profile) / "data")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from tools.palettes import dark_palette  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--dark", action="store_true", help="a dark palette, as a dark desktop theme gives")
    parser.add_argument(
        "--treatments",
        action="store_true",
        help="only the class views the README shows (Cortical, Acute post-hypoxic, Post-hypoxic) and the "
        "exported table; names carry the size, the theme and QT_SCALE_FACTOR",
    )
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in opts.size.split("x"))
    app = QApplication([sys.argv[0], "-platform", "offscreen"])
    if opts.dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
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
    if not opts.treatments:
        save(startup.dialog, "disclaimer")
    startup.dialog.accept()
    window = startup.window
    assert window is not None

    def open_page(url: str) -> None:
        """Open ``url`` and wait until it is laid out (pages are read off the GUI thread)."""
        window.open_url(url)
        window.queries.wait()
        settle()

    window.resize(QSize(width, height))
    window.activateWindow()
    window.queries.wait()  # the home page is read off the GUI thread
    settle()
    if opts.treatments:
        return _treatments(window, opts, save)
    save(window, "main-window")

    sidebar = window.sidebar
    for text, name in (("keppra", "search-brand"), ("levitiracetam", "search-misspelling")):
        sidebar.search_box.setText(text)
        sidebar.runner.search_now(text)
        window.queries.wait()  # searched off the GUI thread
        save(window, name)
    sidebar.search_box.clear()

    open_page("drug:levetiracetam")
    save(window, "drug-page")
    open_page("class:post-hypoxic")
    save(window, "class-page")

    window.show_treatments()
    window.treatments.class_filter.select_slugs(["post-hypoxic"])
    window.treatments.runner.wait()
    save(window, "drug-filter-post-hypoxic")

    window.tabs.setCurrentIndex(0)
    open_page("article:post-hypoxic-myoclonus-treatment")
    pdf = Path(_profile) / "article.pdf"
    window.export_pdf_to(pdf)
    print(f"saved {pdf} (look at it with: pdftoppm -png -r 60 {pdf} /tmp/page)")
    window.close()
    return 0


def _treatments(window: Any, opts: argparse.Namespace, save: Callable[[QWidget, str], None]) -> int:
    """The class views a clinician acts on, and the table as it is exported, for docs/screenshots."""
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = f"{opts.size}-{'dark' if opts.dark else 'light'}" + (f"-{scale}x" if scale != "1" else "")
    window.show_treatments()
    for slug in ("cortical", "post-hypoxic-acute", "post-hypoxic"):
        window.treatments.class_filter.select_slugs([slug])
        window.treatments.runner.wait()
        name = f"treatments-{slug}-{suffix}"
        save(window, name)
        _compact(opts.out / f"{name}.png")
    pdf = Path(_profile) / "treatments-post-hypoxic-acute.pdf"
    window.treatments.class_filter.select_slugs(["post-hypoxic-acute"])
    window.treatments.runner.wait()
    for _ in range(5):  # deliver the view the runner read
        QApplication.processEvents()
    window.export_pdf_to(pdf)
    page = opts.out / "treatments-table-pdf"
    first_page = ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*first_page, str(pdf), str(page)], check=True)
    _compact(page.with_suffix(".png"))
    print(f"saved {page}.png, the first page of the exported table")
    window.close()
    return 0


def _compact(path: Path) -> None:
    """Store with 256 colours when that loses nothing (a light screenshot of text often fits), else as it is.

    A lossy palette would shift a dark theme's greys, and these screenshots show colour contrast.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    flags = Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither
    indexed = image.convertToFormat(QImage.Format.Format_Indexed8, flags)
    if indexed.convertToFormat(QImage.Format.Format_RGB32) == image:
        indexed.save(str(path), quality=0)
    else:
        image.save(str(path), quality=0)


if __name__ == "__main__":
    sys.exit(main())
