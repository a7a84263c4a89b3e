"""Hear ClinRef as a screen reader does: print the AT-SPI events Orca would speak from.

A manual check, not a test (it needs an X server, a D-Bus session and the AT-SPI bus):

    apt-get install -y at-spi2-core python3-pyatspi dbus-x11 xvfb xdotool
    dbus-run-session -- bash -c '
        Xvfb :77 & export DISPLAY=:77
        /usr/libexec/at-spi-bus-launcher --launch-immediately &
        /usr/bin/python3 tools/atspi_listen.py &            # the system Python, which has pyatspi
        QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 .venv/bin/clinref &
        sleep 8; xdotool type --delay 120 "propofol dose"; xdotool key Return; ...'

Prints focus changes (role, name, description), caret moves with the line at the caret, and
announcements (``object:announcement``), for 75 seconds.
"""

from typing import Any

import pyatspi
from gi.repository import GLib


def line_at(src: Any, offset: int) -> str:  # an Atspi.Accessible
    try:
        text = src.queryText()
        return str(text.getTextAtOffset(offset, pyatspi.TEXT_BOUNDARY_LINE_START)[0])
    except Exception as exc:
        return f"<{exc}>"


def on_event(e: Any) -> None:  # an Atspi.Event
    try:
        src = e.source
        if "announcement" in e.type:
            print("ANNOUNCE", repr(e.any_data), flush=True)
        elif e.type.startswith("object:text-caret-moved"):
            print(
                "CARET",
                src.getRoleName(),
                repr(src.name),
                e.detail1,
                repr(line_at(src, e.detail1).strip()[:100]),
                flush=True,
            )
        elif e.type.startswith("object:state-changed:focused") and e.detail1:
            print("FOCUS", src.getRoleName(), repr(src.name), repr(src.description)[:80], flush=True)
        elif e.type.startswith("object:active-descendant-changed"):
            child = e.any_data
            print(
                "ACTIVE-DESC",
                child.getRoleName() if child else None,
                repr(child.name if child else None)[:120],
                flush=True,
            )
    except Exception as exc:
        print("ERR", e.type, exc, flush=True)


pyatspi.Registry.registerEventListener(
    on_event,
    "object:announcement",
    "object:text-caret-moved",
    "object:state-changed:focused",
    "object:active-descendant-changed",
)
GLib.timeout_add_seconds(75, lambda: pyatspi.Registry.stop())
print("listening", flush=True)
pyatspi.Registry.start()
