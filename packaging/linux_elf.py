"""The Linux bundle's ELF files: no build-machine paths in them, and the glibc they need.

- :func:`clean_runpaths` drops every RUNPATH/RPATH entry that is not relative to the file itself
  (``$ORIGIN``). PyInstaller copies CPython's extension modules and ``libpython`` as the build
  machine's Python left them, with a RUNPATH into that installation (e.g. under ``/root/.pyenv``):
  on a workstation the loader would look there first, for a folder that should not exist.
  The bundle never needs those entries: the bootloader puts its own folder on the library path.
- :func:`glibc_requirements` reads every file's versioned symbol references (``objdump -T``) and
  :func:`glibc_floor` the highest ``GLIBC_x.y``: the oldest C library the bundle runs on, which the
  .deb's ``libc6 (>= x.y)`` and the documentation state.

Used by ``packaging/build.py``, ``linux_deb.py`` and ``check_bundle.py``.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path


class ElfError(Exception):
    """A tool failed on a bundle file; the message names the file and the tool."""


def _run(command: list[str]) -> str:
    result = subprocess.run(command, text=True, capture_output=True)
    if result.returncode != 0:
        raise ElfError(f"'{' '.join(command)}' failed (exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def elf_files(root: Path) -> Iterator[Path]:
    """Every ELF file under ``root`` (symlinks skipped), sorted."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


def runpath(path: Path) -> list[str]:
    """The RUNPATH (or RPATH) entries of an ELF file, in order."""
    dynamic = _run(["objdump", "-p", str(path)])
    entries: list[str] = []
    for match in re.finditer(r"^\s+(?:RUNPATH|RPATH)\s+(\S+)", dynamic, re.MULTILINE):
        entries += [entry for entry in match.group(1).split(":") if entry]
    return entries


def is_relative(entry: str) -> bool:
    return entry.startswith(("$ORIGIN", "${ORIGIN}"))


def build_paths(root: Path) -> dict[str, list[str]]:
    """Files (relative to ``root``) whose RUNPATH names anything but a folder relative to the file."""
    found = {}
    for path in elf_files(root):
        absolute = [entry for entry in runpath(path) if not is_relative(entry)]
        if absolute:
            found[path.relative_to(root).as_posix()] = absolute
    return found


def clean_runpaths(root: Path) -> list[str]:
    """Drop absolute RUNPATH entries (``patchelf``), keeping ``$ORIGIN``-relative ones; returns the files changed."""
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        raise ElfError("patchelf is not installed (apt-get install patchelf); it removes build paths from the bundle")
    changed = []
    for path in elf_files(root):
        entries = runpath(path)
        kept = [entry for entry in entries if is_relative(entry)]
        if kept == entries:
            continue
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR)
        if kept:
            _run([patchelf, "--set-rpath", ":".join(kept), str(path)])
        else:
            _run([patchelf, "--remove-rpath", str(path)])
        path.chmod(mode)
        changed.append(path.relative_to(root).as_posix())
    return changed


def make_libraries_not_executable(root: Path) -> int:
    """Shared libraries need read access only (lintian: shared-library-is-executable); returns how many changed."""
    changed = 0
    for path in elf_files(root):
        if re.search(r"\.so(\.[\d.]+)?$", path.name) and path.stat().st_mode & 0o111:
            path.chmod(path.stat().st_mode & ~0o111)
            changed += 1
    return changed


def glibc_requirements(root: Path) -> dict[str, tuple[int, ...]]:
    """Each ELF file (relative to ``root``) and the highest ``GLIBC_`` version among the symbols it references."""
    needs: dict[str, tuple[int, ...]] = {}
    for path in elf_files(root):
        symbols = _run(["objdump", "-T", str(path)])
        versions = [
            tuple(int(part) for part in match.group(1).split("."))
            for match in re.finditer(r"\*UND\*\s+\S+\s+(?:\(|)GLIBC_(\d+(?:\.\d+)+)\)?\s", symbols)
        ]
        if versions:
            needs[path.relative_to(root).as_posix()] = max(versions)
    return needs


def glibc_floor(root: Path) -> tuple[str, str]:
    """The highest glibc version any bundle file needs, and one file that needs it."""
    needs = glibc_requirements(root)
    if not needs:
        raise ElfError(f"no file under {root} references a GLIBC_ symbol version: is this a Linux bundle?")
    file, version = max(needs.items(), key=lambda item: (item[1], item[0]))
    return ".".join(map(str, version)), file
