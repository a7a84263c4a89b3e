"""Choosing and opening the content database the app shows, with a fallback to the bundled one.

Qt-free so the command line (``--version``, ``--self-test``) and the GUI share it. It never
builds content: from a source checkout, ``python -m db build`` does (``--if-changed`` skips an
up-to-date build), and a build older than its sources is opened with a notice saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from db.errors import LibraryError
from db.inputs import inputs_hash
from db.library.library import Library
from db.library.opening import unreachable
from db.paths import configured_database_path, content_sources_dir, default_database_path, is_frozen


@dataclass(frozen=True)
class OpenedContent:
    """The open Library and, when the requested file could not be used, why not."""

    library: Library
    warning: str | None = None


def default_database() -> Path:
    """The bundled content file: inside the bundle when frozen, ``build/clinref.db`` in a checkout.

    Raises :class:`LibraryError` from a checkout that has not been built yet, saying how to build it.
    """
    path = default_database_path()
    try:
        built = is_frozen() or path.is_file()
    except OSError as exc:  # a checkout in a folder that cannot be entered
        raise unreachable(path, exc) from exc
    if not built:
        raise LibraryError(
            path,
            "the content has not been built yet",
            "Run 'python -m db build' in the checkout (it checks the sources and writes this file).",
        )
    return path


def stale_build_notice(library: Library) -> str | None:
    """From a checkout, a notice when the sources changed since ``library`` was built; else None."""
    if is_frozen() or library.path.resolve() != default_database_path().resolve():
        return None
    sources = content_sources_dir()
    try:
        current = inputs_hash(sources)
    except OSError:
        return None
    if current == library.manifest.inputs_hash:
        return None
    return (
        f"The content sources in {sources} have changed since {library.path} was built; this is the last "
        "build. Run 'python -m db build' to check and build them."
    )


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
    try:
        library = Library(default_database())
    except LibraryError as fallback:
        if problem is None:
            raise
        # Name the file that was asked for first: that is the one IT or the user has to fix.
        raise LibraryError(
            named[0] if named else fallback.path,
            f"{problem.rstrip('.')}; and the bundled content cannot be opened either ({fallback.path}: "
            f"{fallback.reason})",
            fallback.advice,
        ) from fallback
    notices = [
        f"{problem}\n\nShowing the bundled content ({library.manifest.content_version}) instead." if problem else None,
        stale_build_notice(library),
    ]
    return OpenedContent(library, "\n\n".join(n for n in notices if n) or None)
