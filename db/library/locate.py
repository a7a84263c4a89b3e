"""Choosing and opening the content database the app shows, with a fallback to the bundled one.

Qt-free so the command line (``--version``, ``--self-test``) and the GUI share it. It never
builds content: from a source checkout, ``python -m db build`` does (``--if-changed`` skips an
up-to-date build), and a build older than its sources is opened with a notice saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from db.content_signature import version_key
from db.errors import LibraryError
from db.inputs import inputs_hash
from db.library.content_cache import ContentCache, Installed, stage
from db.library.library import Library
from db.library.opening import unreachable
from db.library.trust import TrustedKey, TrustError, load_trusted_keys, read_signature, verify
from db.machine_config import MachineConfig, MachineConfigError, read_machine_config
from db.paths import content_sources_dir, default_database_path, is_frozen


@dataclass(frozen=True)
class OpenedContent:
    """The open Library, where it came from, who signed it, and, when the requested file could not be used, why not.

    ``pending_check``: the file was accepted on its installation record (size, mtime, inode) to keep
    start-up quick; the caller re-hashes it off the GUI thread (:meth:`Installed.full_check`).
    """

    library: Library
    warning: str | None = None
    origin: str = ""
    signer: str = ""
    keys: tuple[TrustedKey, ...] = ()
    pending_check: Installed | None = None
    config: MachineConfig = field(default_factory=MachineConfig)

    def review_notice(self, today: dt.date | None = None) -> str | None:
        """ "Content due for review since ..." once the editors' review date has passed; else None."""
        return review_notice(self.library.manifest.content_version, self.library.manifest.review_by, today)


def review_notice(version: str, review_by: str, today: dt.date | None = None) -> str | None:
    if not review_by:
        return None
    try:
        due = dt.date.fromisoformat(review_by)
    except ValueError:
        return None
    if (today or dt.date.today()) <= due:
        return None
    return f"Content {version} is due for review since {due.isoformat()}: check for a newer release."


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


def read_config() -> tuple[MachineConfig, str | None]:
    """The machine settings, or empty ones and why they could not be used."""
    try:
        return read_machine_config(), None
    except MachineConfigError as exc:
        return MachineConfig(), f"The machine settings cannot be used: {exc}"


def bundled_version() -> str | None:
    """The version the bundled content's signature claims (unverified: for ordering only), or None."""
    try:
        return read_signature(default_database_path())[1].version
    except LibraryError:
        return None


def _signer(key_id: str, key_origin: str) -> str:
    return f"key {key_id} ({key_origin})"


def open_content(requested: Path | None, *, install: bool = False, cache: ContentCache | None = None) -> OpenedContent:
    """Open ``requested``, else the machine-wide setting, else the newest installed content, else the bundled one.

    Every file is verified (:mod:`db.library.trust`) and only local copies are opened: ``requested``
    as a private copy, a configured file as an installed one. When a named file cannot be used the
    bundled content is opened instead and ``warning`` says which file failed and why. Raises
    :class:`LibraryError` only when nothing can be opened (the bundled content too failing its checks).
    """
    config, config_problem = read_config()
    problems = [config_problem] if config_problem else []
    key_list, key_problems = load_trusted_keys(config)
    keys = tuple(key_list)
    problems += key_problems
    cache = cache or ContentCache()

    def opened(library: Library, origin: str, signer: str, pending: Installed | None = None) -> OpenedContent:
        return OpenedContent(library, "\n\n".join(problems) or None, origin, signer, keys, pending, config)

    if requested is not None:
        try:
            if not install:
                staged = stage(requested, keys)
                return opened(Library(staged.path), f"{requested} (--db)", _signer(staged.key_id, staged.key_origin))
            found = cache.from_source(requested.resolve())
            item = found or cache.install(requested.resolve(), keys, allow_downgrade=True, explicit=True).installed
            return opened(Library(item.path), f"{requested} (--db)", _signer(item.key_id, item.key_origin), found)
        except (LibraryError, OSError) as exc:
            problems.append(f"The content file named by --db cannot be used: {exc}")
    elif config.database is not None:
        path, where = Path(config.database.value), config.database.origin
        try:
            if not install:
                staged = stage(path, keys)
                return opened(
                    Library(staged.path),
                    f"{path} (named by {where})",
                    _signer(staged.key_id, staged.key_origin),
                )
            found = cache.from_source(path)
            item = found or cache.install(path, keys, allow_downgrade=True).installed
            return opened(
                Library(item.path),
                f"{path} (named by {where}), installed as {item.path}",
                _signer(item.key_id, item.key_origin),
                found,
            )
        except (LibraryError, OSError) as exc:
            earlier = [i for i in cache.installed() if i.source == str(path) and i.quick_check() is None]
            if earlier and not isinstance(exc, TrustError):  # the share is unreachable: keep the last good copy
                item = earlier[0]
                problems.append(
                    f"The content file named by {where} cannot be read now ({exc}); showing the copy "
                    f"installed from it, {item.version}."
                )
                return opened(
                    Library(item.path),
                    f"{item.path}, installed from {path}",
                    _signer(item.key_id, item.key_origin),
                    item,
                )
            problems.append(f"The content file named by {where} cannot be used: {exc}")
    else:
        newest = cache.newest()
        bundled = bundled_version() if newest is not None else None
        if newest is not None and (bundled is None or version_key(newest.version) >= version_key(bundled)):
            try:
                return opened(
                    Library(newest.path),
                    f"{newest.path}, installed from {newest.source}",
                    _signer(newest.key_id, newest.key_origin),
                    newest,
                )
            except LibraryError as exc:
                problems.append(f"The installed content cannot be used: {exc}")
    try:
        path = default_database()
        record = cache.bundled_record(path) if install else None
        if record is None:
            verified = verify(path, keys)
            signer = _signer(verified.key_id, verified.key_origin)
            if install:
                cache.save_bundled_record(verified)
        else:
            signer = _signer(record.key_id, record.key_origin)
        library = Library(path)
    except LibraryError as fallback:
        if not problems:
            raise
        # Name the file that was asked for first: that is the one IT or the user has to fix.
        first = requested if requested is not None else Path(config.database.value) if config.database else None
        raise LibraryError(
            first if first is not None else fallback.path,
            f"{problems[-1].rstrip('.')}; and the bundled content cannot be opened either ({fallback.path}: "
            f"{fallback.reason})",
            fallback.advice,
        ) from fallback
    notices = [
        n
        for n in (
            problems
            and "\n\n".join(problems)
            + f"\n\nShowing the bundled content ({library.manifest.content_version}) instead.",
            stale_build_notice(library),
        )
        if n
    ]
    return OpenedContent(
        library,
        "\n\n".join(notices) or None,
        f"{path} (bundled with ClinRef)",
        signer,
        keys,
        record,
        config,
    )


def open_bundled(previous: OpenedContent, problem: str) -> OpenedContent:
    """The bundled content, verified, for when the content in use failed; ``problem`` says what failed."""
    path = default_database()
    verified = verify(path, previous.keys)
    library = Library(path)
    return OpenedContent(
        library,
        f"{problem}\n\nShowing the bundled content ({library.manifest.content_version}) instead.",
        f"{path} (bundled with ClinRef)",
        _signer(verified.key_id, verified.key_origin),
        previous.keys,
        None,
        previous.config,
    )


def open_installed(item: Installed, previous: OpenedContent) -> OpenedContent:
    """Open an installed content file (a new release the app offered), keeping ``previous``' keys and settings."""
    return OpenedContent(
        Library(item.path),
        None,
        f"{item.path}, installed from {item.source}",
        _signer(item.key_id, item.key_origin),
        previous.keys,
        None,
        previous.config,
    )
