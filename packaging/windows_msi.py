"""The Windows Installer package (.msi) from ``packaging/windows/clinref.wxs`` and a bundle folder.

Two toolsets read the same WiX 3 source:

- on Windows, WiX 3 (``heat`` harvests the bundle, ``candle`` and ``light`` build and validate):
  what ``packaging/build.py`` and the CI's Windows job use for the released MSI;
- on Linux, msitools' ``wixl-heat`` and ``wixl``: what ``tests/test_packaging.py`` uses to build
  the package against a stand-in payload and check its tables with ``msiinfo``.

The program files are harvested into component group ``Payload`` under ``INSTALLDIR``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

WINDOWS = Path(__file__).resolve().parent / "windows"
WXS = WINDOWS / "clinref.wxs"


class MsiError(Exception):
    """The .msi cannot be built; the message names the tool and its output."""


def _run(command: list[str | Path], cwd: Path | None = None, stdin: str | None = None) -> str:
    result = subprocess.run([str(c) for c in command], cwd=cwd, input=stdin, text=True, capture_output=True)
    if result.returncode != 0:
        shown = " ".join(str(c) for c in command)
        raise MsiError(f"'{shown}' failed (exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def msi_version(version: str) -> str:
    """Windows Installer's ProductVersion: up to three numbers, each below 256, 256, 65536."""
    numbers = version.split("+")[0].split("-")[0].split(".")
    if not 1 <= len(numbers) <= 3 or not all(n.isdigit() for n in numbers):
        raise MsiError(f"version {version!r} cannot be an MSI ProductVersion (major.minor.build, numbers only)")
    limits = (255, 255, 65535)
    if any(int(n) > limit for n, limit in zip(numbers, limits, strict=False)):
        raise MsiError(f"version {version!r} exceeds the MSI limits 255.255.65535")
    return ".".join(numbers)


# ----------------------------------------------------------------------------- WiX 3 (Windows)


def wix3_bin() -> Path | None:
    """The folder holding WiX 3's candle.exe: on PATH, or where the WiX installer's WIX variable says."""
    found = shutil.which("candle")
    if found:
        return Path(found).parent
    if os.environ.get("WIX") and (Path(os.environ["WIX"]) / "bin" / "candle.exe").is_file():
        return Path(os.environ["WIX"]) / "bin"
    return None


def build_with_wix3(payload: Path, version: str, out: Path, work: Path, wix: Path) -> Path:
    """Harvest ``payload`` with heat, compile with candle, link and validate (ICE) with light."""
    work.mkdir(parents=True, exist_ok=True)
    harvested = work / "payload.wxs"
    heat: list[str | Path] = [wix / "heat.exe", "dir", payload, "-nologo", "-cg", "Payload", "-dr", "INSTALLDIR"]
    heat += ["-ag", "-srd"]
    _run([*heat, "-sfrag", "-sreg", "-scom", "-var", "var.SourceDir", "-out", harvested])
    defines = [f"-dVersion={msi_version(version)}", f"-dSourceDir={payload}", "-dWin64=yes"]
    _run([wix / "candle.exe", "-nologo", "-arch", "x64", *defines, "-out", f"{work}{os.sep}", WXS, harvested])
    objects = [work / "clinref.wixobj", work / "payload.wixobj"]
    _run([wix / "light.exe", "-nologo", "-spdb", "-out", out, *objects])
    return out


# ----------------------------------------------------------------------------- msitools (Linux)


def build_with_wixl(payload: Path, version: str, out: Path, work: Path) -> Path:
    """The same package with msitools (``wixl-heat``, ``wixl``): for checking the authoring on Linux."""
    for tool in ("wixl", "wixl-heat"):
        if shutil.which(tool) is None:
            raise MsiError(f"{tool} is not installed (apt-get install wixl msitools)")
    work.mkdir(parents=True, exist_ok=True)
    files = "".join(f"{p.relative_to(payload).as_posix()}\n" for p in sorted(payload.rglob("*")) if p.is_file())
    heat = ["wixl-heat", "--var", "var.SourceDir", "--directory-ref", "INSTALLDIR", "--component-group", "Payload"]
    harvested = work / "payload.wxs"
    harvested.write_text(_run([*heat, "--win64", "-p", ""], stdin=files), encoding="utf-8")
    # wixl finds sources relative to where it runs (an absolute SourceDir fails), so run it beside the payload.
    defines = ["-D", f"Version={msi_version(version)}", "-D", f"SourceDir={payload.name}", "-D", "Win64=yes"]
    _run(["wixl", "-a", "x64", *defines, "-o", out.resolve(), WXS, harvested.resolve()], cwd=payload.parent)
    return out


def table(msi: Path, name: str) -> list[list[str]]:
    """The rows of one table of an .msi (``msiinfo export``), without the three header lines."""
    exported = _run(["msiinfo", "export", msi, name])
    return [line.split("\t") for line in exported.splitlines()[3:] if line]
