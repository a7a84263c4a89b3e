"""The Linux .deb: the app under /usr/lib/clinref, a menu entry and icons, and a Depends line that is checked.

``check_depends`` reads every ELF file in the bundle (``objdump -p``), finds the libraries they
link that the bundle does not carry, resolves them on the build machine (``ldd``), maps each to
its Debian package (``dpkg -S``) and fails unless ``packaging/linux/control.in`` names it.
The control file is written with ``Depends`` on one line, ``libc6 (>= x.y)`` from the highest
``GLIBC_`` symbol version the bundle references (``linux_elf.glibc_floor``), and the Maintainer
the build is given. ``/usr/share/doc/clinref`` gets the DEP-5 ``copyright`` file and a
``changelog.gz`` (the name Debian gives a native package's changelog).
Used by ``packaging/build.py``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import linux_elf

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
NAME = "clinref"
ICON_SIZES = (48, 128, 256)  # the hicolor sizes installed, besides the scalable SVG
INSTALL_DIR = f"usr/lib/{NAME}"  # where the bundle goes, relative to /
#: The Maintainer when none is given (--maintainer, CLINREF_MAINTAINER) and git names no author.
DEFAULT_MAINTAINER = "ClinRef release builds <clinref-release@example.org>"
MAINTAINER_FORMAT = re.compile(r"^[^<>@\n]+ <[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>$")


class DebianError(Exception):
    """The .deb cannot be made as it should be; the message says why and what to do."""


def _run(command: list[str | Path]) -> str:
    result = subprocess.run([str(c) for c in command], text=True, capture_output=True)
    if result.returncode != 0:
        shown = " ".join(str(c) for c in command)
        raise DebianError(f"'{shown}' failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def _needed(path: Path) -> list[str]:
    dynamic = _run(["objdump", "-p", path])
    return re.findall(r"^\s+NEEDED\s+(\S+)", dynamic, re.MULTILINE)


def _ldd(path: Path, library_path: str) -> dict[str, str | None]:
    env = {**os.environ, "LD_LIBRARY_PATH": library_path}
    result = subprocess.run(["ldd", str(path)], text=True, capture_output=True, env=env)
    found: dict[str, str | None] = {}
    for line in result.stdout.splitlines():
        match = re.match(r"\s*(\S+) => (not found|\S+)", line)
        if match:
            found[match.group(1)] = None if match.group(2) == "not found" else match.group(2)
        elif line.strip().startswith("/"):
            found[Path(line.split()[0]).name] = line.split()[0]
    return found


def system_libraries(app: Path) -> dict[str, str | None]:
    """Every library the bundle's own files link that the bundle does not carry: soname -> system path.

    ``None`` means the build machine does not have it either, so it cannot be mapped to a package.
    """
    internal = app / "_internal"
    carried = {p.name for p in app.rglob("*") if p.is_file()}
    library_path = str(internal)  # what the PyInstaller bootloader puts first
    missing: dict[str, str | None] = {}
    for path in linux_elf.elf_files(app):
        needed = [name for name in _needed(path) if name not in carried]
        if not needed:
            continue
        resolved = _ldd(path, library_path)
        for name in needed:
            missing.setdefault(name, resolved.get(name))
    return dict(sorted(missing.items()))


def debian_package(path: str) -> str | None:
    """The Debian package that installed a library file (trying the /usr-merged spellings), or None."""
    candidates = [path, str(Path(path).resolve())]
    candidates += [c.removeprefix("/usr") if c.startswith("/usr/") else "/usr" + c for c in list(candidates)]
    for candidate in candidates:
        result = subprocess.run(["dpkg", "-S", candidate], text=True, capture_output=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


def depends_names(depends: str) -> set[str]:
    """Package names in a Depends field, alternatives included, versions and architectures dropped."""
    names = set()
    for clause in depends.split(","):
        for alternative in clause.split("|"):
            name = re.split(r"[\s(:]", alternative.strip(), maxsplit=1)[0]
            if name:
                names.add(name)
    return names


def control_field(template: str, field: str) -> str:
    match = re.search(rf"^{field}:(.*(?:\n[ \t].*)*)", template, re.MULTILINE)
    if not match:
        raise DebianError(f"{LINUX / 'control.in'}: no {field} field")
    return " ".join(match.group(1).split())


def check_depends(app: Path, template: str) -> list[str]:
    """The packages the bundle needs from the system; fails unless control.in's Depends names each one."""
    libraries = system_libraries(app)
    unresolved = [name for name, path in libraries.items() if path is None]
    if unresolved:
        raise DebianError(
            f"the bundle links {', '.join(unresolved)}, which this machine does not have either, so the .deb's "
            "Depends cannot be checked; install them (see .ci/run) and build again"
        )
    packages: dict[str, list[str]] = {}
    for name, path in libraries.items():
        package = debian_package(str(path))
        if package is None:
            raise DebianError(f"{path} (needed as {name}) belongs to no Debian package; the .deb cannot depend on it")
        packages.setdefault(package, []).append(name)
    named = depends_names(control_field(template, "Depends"))
    lacking = {p: libs for p, libs in packages.items() if p not in named}
    if lacking:
        shown = "; ".join(f"{p} (for {', '.join(libs)})" for p, libs in sorted(lacking.items()))
        raise DebianError(f"{LINUX / 'control.in'}: Depends does not name {shown}; add them")
    extra = sorted(named - set(packages))
    if extra:
        print(f"    note: Depends also names {', '.join(extra)}, which no bundled file links directly")
    return sorted(packages)


def maintainer(given: str | None) -> str:
    """``Name <address>`` for the Maintainer field: ``given``, else ``$CLINREF_MAINTAINER``, else git's author."""
    for candidate, where in ((given, "--maintainer"), (os.environ.get("CLINREF_MAINTAINER"), "CLINREF_MAINTAINER")):
        if candidate:
            if not MAINTAINER_FORMAT.match(candidate.strip()):
                raise DebianError(f"{where} must read 'Name <address@domain>', not {candidate!r}")
            return candidate.strip()
    author = subprocess.run(["git", "log", "-1", "--format=%an <%ae>"], cwd=ROOT, text=True, capture_output=True)
    if author.returncode == 0 and MAINTAINER_FORMAT.match(author.stdout.strip()):
        return author.stdout.strip()
    return DEFAULT_MAINTAINER


def release_date() -> str:
    """The changelog's date (RFC 2822): SOURCE_DATE_EPOCH, else the last commit's, so rebuilds give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        last = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, text=True, capture_output=True)
        epoch = last.stdout.strip() if last.returncode == 0 and last.stdout.strip() else None
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return email.utils.format_datetime(when)


def write_changelog(out: Path, version: str, maintainer_field: str) -> Path:
    """A Debian changelog with this release's entry, gzip -9n (no name or time in the header: reproducible)."""
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, text=True, capture_output=True)
    built_from = f", built from commit {commit.stdout.strip()}" if commit.returncode == 0 else ""
    entry = (
        f"{NAME} ({version}) stable; urgency=medium\n\n"
        f"  * ClinRef {version}{built_from}.\n"
        "    What changed is in the release notes.\n\n"
        f" -- {maintainer_field}  {release_date()}\n"
    )
    return _gzip(entry.encode("utf-8"), out)


def _gzip(source: Path | bytes, out: Path) -> Path:
    """gzip -9n: no file name or time in the header, so the same input gives the same bytes."""
    data = source.read_bytes() if isinstance(source, Path) else source
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as z:
        z.write(data)
    return out


def control_text(template: str, version: str, maintainer_field: str, libc6: str, installed_kib: int) -> str:
    """The control file from control.in, every field on one line except the Description."""
    text = template
    for key, value in (
        ("@VERSION@", version),
        ("@MAINTAINER@", maintainer_field),
        ("@LIBC6@", libc6),
        ("@INSTALLED_SIZE@", str(installed_kib)),
    ):
        text = text.replace(key, value)
    if "@" in control_field(text, "Depends") or re.search(r"@[A-Z0-9_]+@", text):
        raise DebianError(f"{LINUX / 'control.in'}: a placeholder was left unfilled")
    return text


def _installed_size_kib(root: Path) -> int:
    return sum((p.lstat().st_size + 1023) // 1024 for p in root.rglob("*") if not p.is_dir()) + len(
        [p for p in root.rglob("*") if p.is_dir()]
    )


def make_deb(
    app: Path, icons: Path, version: str, out: Path, staging: Path, copyright_text: str, maintainer_field: str
) -> Path:
    """The .deb: the app under /usr/lib/clinref, /usr/bin/clinref, a manual page, menu entry and icons."""
    template = (LINUX / "control.in").read_text(encoding="utf-8")
    check_depends(app, template)
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(app, staging / INSTALL_DIR, symlinks=True)
    (staging / "usr" / "bin").mkdir(parents=True)
    (staging / "usr" / "bin" / NAME).symlink_to(os.path.relpath(f"/{INSTALL_DIR}/{NAME}", "/usr/bin"))
    man = staging / "usr" / "share" / "man" / "man1"
    man.mkdir(parents=True)
    _gzip(LINUX / f"{NAME}.1", man / f"{NAME}.1.gz")
    applications = staging / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy2(LINUX / "clinref.desktop", applications / "clinref.desktop")
    hicolor = staging / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(icons / f"clinref-{size}.png", folder / "clinref.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "clinref.svg", hicolor / "scalable" / "apps" / "clinref.svg")
    doc = staging / "usr" / "share" / "doc" / NAME
    doc.mkdir(parents=True)
    shutil.copy2(LINUX / "clinref.toml.example", doc / "clinref.toml.example")
    (doc / "copyright").write_text(copyright_text, encoding="utf-8")
    write_changelog(doc / "changelog.gz", version, maintainer_field)
    overrides = staging / "usr" / "share" / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copy2(LINUX / "lintian-overrides", overrides / NAME)
    for path in [staging, *staging.rglob("*")]:  # root-owned (dpkg-deb --root-owner-group), world-readable
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or path.stat().st_mode & stat.S_IXUSR else 0o644)
    # No build-machine path may remain in a RUNPATH (build.py cleans the bundle; this guards the .deb).
    leaked = linux_elf.build_paths(staging)
    if leaked:
        raise DebianError(f"RUNPATH entries with build-machine paths: {dict(list(leaked.items())[:5])}")

    debian = staging / "DEBIAN"
    debian.mkdir(mode=0o755)
    md5 = [
        f"{hashlib.md5(p.read_bytes()).hexdigest()}  {p.relative_to(staging).as_posix()}"
        for p in sorted(staging.rglob("*"))
        if p.is_file() and not p.is_symlink() and debian not in p.parents
    ]
    (debian / "md5sums").write_text("\n".join(md5) + "\n", encoding="utf-8")
    libc6, needed_by = linux_elf.glibc_floor(app)
    print(f"    libc6 (>= {libc6}): the highest GLIBC_ symbol version the bundle references ({needed_by})")
    control = control_text(template, version, maintainer_field, libc6, _installed_size_kib(staging))
    (debian / "control").write_text(control, encoding="utf-8")
    for path in debian.iterdir():
        path.chmod(0o644)
    out.unlink(missing_ok=True)
    _run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", staging, out])
    return out
