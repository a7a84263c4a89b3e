"""The one build command: content database, frozen app, archives, installer, checksums.

    python packaging/build.py            # onedir bundle and everything below
    python packaging/build.py --onefile  # one self-unpacking executable only (dist/onefile/clinref)

Writes to ``dist/``:

- Linux: ``clinref/`` (the app; run ``clinref/clinref``), ``clinref-<version>-linux-x86_64.tar.xz``,
  ``clinref_<version>_amd64.deb``, ``SHA256SUMS``.
- Windows: ``clinref/`` (``clinref.exe`` and ``clinref-cli.exe``), ``clinref-<version>-windows-x64.zip``,
  and ``clinref-<version>-windows-x64-setup.exe`` when Inno Setup's ``iscc`` is installed; ``SHA256SUMS``.
- macOS: ``ClinRef.app``, ``clinref-<version>-macos-<arch>.dmg`` (``hdiutil``); ``SHA256SUMS``.

Only the Linux artifacts have been built and run so far. Intermediate files go to ``build/packaging/``.
``packaging/check_bundle.py`` runs the built app the way a workstation would.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path

import bundle_rules  # packaging/bundle_rules.py and linux_deb.py: this script's folder is on sys.path
import linux_deb

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "clinref.spec"
NAME = "clinref"
ICON_SIZES = linux_deb.ICON_SIZES
MIB = 1024 * 1024


class BuildError(Exception):
    """A step failed; the message says which and what to do."""


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


_STARTED = time.monotonic()


def step(message: str) -> None:
    print(f"--- [{time.monotonic() - _STARTED:5.1f} s] {message}", flush=True)


def run(command: list[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, failing with its output when it fails."""
    result = subprocess.run([str(c) for c in command], cwd=cwd, text=True, capture_output=True)
    if result.returncode != 0:
        shown = " ".join(str(c) for c in command)
        raise BuildError(f"'{shown}' failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result


# ----------------------------------------------------------------------------- content and icons


def build_content(out: Path, sign_key: Path | None = None) -> Path:
    """The content database the bundle carries (``python -m db build``), signed; fails naming the bad source line.

    Signed with ``sign_key`` (a release key), else with a throwaway key made here, whose public half
    goes into the bundle's ``resources/keys`` (the spec takes ``<content folder>/keys/*.pub``).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    keys = out.parent / "keys"
    shutil.rmtree(keys, ignore_errors=True)
    keys.mkdir()
    if sign_key is None:
        sign_key = out.parent / "throwaway" / "content.key"
        sign_key.parent.mkdir(exist_ok=True)
        run([sys.executable, "-m", "db", "keygen", "--force", sign_key], cwd=ROOT)
        public = sign_key.with_suffix(".pub")
        print(f"no release key given: the content is signed with a throwaway key; the bundle trusts {public}:")
        print(sign_key.with_suffix(".pub").read_text(encoding="utf-8").strip())
    shutil.copyfile(sign_key.with_suffix(".pub"), keys / "content.pub")
    print(run([sys.executable, "-m", "db", "build", "--out", out, "--sign-key", sign_key], cwd=ROOT).stdout.strip())
    return out


def render_icons(svg: Path, out: Path) -> Path:
    """PNGs for the Linux menu, an .ico for Windows and an .icns for macOS, drawn from the SVG with Qt."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise BuildError(f"{svg}: Qt cannot read this SVG icon")
    out.mkdir(parents=True, exist_ok=True)

    def draw(size: int) -> QImage:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        return image

    targets = [(out / f"clinref-{size}.png", size, "PNG") for size in ICON_SIZES]
    if sys.platform == "win32":
        targets.append((out / "clinref.ico", 256, "ICO"))
    if sys.platform == "darwin":
        targets.append((out / "clinref.icns", 512, "ICNS"))
    for path, size, kind in targets:
        # PySide6 takes the format as str at run time, whatever its stubs say.
        if draw(size).save(str(path), kind):  # type: ignore[call-overload]
            continue
        if kind == "PNG":
            raise BuildError(f"{path}: Qt could not write a {kind} icon")
        print(f"    note: Qt could not write {path.name}; the executable gets PyInstaller's default icon")
    return out


# ----------------------------------------------------------------------------- PyInstaller


def freeze(content: Path, icons: Path, dist: Path, work: Path, onefile: bool) -> None:
    try:
        import PyInstaller  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as exc:
        raise BuildError(f"PyInstaller is not installed: run {sys.executable} -m pip install -e '.[package]'") from exc
    command: list[str | Path] = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN"]
    command += ["--distpath", dist, "--workpath", work, SPEC, "--", "--content", content, "--icons", icons]
    command += ["--version", project_version()]
    if onefile:
        command.append("--onefile")
    result = subprocess.run([str(c) for c in command], cwd=ROOT, text=True, capture_output=True)
    log = work.parent / f"{work.name}.log"
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    # Analysis resolves every Qt plugin's libraries before the spec drops the unused plugins, so on
    # Linux it warns about libraries of plugins that never ship; check_depends() checks what does.
    unresolved = [line for line in result.stderr.splitlines() if "Library not found" in line]
    shown = [line for line in result.stderr.splitlines() if ("WARNING" in line or "ERROR" in line)]
    if sys.platform.startswith("linux"):
        shown = [line for line in shown if line not in unresolved]
        if unresolved:
            print(f"    {len(unresolved)} unresolved-library warnings from Analysis (full log: {log})")
    for line in shown:
        print(f"    pyinstaller: {line}")
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {result.returncode}); the log is {log}:\n{result.stderr[-4000:]}")


# ----------------------------------------------------------------------------- archives


def write_manifest(app: Path) -> Path:
    """``clinref.sha256`` inside the app folder: every file's checksum, for checking an installed copy."""
    manifest = app / f"{NAME}.sha256"
    lines = [
        f"{sha256(p)}  {p.relative_to(app).as_posix()}"
        for p in sorted(app.rglob("*"))
        if p.is_file() and not p.is_symlink() and p != manifest
    ]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if info.isdir() or info.mode & stat.S_IXUSR else 0o644
    if "SOURCE_DATE_EPOCH" in os.environ:
        info.mtime = int(os.environ["SOURCE_DATE_EPOCH"])
    return info


def make_tarball(app: Path, out: Path, top: str) -> Path:
    """``top/`` holding the app, as .tar.xz; multi-threaded xz when installed, else Python's lzma."""
    out.unlink(missing_ok=True)
    xz = shutil.which("xz")
    if xz:
        with out.open("wb") as sink:
            compressor = subprocess.Popen([xz, "-T0", "-6", "-c"], stdin=subprocess.PIPE, stdout=sink)
            assert compressor.stdin is not None
            with tarfile.open(fileobj=compressor.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                tar.add(app, arcname=top, filter=_normalise)
            compressor.stdin.close()
            if compressor.wait() != 0:
                raise BuildError(f"xz failed writing {out}")
    else:
        with tarfile.open(out, mode="w:xz", format=tarfile.PAX_FORMAT, preset=6) as tar:
            tar.add(app, arcname=top, filter=_normalise)
    return out


def make_zip(folder: Path, out: Path) -> Path:
    out.unlink(missing_ok=True)
    made = shutil.make_archive(str(out.with_suffix("")), "zip", root_dir=folder.parent, base_dir=folder.name)
    return Path(made)


def inno_setup_compiler() -> str | None:
    found = shutil.which("iscc")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    return None


def write_checksums(files: Iterable[Path], out: Path) -> Path:
    out.write_text("".join(f"{sha256(p)}  {p.name}\n" for p in sorted(files)), encoding="utf-8")
    return out


def tree_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


# ----------------------------------------------------------------------------- the command


def clean(dist: Path, onefile: bool) -> None:
    """Remove what an earlier build of the same kind left in dist/, so SHA256SUMS never lists a stale file."""
    patterns = ("onefile",) if onefile else (f"{NAME}-*", f"{NAME}_*", "SHA256SUMS", "ClinRef.app")
    for pattern in patterns:
        for path in dist.glob(pattern):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--onefile", action="store_true", help="build one self-unpacking executable only")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    version = project_version()
    dist: Path = args.dist.resolve()
    work = ROOT / "build" / "packaging"
    try:
        dist.mkdir(parents=True, exist_ok=True)
        clean(dist, args.onefile)
        step(f"content database (ClinRef {version})")
        content = build_content(work / "content" / "clinref.db")
        step("icons")
        icons = render_icons(ROOT / "resources" / "icons" / "clinref.svg", work / "icons")
        step("freezing with PyInstaller (packaging/clinref.spec)")
        if args.onefile:
            freeze(content, icons, dist / "onefile", work / "pyinstaller-onefile", onefile=True)
            built = next((dist / "onefile").glob(f"{NAME}*"))
            print(f"one file: {built} ({built.stat().st_size / MIB:.1f} MiB)")
            return 0
        freeze(content, icons, dist, work / "pyinstaller", onefile=False)
        app = dist / NAME
        leaked = bundle_rules.forbidden_files(app)
        if leaked:
            raise BuildError(f"{app} carries files the app must never ship: {', '.join(leaked[:10])}")
        artifacts = build_artifacts(app, dist, icons, version, work)
    except (BuildError, linux_deb.DebianError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    sums = write_checksums(artifacts, dist / "SHA256SUMS")
    bundle = app if app.is_dir() else dist / "ClinRef.app"
    print(
        f"\nbundle    {bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle}  "
        f"{tree_size(bundle) / MIB:.1f} MiB"
    )
    for artifact in artifacts:
        print(f"artifact  {artifact.name}  {artifact.stat().st_size / MIB:.1f} MiB")
    print(f"checksums {sums.name}\ndone in {time.monotonic() - started:.0f} s")
    return 0


def build_artifacts(app: Path, dist: Path, icons: Path, version: str, work: Path) -> list[Path]:
    """The per-platform archives and installers."""
    artifacts: list[Path] = []
    if sys.platform.startswith("linux"):
        write_manifest(app)
        step("tar.xz")
        artifacts.append(make_tarball(app, dist / f"{NAME}-{version}-linux-x86_64.tar.xz", f"{NAME}-{version}"))
        step(".deb (dpkg-deb)")
        deb = dist / f"{NAME}_{version}_amd64.deb"
        artifacts.append(linux_deb.make_deb(app, icons, version, deb, work / "deb"))
    elif sys.platform == "win32":
        write_manifest(app)
        step("zip")
        artifacts.append(make_zip(app, dist / f"{NAME}-{version}-windows-x64.zip"))
        iscc = inno_setup_compiler()
        if iscc:
            step("installer (Inno Setup)")
            run(
                [
                    iscc,
                    f"/DAppVersion={version}",
                    f"/DSourceDir={app}",
                    f"/DOutputDir={dist}",
                    *([f"/DIconFile={icons / 'clinref.ico'}"] if (icons / "clinref.ico").is_file() else []),
                    PACKAGING / "windows" / "clinref.iss",
                ]
            )
            artifacts.append(dist / f"{NAME}-{version}-windows-x64-setup.exe")
        else:
            print("    Inno Setup (iscc) not found: no installer; install it from jrsoftware.org")
    elif sys.platform == "darwin":
        bundle = dist / "ClinRef.app"
        step("disk image (hdiutil)")
        image = dist / f"{NAME}-{version}-macos-{platform.machine()}.dmg"
        run(["hdiutil", "create", "-volname", "ClinRef", "-srcfolder", bundle, "-ov", "-format", "UDZO", image])
        artifacts.append(image)
    return artifacts


if __name__ == "__main__":
    sys.exit(main())
