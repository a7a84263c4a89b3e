"""Command line for the content layer: ``python -m db check | build | import | info | keygen`` (``--help``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from db.errors import ContentError, LibraryError
from db.paths import content_sources_dir, default_database_path


def _check(sources: Path) -> int:
    from db.compiler.drafts import draft_todos
    from db.compiler.sources import load_sources

    loaded, problems = load_sources(sources)
    for problem in problems:
        print(problem, file=sys.stderr)
    todos = draft_todos(loaded) if not problems else []
    for todo in todos:
        print(todo)
    if problems:
        print(f"{len(problems)} problem(s) in {sources}", file=sys.stderr)
        return 1
    drafts = sum(a.draft for a in loaded.articles)
    print(
        f"ok: {len(loaded.articles)} articles, {len(loaded.treatments)} treatments, "
        f"{len(loaded.classes)} classes, {len(loaded.recommendations)} recommendations"
        + (f"; {drafts} draft(s), which the build refuses until finished (to do above)" if drafts else "")
    )
    return 0


def _build(
    sources: Path, out: Path, *, if_changed: bool = False, include_drafts: bool = False, sign_key: Path | None = None
) -> int:
    from db.compiler.build import build
    from db.compiler.drafts import has_drafts
    from db.compiler.signing import SigningError

    # A draft in the sources always goes to the build, which refuses it: an earlier preview
    # build (--include-drafts) of the same sources must not pass for an up-to-date one.
    if if_changed and (include_drafts or not has_drafts(sources)) and _up_to_date(sources, out):
        print(f"{out} is up to date with {sources}")
        return 0

    try:
        report = build(sources, out, include_drafts=include_drafts, sign_key=sign_key)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"build failed: {len(exc.problems)} problem(s); {out} was not written", file=sys.stderr)
        return 1
    except SigningError as exc:
        print(f"build failed: {exc}; {out} was not written", file=sys.stderr)
        return 1
    print(
        f"wrote {report.path} ({report.size_bytes:,} bytes): content {report.content_version}, "
        f"{report.articles} articles, {report.treatments} treatments, {report.classes} classes, "
        f"{report.recommendations} recommendations; inputs sha256 {report.inputs_hash[:16]}…\n"
        f"signed {report.path}.minisig with key {report.key_id} ({report.key_path}); "
        f"check: minisign -Vm {report.path} -p {report.key_path.with_suffix('.pub') if report.key_path else 'KEY.pub'}"
    )
    return 0


def _keygen(secret: Path, force: bool) -> int:
    from db.compiler.signing import SigningError, keygen

    try:
        public, key_id = keygen(secret, force=force)
    except (SigningError, OSError) as exc:
        print(f"keygen failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {secret} (secret: keep it safe, off shared drives) and {public} (public: ship it, or give it to IT)\n"
        f"key id {key_id}\nsign with: python -m db build --sign-key {secret}"
    )
    return 0


def _import(exports: list[Path], sources: Path, out: Path | None, topic: str, condition: str) -> int:
    from db.compiler.importer import ImportRefused, import_export, load_catalogue

    catalogue = load_catalogue(sources)
    failed = 0
    for export in exports:
        try:
            result = import_export(export, out or sources / "articles", catalogue, topic=topic, condition=condition)
        except ImportRefused as exc:
            print(f"import refused: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(result.report)
    return 1 if failed else 0


def _info(path: Path) -> int:
    from db.library import Library

    try:
        with Library(path) as library:
            m = library.manifest
    except LibraryError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"{path}\n  content   {m.content_title} {m.content_version} (latest article {m.content_date})\n"
        f"  counts    {m.article_count} articles, {m.treatment_count} treatments, {m.class_count} classes, "
        f"{m.recommendation_count} recommendations\n  schema    {m.schema_version}, built by "
        f"{m.build_tool}\n  inputs    sha256 {m.inputs_hash}" + (f"\n  review by {m.review_by}" if m.review_by else "")
    )
    from db.library.locate import read_config
    from db.library.trust import load_trusted_keys, verify

    try:
        verified = verify(path, load_trusted_keys(read_config()[0])[0])
    except LibraryError as exc:
        print(f"  signature NOT VALID: {exc.reason}")
        return 1
    print(f"  signature genuine: key {verified.key_id} ({verified.key_origin})")
    return 0


def _up_to_date(sources: Path, out: Path) -> bool:
    """True when ``out`` is a readable build whose recorded inputs hash matches ``sources`` now."""
    from db.content_signature import signature_path
    from db.inputs import inputs_hash
    from db.library import Library

    if not out.is_file() or not signature_path(out).is_file():
        return False  # an unsigned build (from before signing) is rebuilt and signed
    try:
        with Library(out) as library:
            return library.manifest.inputs_hash == inputs_hash(sources)
    except LibraryError:
        return False


def main(argv: list[str] | None = None) -> int:
    from db.compiler.drafts import IMPORT_TOPIC

    parser = argparse.ArgumentParser(prog="python -m db", description=__doc__)
    parser.add_argument(
        "--sources", type=Path, default=content_sources_dir(), help="content source folder (default: %(default)s)"
    )
    # --sources is also accepted after the command (`python -m db check --sources DIR`); SUPPRESS
    # keeps a subcommand from overwriting a --sources given before it.
    sources_too = argparse.ArgumentParser(add_help=False)
    sources_too.add_argument("--sources", type=Path, default=argparse.SUPPRESS, help="content source folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", parents=[sources_too], help="validate the sources; one file:line: message per problem")
    build = commands.add_parser(
        "build", parents=[sources_too], help="check, then compile the sources into one SQLite file"
    )
    build.add_argument(
        "--if-changed", action="store_true", help="skip the build when OUT already matches the sources (inputs hash)"
    )
    build.add_argument(
        "--out", type=Path, default=default_database_path(), help="where to write the database (default: %(default)s)"
    )
    build.add_argument(
        "--include-drafts",
        action="store_true",
        help="preview: build draft articles too (shown with a 'draft, not reviewed' banner); never for release",
    )
    build.add_argument(
        "--sign-key",
        type=Path,
        metavar="KEY",
        help="minisign secret key to sign with (default: $CLINREF_SIGN_KEY, else this checkout's development key)",
    )
    importer = commands.add_parser(
        "import",
        parents=[sources_too],
        help="article export(s) to draft article(s), with a review report on stdout",
    )
    importer.add_argument("exports", type=Path, nargs="+", metavar="EXPORT.txt")
    importer.add_argument(
        "--out", type=Path, default=None, help="where to write the drafts (default: the sources' articles/ folder)"
    )
    importer.add_argument("--topic", default=IMPORT_TOPIC, help="the drafts' topic (default: %(default)s)")
    importer.add_argument(
        "--condition", default="", help="the drafts' condition slug (default: the first in conditions.toml)"
    )
    keygen = commands.add_parser("keygen", help="make a key pair for signing content: KEY and KEY.pub")
    keygen.add_argument("key", type=Path, help="where to write the secret key (the public key goes beside it)")
    keygen.add_argument("--force", action="store_true", help="replace an existing key")
    info = commands.add_parser("info", help="print a built database's manifest")
    info.add_argument("path", type=Path, nargs="?", default=default_database_path())
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.sources)
    if args.command == "build":
        return _build(
            args.sources,
            args.out,
            if_changed=args.if_changed,
            include_drafts=args.include_drafts,
            sign_key=args.sign_key,
        )
    if args.command == "import":
        return _import(args.exports, args.sources, args.out, args.topic, args.condition)
    if args.command == "keygen":
        return _keygen(args.key, args.force)
    return _info(args.path)


if __name__ == "__main__":
    sys.exit(main())
