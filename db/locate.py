"""Choosing and opening the content database the app shows, with a fallback to the bundled one.

Qt-free so the command line (``--version``, ``--self-test``) and the GUI share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from db.errors import ContentError, LibraryError
from db.library import Library
from db.paths import configured_database_path, content_sources_dir, default_database_path, is_frozen


@dataclass(frozen=True)
class OpenedContent:
    """The open Library and, when the requested file could not be used, why not."""

    library: Library
    warning: str | None = None


def _sources_newer_than(database: Path) -> bool:
    built = database.stat().st_mtime
    root = content_sources_dir()
    return any(p.stat().st_mtime > built for p in root.rglob("*") if p.is_file())


def ensure_default_database() -> Path:
    """The bundled content file; from a source checkout, (re)built when missing or stale.

    Raises :class:`LibraryError` when it cannot be built, naming the first problems found.
    """
    path = default_database_path()
    if is_frozen():
        return path
    if path.is_file() and not _sources_newer_than(path):
        return path
    from db.build import build  # build tools only when there is something to build

    try:
        build(content_sources_dir(), path)
    except ContentError as exc:
        shown = "; ".join(str(p) for p in exc.problems[:3])
        raise LibraryError(
            content_sources_dir(),
            f"the content sources do not pass the checks ({shown})",
            "Run 'python -m db check' for the full list and fix them.",
        ) from exc
    except OSError as exc:
        raise LibraryError(
            path,
            f"the content file cannot be written ({exc.strerror})",
            "Check that the folder is writable, or pass --db PATH.",
        ) from exc
    return path


def open_content(requested: Path | None) -> OpenedContent:
    """Open ``requested``, else the machine-wide setting, else the bundled content.

    When a named file cannot be used the bundled content is opened instead and ``warning``
    says which file failed and why. Raises :class:`LibraryError` only when nothing can be opened.
    """
    named: tuple[Path, str] | None
    problem: str | None = None
    if requested is not None:
        named = (requested, "--db")
    else:
        try:
            named = configured_database_path()
        except ValueError as exc:
            named, problem = None, str(exc)
    if named is not None:
        path, origin = named
        try:
            return OpenedContent(Library(path))
        except LibraryError as exc:
            problem = f"The content file named by {origin} cannot be used: {exc}"
    bundled = ensure_default_database()
    library = Library(bundled)
    if problem:
        return OpenedContent(
            library, f"{problem}\n\nShowing the bundled content ({library.manifest.content_version}) instead."
        )
    return OpenedContent(library)
