"""The one build command: content database, frozen app, archives, installer, checksums.

    python packaging/build.py            # onedir bundle and everything below
    python packaging/build.py --onefile  # one self-unpacking executable only (dist/onefile/clinref)
    python packaging/build.py --sign-key release.key --maintainer "Ward IT <it@hospital.example>"

Writes to ``dist/``:

- Linux: ``clinref/`` (the app; run ``clinref/clinref``), ``clinref-<version>-linux-x86_64.tar.xz``,
  ``clinref_<version>_amd64.deb``.
- Windows: ``clinref/`` (``clinref.exe`` and ``clinref-cli.exe``), ``clinref-<version>-windows-x64.zip``,
  ``clinref-<version>-windows-x64-setup.exe`` when Inno Setup's ``iscc`` is installed, and
  ``clinref-<version>-windows-x64.msi`` when WiX 3 is (``packaging/windows/clinref.wxs``).
- macOS: ``ClinRef.app``, ``clinref-<version>-macos-<arch>.dmg`` (``hdiutil``).
- Every platform: ``clinref-<version>.cdx.json`` (CycloneDX SBOM), ``SHA256SUMS``, ``SHA256SUMS.minisig``
  and ``clinref-release.pub``; the bundle carries ``THIRD-PARTY-NOTICES.txt``.

Only the Linux artifacts have been built and run so far. Intermediate files go to ``build/packaging/``.
``packaging/check_bundle.py`` runs the built app the way a workstation would.
"""

from __future__ import annotations

import argparse
import functools
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

import bundle_rules  # packaging/bundle_rules.py, linux_deb.py, ...: this script's folder is on sys.path
import linux_deb
import linux_elf
import notices
import release_signing
import windows_msi

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


# ----------------------------------------------------------------------------- signing


KEYS = ROOT / "build" / "packaging" / "keys"


@functools.cache
def choose_release_key(sign_key: Path | None = None) -> release_signing.ReleaseKey:
    """The key this build signs with: ``--sign-key``, else ``$CLINREF_RELEASE_KEY``, else one throwaway per build."""
    return release_signing.choose_key(sign_key, KEYS)


def release_key_path(sign_key: Path | None = None) -> Path:
    """The minisign secret key file this build signs with (the same file on every call in one build).

    What ``python -m db build --sign-key PATH`` is to be given, so the content file is signed by the
    same key as ``SHA256SUMS``.
    """
    return choose_release_key(sign_key).path


def announce_key(key: release_signing.ReleaseKey) -> None:
    if not key.throwaway:
        print(f"    signing with the release key {key.path}")
        return
    banner = "!" * 100
    print(
        f"{banner}\n!! NO RELEASE KEY GIVEN (--sign-key PATH or {release_signing.KEY_ENV}):\n"
        f"!! signing with a THROWAWAY key made for this build only ({key.path}).\n"
        "!! The signatures prove nothing about where this build came from: do not hand it to IT as a release.\n"
        f"{banner}",
        flush=True,
    )


def sign_release(key: release_signing.ReleaseKey, sums: Path, dist: Path, version: str) -> tuple[Path, Path]:
    """``SHA256SUMS.minisig`` and the public key beside it (``clinref-release.pub``); checked before returning."""
    public = dist / release_signing.PUBLIC_KEY_NAME
    label = release_signing.THROWAWAY_LABEL if key.throwaway else "ClinRef release key"
    public.write_bytes(release_signing.public_key_text(key.path, label))
    kind = "THROWAWAY key" if key.throwaway else "release key"
    comment = f"ClinRef {version} SHA256SUMS, signed with the {kind}, {time.strftime('%Y-%m-%d', time.gmtime())}"
    signature = release_signing.sign_file(key.path, sums, comment)
    release_signing.verify_file(public, sums)
    return signature, public


def tree_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


# ----------------------------------------------------------------------------- the command


def clean(dist: Path, onefile: bool) -> None:
    """Remove what an earlier build of the same kind left in dist/, so SHA256SUMS never lists a stale file."""
    patterns = ("onefile",) if onefile else (f"{NAME}-*", f"{NAME}_*", "SHA256SUMS*", "ClinRef.app")
    for pattern in patterns:
        for path in dist.glob(pattern):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--onefile", action="store_true", help="build one self-unpacking executable only")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument(
        "--sign-key",
        type=Path,
        help=f"minisign secret key to sign with (default: ${release_signing.KEY_ENV}, else a throwaway key)",
    )
    parser.add_argument(
        "--maintainer",
        help="the .deb's Maintainer, 'Name <address>' (default: $CLINREF_MAINTAINER, else the last commit's author)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    version = project_version()
    dist: Path = args.dist.resolve()
    work = ROOT / "build" / "packaging"
    try:
        key = None if args.onefile else choose_release_key(args.sign_key)  # the one file is not a release
        if key is not None:
            announce_key(key)
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
        if sys.platform.startswith("linux"):
            step("build-machine paths out of RUNPATH (patchelf); libraries not executable")
            cleaned, modes = linux_elf.clean_runpaths(app), linux_elf.make_libraries_not_executable(app)
            print(f"    RUNPATH cleaned in {len(cleaned)} files; {modes} libraries no longer executable")
        step("licence notices (pip-licenses, licence texts) and SBOM (cyclonedx-py)")
        components = notices.collect(app)
        print(f"    {notices.write_notices(app, components, version).relative_to(dist)}: {len(components)} components")
        sbom = notices.write_sbom(components, dist / f"{NAME}-{version}.cdx.json")
        artifacts = build_artifacts(app, dist, icons, version, work, components, args.maintainer)
        artifacts.append(sbom)
        sums = write_checksums(artifacts, dist / "SHA256SUMS")
        assert key is not None
        step("signing SHA256SUMS (minisign)")
        signature, public = sign_release(key, sums, dist, version)
    except (
        BuildError,
        linux_deb.DebianError,
        linux_elf.ElfError,
        release_signing.SigningError,
        notices.NoticeError,
        windows_msi.MsiError,
    ) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    bundle = app if app.is_dir() else dist / "ClinRef.app"
    print(
        f"\nbundle    {bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle}  "
        f"{tree_size(bundle) / MIB:.1f} MiB"
    )
    for artifact in artifacts:
        print(f"artifact  {artifact.name}  {artifact.stat().st_size / MIB:.1f} MiB")
    print(f"checksums {sums.name}, signed: {signature.name}; public key {public.name}")
    if key is not None and key.throwaway:
        print("WARNING: signed with a THROWAWAY key (see above); not a release")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


def build_artifacts(
    app: Path,
    dist: Path,
    icons: Path,
    version: str,
    work: Path,
    components: list[notices.Component],
    maintainer: str | None = None,
) -> list[Path]:
    """The per-platform archives and installers."""
    artifacts: list[Path] = []
    if sys.platform.startswith("linux"):
        write_manifest(app)
        step("tar.xz")
        artifacts.append(make_tarball(app, dist / f"{NAME}-{version}-linux-x86_64.tar.xz", f"{NAME}-{version}"))
        step(".deb (dpkg-deb)")
        deb = dist / f"{NAME}_{version}_amd64.deb"
        copyright_text = notices.debian_copyright_file(components, version, linux_deb.INSTALL_DIR)
        maintainer_field = linux_deb.maintainer(maintainer)
        print(f"    Maintainer: {maintainer_field}")
        artifacts.append(linux_deb.make_deb(app, icons, version, deb, work / "deb", copyright_text, maintainer_field))
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
        wix = windows_msi.wix3_bin()
        if wix:
            step("Windows Installer package (WiX 3: heat, candle, light)")
            msi = dist / f"{NAME}-{version}-windows-x64.msi"
            artifacts.append(windows_msi.build_with_wix3(app, version, msi, work / "msi", wix))
        else:
            print("    WiX 3 (candle.exe) not found: no .msi; install WiX Toolset 3.14")
    elif sys.platform == "darwin":
        bundle = dist / "ClinRef.app"
        step("disk image (hdiutil)")
        image = dist / f"{NAME}-{version}-macos-{platform.machine()}.dmg"
        run(["hdiutil", "create", "-volname", "ClinRef", "-srcfolder", bundle, "-ov", "-format", "UDZO", image])
        artifacts.append(image)
    return artifacts


if __name__ == "__main__":
    sys.exit(main())
