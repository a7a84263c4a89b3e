"""Run by tests/test_isolation.py under strace: start ClinRef on hostile content and lay it out every way it can.

``python -m tests.hostile_render CONTENT_DB OUT_DIR`` starts the app the way a person does (offscreen), accepts
the disclaimer, paints the window with the hostile home page, builds the printable document, exports a PDF,
and prints one JSON line: what the article view showed, the peak memory, and any Python-level ``open`` of a
watched path (``HOSTILE_WATCH``, separated by ``os.pathsep``; seen by an audit hook). The test reads strace's log.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def main(db: Path, out: Path, watched: list[str]) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    python_opens: list[str] = []

    def audit(event: str, args: tuple[object, ...]) -> None:
        # Python-level opens only (Qt's are C++, which strace sees): nothing ClinRef's Python does may open them.
        if event == "open" and args and any(str(args[0]).startswith(path) for path in watched):
            python_opens.append(str(args[0]))

    sys.addaudithook(audit)
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from desktop.startup import Startup

    app = QApplication([sys.argv[0]])
    startup = Startup(db)
    if startup.begin() is not None:
        return 3
    if startup.dialog is not None:
        startup.dialog.accept()
    window = startup.window
    assert window is not None
    window.grab()  # the first paint: the home page is opened right after it
    while not window.after_first_paint.done:
        app.processEvents()
    for _ in range(100):  # the home page is read off the GUI thread: wait for it as a person would
        if window.reader.page is not None:
            break
        window.queries.wait()
        app.processEvents()
    assert window.reader.page is not None, "the home page never arrived"
    window.grab()  # paints every widget, the article view with its hostile page included
    document = window.reader.printable_document()
    image = QImage(800, 2000, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    exported = window.export_pdf_to(out / "page.pdf")
    text = window.reader.view.toPlainText()
    print(
        json.dumps(
            {
                "exported": exported,
                "placeholder": "[image not shown" in text,
                "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "python_opens": python_opens,
            }
        ),
        flush=True,
    )
    window.close()
    startup.userdata.close()
    startup.library.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(
        main(
            Path(sys.argv[1]),
            Path(sys.argv[2]),
            [p for p in os.environ.get("HOSTILE_WATCH", "").split(os.pathsep) if p],
        )
    )
