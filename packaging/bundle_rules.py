"""What goes into the frozen bundle and what stays out: the trim rules ``clinref.spec`` applies.

Plain functions over PyInstaller's ``(destination, source, kind)`` entries, with no PyInstaller
import, so ``tests/test_packaging.py`` checks the rules without freezing anything.

What the app uses, and so what is kept:
- Python modules: ``PySide6.QtCore``, ``QtGui``, ``QtWidgets``, ``QtPrintSupport``; never the
  content build tools (``db.compiler`` and what only it needs), nor anything that talks to a network.
- Qt libraries: Core, Gui, Widgets, PrintSupport, and what those link (DBus, XcbQpa on Linux),
  plus Svg for the SVG window icon.
- Qt plugins: the platforms (xcb for the desktop; offscreen and minimal for ``--self-test`` and
  headless checks; windows and cocoa elsewhere), the SVG icon engine and image format, the
  compose and IBus input methods (typing accents and non-Latin scripts), the print backend,
  the native widget styles on Windows and macOS. No translations: the app installs none.

On Linux the bundle carries Python, Qt and ICU, and leaves the desktop's own libraries (C and
C++ runtimes, X11/xcb, fontconfig, freetype, GLib, D-Bus, OpenGL, CUPS) to the system, where they
match its X server, fonts, drivers and print server. The .deb's ``Depends`` names them, and
``packaging/build.py`` checks that it names every one the bundle needs.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath

#: Python modules the running app must never carry: the content build tools, what they need,
#: and Qt modules it does not use. ``PySide6.QtNetwork`` above all: ClinRef makes no network calls.
EXCLUDED_MODULES: tuple[str, ...] = (
    # Build-time only (the import-linter contract keeps the running app off them).
    "db.compiler",
    "sqlite_utils",
    "markdown",
    "nh3",
    # C extensions that embed a copy of a system library (lintian: embedded-library), which the app
    # never needs: nothing imports xml.parsers.expat, and PyYAML (genanki's, for the Anki export)
    # falls back to its pure-Python loader without its libyaml extension.
    "pyexpat",
    "xml.parsers.expat",
    "yaml._yaml",
    # Qt modules the app does not import (PyInstaller's Qt hooks would otherwise pull some in).
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSvg",
    "PySide6.QtSvgWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    # Standard-library pieces that would only bring TLS / OpenSSL along (hashlib falls back to
    # its built-in hashes), and developer tools.
    "ssl",
    "_ssl",
    "_hashlib",
    "tkinter",
    "unittest",
    "pydoc",
    "doctest",
    "pdb",
)

#: Qt libraries kept (the part of the name after ``Qt6``/``Qt``); every other Qt library is dropped.
QT_LIBRARIES: frozenset[str] = frozenset({"Core", "Gui", "Widgets", "PrintSupport", "DBus", "XcbQpa", "Svg"})

#: Qt plugins kept, by folder, as names without ``lib`` prefix and file extension.
QT_PLUGINS: dict[str, frozenset[str]] = {
    "platforms": frozenset({"qxcb", "qoffscreen", "qminimal", "qwindows", "qcocoa"}),
    "platforminputcontexts": frozenset({"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}),
    "iconengines": frozenset({"qsvgicon"}),
    "imageformats": frozenset({"qsvg"}),
    "printsupport": frozenset({"cupsprintersupport", "windowsprintersupport", "cocoaprintersupport"}),
    "styles": frozenset({"qmodernwindowsstyle", "qwindowsvistastyle", "qmacstyle"}),
}

#: Libraries from the system's library folders that the bundle does carry: Python itself, and
#: SQLite, whose FTS5 features the prebuilt content database was written with.
BUNDLED_SYSTEM_LIBRARIES = re.compile(r"^lib(python3[.\d]*|sqlite3)\.so")

#: Where a Linux system keeps its own libraries (a source path under these is "the system's").
SYSTEM_LIBRARY_DIRS: tuple[str, ...] = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")

#: Files the built bundle must never hold, checked after the build (build.py) and again by
#: check_bundle.py: a network module or plugin, TLS, the content build tools, translations.
FORBIDDEN_FILES = re.compile(
    r"QtNetwork|Qt6Network|plugins/(tls|networkinformation)/|libssl|_ssl\.|sqlite_utils|(^|/)markdown|(^|/)nh3"
    r"|/translations/",
    re.IGNORECASE,
)


def forbidden_files(app: Path) -> list[str]:
    """Paths under ``app`` (relative, sorted) that match :data:`FORBIDDEN_FILES`."""
    names = (p.relative_to(app).as_posix() for p in app.rglob("*"))
    return sorted(name for name in names if FORBIDDEN_FILES.search(name))


#: Other files never worth carrying.
DROPPED_FILES: tuple[str, ...] = (
    "opengl32sw.dll",  # Windows software OpenGL (20 MB); the app draws with the raster engine
)

_QT_LIBRARY = re.compile(r"^(?:lib)?Qt6?([A-Z][A-Za-z0-9]*?)(?:\.so(?:\.[\d.]+)?|\.dll|\.dylib|\.framework)?$")
_PLUGIN_SUFFIX = re.compile(r"(?:\.so|\.dll|\.dylib)$")


def _parts(destination: str) -> tuple[str, ...]:
    """Path components of a bundle destination, whatever the separator."""
    return PureWindowsPath(destination).parts if "\\" in destination else PurePosixPath(destination).parts


def qt_library_name(destination: str) -> str | None:
    """The Qt module a library entry belongs to ("Network" for ``libQt6Network.so.6``), else None.

    Also recognises a file inside a macOS framework (``QtNetwork.framework/...``). Python
    extension modules (``QtCore.abi3.so``, ``QtCore.pyd``) are not Qt libraries.
    """
    for part in _parts(destination):
        match = _QT_LIBRARY.match(part)
        if match:
            return match.group(1)
    return None


def qt_plugin(destination: str) -> tuple[str, str] | None:
    """``(folder, name)`` for an entry under ``.../plugins/<folder>/``, else None."""
    parts = _parts(destination)
    for index, part in enumerate(parts[:-2]):
        if part == "plugins" and "PySide6" in parts[:index]:
            name = _PLUGIN_SUFFIX.sub("", parts[-1])
            return parts[index + 1], name.removeprefix("lib")
    return None


def is_translation(destination: str) -> bool:
    parts = _parts(destination)
    return "PySide6" in parts and "translations" in parts


def is_system_library(source: str, platform: str) -> bool:
    """True for a library the (Linux) system provides and the bundle should not carry."""
    if not platform.startswith("linux") or not source:
        return False
    path = PurePosixPath(source)
    if not source.startswith(SYSTEM_LIBRARY_DIRS):
        return False
    if any(part.startswith("python") or part in ("site-packages", "dist-packages") for part in path.parts[:-1]):
        return False  # Python's own extension modules, and packages, wherever Python is installed
    return not BUNDLED_SYSTEM_LIBRARIES.match(path.name)


def keep(destination: str, source: str, platform: str) -> bool:
    """Whether a binary or data entry goes into the bundle."""
    name = _parts(destination)[-1] if destination else ""
    if name.lower() in DROPPED_FILES:
        return False
    if is_translation(destination):
        return False
    plugin = qt_plugin(destination)
    if plugin is not None:
        folder, plugin_name = plugin
        return plugin_name in QT_PLUGINS.get(folder, frozenset())
    library = qt_library_name(destination)
    if library is not None and library not in QT_LIBRARIES:
        return False
    return not is_system_library(source, platform)
