"""The Linux .deb: the app under /opt/clinref, a menu entry and icons, and a Depends line that is checked.

``check_depends`` reads every ELF file in the bundle (``objdump -p``), finds the libraries they
link that the bundle does not carry, resolves them on the build machine (``ldd``), maps each to
its Debian package (``dpkg -S``) and fails unless ``packaging/linux/control.in`` names it.
Used by ``packaging/build.py``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
NAME = "clinref"
ICON_SIZES = (48, 128, 256)  # the hicolor sizes installed, besides the scalable SVG


class DebianError(Exception):
    """The .deb cannot be made as it should be; the message says why and what to do."""


def _run(command: list[str | Path]) -> str:
    result = subprocess.run([str(c) for c in command], text=True, capture_output=True)
    if result.returncode != 0:
        shown = " ".join(str(c) for c in command)
        raise DebianError(f"'{shown}' failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def _elf_files(app: Path) -> Iterator[Path]:
    for path in sorted(app.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


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
    for path in _elf_files(app):
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


def _installed_size_kib(root: Path) -> int:
    return sum((p.lstat().st_size + 1023) // 1024 for p in root.rglob("*") if not p.is_dir()) + len(
        [p for p in root.rglob("*") if p.is_dir()]
    )


def make_deb(app: Path, icons: Path, version: str, out: Path, staging: Path) -> Path:
    """The .deb: the app under /opt/clinref, /usr/bin/clinref, menu entry and icons, Depends checked."""
    template = (LINUX / "control.in").read_text(encoding="utf-8")
    check_depends(app, template)
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(app, staging / "opt" / NAME, symlinks=True)
    (staging / "usr" / "bin").mkdir(parents=True)
    (staging / "usr" / "bin" / NAME).symlink_to(f"/opt/{NAME}/{NAME}")
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
    for path in [staging, *staging.rglob("*")]:  # root-owned (dpkg-deb --root-owner-group), world-readable
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or path.stat().st_mode & stat.S_IXUSR else 0o644)

    debian = staging / "DEBIAN"
    debian.mkdir(mode=0o755)
    md5 = [
        f"{hashlib.md5(p.read_bytes()).hexdigest()}  {p.relative_to(staging).as_posix()}"
        for p in sorted(staging.rglob("*"))
        if p.is_file() and not p.is_symlink() and debian not in p.parents
    ]
    (debian / "md5sums").write_text("\n".join(md5) + "\n", encoding="utf-8")
    control = template.replace("@VERSION@", version).replace("@INSTALLED_SIZE@", str(_installed_size_kib(staging)))
    (debian / "control").write_text(control, encoding="utf-8")
    for path in debian.iterdir():
        path.chmod(0o644)
    out.unlink(missing_ok=True)
    _run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", staging, out])
    return out
