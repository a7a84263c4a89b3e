"""The one place that assembles ClinRef: QApplication, Library, user profile, disclaimer, main window."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from db.errors import LibraryError
from db.library.locate import open_content
from desktop import __version__


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="clinref", description="ClinRef, the offline clinical reference.")
    parser.add_argument("--db", type=Path, metavar="PATH", help="open this content file instead of the bundled one")
    parser.add_argument("--version", action="store_true", help="print the app and content versions and exit")
    parser.add_argument(
        "--self-test", action="store_true", help="render every page offscreen, run sample searches, report, exit 0 or 1"
    )
    parser.add_argument(
        "--export-anki", type=Path, metavar="PATH", help="write the study cards to PATH as an Anki deck (.apkg), exit"
    )
    parser.add_argument(
        "--verify-content", type=Path, metavar="PATH", help="check a content file's signature; exit 0 genuine, 1 not"
    )
    parser.add_argument(
        "--install-content", type=Path, metavar="PATH", help="verify a content file and install it on this machine"
    )
    args, _unknown = parser.parse_known_args(list(argv))  # Qt's own options (-platform ...) pass through
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run ClinRef; returns the process exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(arguments)
    if args.verify_content is not None or args.install_content is not None:
        from desktop.content_commands import install_content, verify_content

        if args.verify_content is not None:
            return verify_content(args.verify_content)
        return install_content(args.install_content)
    if args.version:
        return print_version(args.db)
    if args.export_anki is not None:
        from desktop.study_export import export_anki

        return export_anki(args.db, args.export_anki)
    if args.self_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # IT runs it over SSH: never needs a display
        from desktop.self_test import run_self_test

        return run_self_test(args.db)

    qt_environment()
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *arguments])
    from desktop.startup import Startup

    startup = Startup(args.db, parent=app)  # parented: lives as long as the app
    status = startup.begin()
    if existing is not None:
        return status or 0  # a host (a test, a tool) owns the event loop; windows stay open there
    startup.finished.connect(app.exit)
    code = app.exec()
    return status if status is not None else code


def qt_environment() -> None:
    """Settings Qt reads from the environment, made before the QApplication (the bench's probes call it too).

    ``QT_NO_GUI_THREADPOOL``: Qt's raster engine hands a large fill (a list's background, a
    scroll bar's groove) to a pool of threads and waits for them. On a machine whose cores are
    busy the painting thread then waits for those threads to be scheduled: repainting the sidebar
    took a median 3.0-7.6 ms with the pool and 0.4-0.6 ms without it, on 2 cores at load 7
    (bench/README.md). A value already set is left as it is.
    """
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")


def print_version(db: Path | None) -> int:
    print(f"ClinRef {__version__}")
    try:
        opened = open_content(db)
    except LibraryError as exc:
        print(f"content unavailable: {exc}", file=sys.stderr)
        return 2
    from desktop.content_commands import describe

    print(describe(opened))
    if opened.warning:
        print(opened.warning, file=sys.stderr)
    return 0
