"""PyInstaller runtime hook: programs ClinRef starts get the system's libraries, not the bundle's.

On Linux the bootloader puts the bundle's ``_internal`` folder first on ``LD_LIBRARY_PATH`` and
restarts itself so the dynamic loader sees it. The running app needs nothing more from the
variable (the loader read it at start), but every child inherits it: the web browser that
``xdg-open`` starts for an outside link would load the bundle's Qt, ICU, SQLite and Python
libraries instead of its own, and may crash. Restore what the user had (PyInstaller saved it
as ``LD_LIBRARY_PATH_ORIG``), or remove the variable when there was none.
"""

import os
import sys
from collections.abc import MutableMapping


def restore_library_path(environ: MutableMapping[str, str]) -> None:
    """Put back the ``LD_LIBRARY_PATH`` the program was started with."""
    original = environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        environ["LD_LIBRARY_PATH"] = original
    else:
        environ.pop("LD_LIBRARY_PATH", None)


if hasattr(sys, "_MEIPASS"):  # only ever in the frozen app; importing it elsewhere changes nothing
    restore_library_path(os.environ)
