"""Run a built ClinRef the way a workstation would, with the build machine's Python out of the way.

    python packaging/check_bundle.py [DIST] [--x11] [--deb] [--minimal-debian SUITE] [--screenshots DIR]

Always (Linux):
- ``SHA256SUMS`` lists every artifact, and ``SHA256SUMS.minisig`` verifies with the public key
  beside it (``clinref-release.pub``), with py-minisign and with ``minisign -V`` when installed;
- the bundle carries ``THIRD-PARTY-NOTICES.txt`` and ``dist/`` a CycloneDX SBOM, both naming Qt,
  PySide6, CPython and the rest;
- no ELF file in the bundle or the .deb has a RUNPATH outside ``$ORIGIN``; the .deb's ``Depends`` is
  on one line and its ``libc6 (>= x.y)`` is the highest ``GLIBC_`` version the bundle references;
  it has a DEP-5 ``copyright`` file and a changelog; ``lintian`` reports no error;
- the bundle carries no network module, no content build tool, no translations, only the
  xcb/offscreen/minimal platform plugins (files and frozen Python modules both);
- ``clinref --self-test`` and ``--version`` pass in a clean environment (``env -i`` with PATH,
  HOME and XDG folders in a throwaway directory, run from there), and ``CLINREF_DB`` and ``--db``
  point it at another content file.

``--x11``: starts ``Xvfb`` and the app with a fresh profile, waits for the disclaimer, accepts
it with the keyboard, waits for the main window, saves screenshots, stops both.

``--deb`` (root, Debian/Ubuntu): ``apt-get install ./clinref_<version>_amd64.deb``, checks the
installed files (``dpkg --verify``, the bundle's ``clinref.sha256``, the menu entry), runs
``/usr/bin/clinref --self-test``, points it at a content file through ``/etc/clinref/clinref.toml``,
then ``apt-get remove`` and checks that nothing is left under /usr/lib/clinref.

``--minimal-debian SUITE`` (root, mmdebstrap, network to a Debian mirror): makes a minimal Debian
(``minbase``) with only the packages the .deb's ``Depends`` names, unpacks the tarball into its
``/opt`` and runs ``--self-test`` there: the tarball's documented package list is enough.

Exit status 0 when every check passed; each failure is printed with what was expected.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import bundle_rules  # packaging/bundle_rules.py, release_signing.py, ...: this script's folder is on sys.path
import linux_elf
import release_signing

ROOT = Path(__file__).resolve().parent.parent
NAME = "clinref"
INSTALL_DIR = f"/usr/lib/{NAME}"  # where the .deb puts the bundle (linux_deb.INSTALL_DIR)
FORBIDDEN_MODULES = re.compile(r"^(db\.compiler|sqlite_utils|markdown|nh3|ssl|PySide6\.QtNetwork)(\.|$)")
PLATFORMS = {"qxcb", "qoffscreen", "qminimal"}
RUNTIME_HOOK = "rthook_child_environment"  # gives programs the app starts the system's LD_LIBRARY_PATH


class CheckFailed(Exception):
    """A check did not pass; the message says what was expected and what happened."""


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh login would have: no PYTHONPATH, no virtualenv, a throwaway profile."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
    }
    (home / "runtime").mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(extra)
    return env


def run_app(executable: Path, args: list[str], home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(executable), *args], env=clean_env(home, **extra), cwd=home, text=True, capture_output=True, timeout=120
    )


# ----------------------------------------------------------------------------- what is in the bundle


def check_contents(app: Path) -> list[str]:
    """Files and frozen modules that must not ship, and the platform plugins; returns what was seen."""
    leaked = bundle_rules.forbidden_files(app)
    if leaked:
        raise CheckFailed(f"the bundle carries files it must not: {', '.join(leaked[:10])}")
    platforms = {re.sub(r"^lib|\.(so|dll|dylib)$", "", p.name) for p in app.rglob("plugins/platforms/*") if p.is_file()}
    if platforms != PLATFORMS:
        raise CheckFailed(f"platform plugins are {sorted(platforms)}, expected {sorted(PLATFORMS)}")
    seen = [f"files: no QtNetwork, build tools or translations; platforms {', '.join(sorted(platforms))}"]
    modules = frozen_modules(app / NAME)
    if modules is None:
        seen.append("frozen modules: not checked (PyInstaller is not importable here)")
    else:
        if RUNTIME_HOOK not in frozen_scripts(app / NAME):
            raise CheckFailed(f"the runtime hook {RUNTIME_HOOK} is not in the executable (see clinref.spec)")
        bad = sorted(m for m in modules if FORBIDDEN_MODULES.match(m))
        if bad:
            raise CheckFailed(f"the frozen app carries modules it must not: {', '.join(bad)}")
        if "db.library" not in modules or "desktop.app" not in modules:
            raise CheckFailed("the frozen app lacks db.library or desktop.app: wrong archive?")
        seen.append(f"frozen modules: {len(modules)}, none of db.compiler, sqlite_utils, markdown, nh3")
    return seen


def frozen_scripts(executable: Path) -> set[str]:
    """Names in the executable's own archive: bootstrap scripts, runtime hooks, the entry point."""
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    return set(CArchiveReader(str(executable)).toc)


def frozen_modules(executable: Path) -> set[str] | None:
    """The Python modules frozen into the executable, or None without PyInstaller to read them."""
    try:
        from PyInstaller.archive.readers import CArchiveReader
    except ImportError:
        return None
    archive = CArchiveReader(str(executable))
    pyz = next(name for name in archive.toc if name.endswith(".pyz"))
    return set(archive.open_embedded_archive(pyz).toc)


# ----------------------------------------------------------------------------- the release signature


def check_signature(dist: Path) -> list[str]:
    """SHA256SUMS.minisig verifies with the public key beside it: with py-minisign and with ``minisign -V``."""
    sums = dist / "SHA256SUMS"
    public = dist / release_signing.PUBLIC_KEY_NAME
    for needed in (sums, sums.with_name("SHA256SUMS.minisig"), public):
        if not needed.is_file():
            raise CheckFailed(f"{needed} is missing; run python packaging/build.py")
    try:
        comment = release_signing.verify_file(public, sums)
    except release_signing.SigningError as exc:
        raise CheckFailed(str(exc)) from exc
    seen = [f"SHA256SUMS.minisig verifies with {public.name} (py-minisign): {comment}"]
    if shutil.which("minisign"):
        checked = subprocess.run(
            ["minisign", "-Vm", str(sums), "-p", str(public)], cwd=dist, text=True, capture_output=True
        )
        if checked.returncode != 0:
            raise CheckFailed(f"minisign -Vm SHA256SUMS -p {public.name}:\n{checked.stdout}{checked.stderr}")
        seen.append(f"minisign -Vm SHA256SUMS -p {public.name}: {checked.stdout.splitlines()[0]}")
    else:
        seen.append("minisign -V: not checked (minisign is not installed; apt-get install minisign)")
    listed = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=dist, text=True, capture_output=True)
    if listed.returncode != 0:
        raise CheckFailed(f"sha256sum -c SHA256SUMS:\n{listed.stdout}{listed.stderr}")
    seen.append(f"sha256sum -c SHA256SUMS: {len(listed.stdout.splitlines())} files as listed")
    if "THROWAWAY" in public.read_text(encoding="utf-8"):
        seen.append("NOTE: signed with a throwaway key made for this build (no --sign-key): not a release")
    return seen


# ----------------------------------------------------------------------------- licences and SBOM

NOTICES_NAME = "THIRD-PARTY-NOTICES.txt"
#: What the notices and the SBOM must name, whatever else the bundle carries.
REQUIRED_COMPONENTS = ("Qt", "CPython", "PySide6", "shiboken6", "pyinstaller")


def check_licences(dist: Path, app: Path) -> list[str]:
    """THIRD-PARTY-NOTICES.txt in the bundle, with ClinRef's own licence, and the CycloneDX SBOM beside it."""
    found = sorted(app.rglob(NOTICES_NAME))
    if not found:
        raise CheckFailed(f"{app} carries no {NOTICES_NAME}")
    notices = found[0].read_text(encoding="utf-8")
    lacking = [c for c in ("LicenseRef-Proprietary", *REQUIRED_COMPONENTS) if c not in notices]
    if lacking or "LICENCE TEXT MISSING" in notices:
        raise CheckFailed(f"{found[0]} lacks {', '.join(lacking) or 'a licence text (LICENCE TEXT MISSING)'}")
    seen = [
        f"{found[0].relative_to(app)}: {len(notices):,} characters; ClinRef's licence, {', '.join(REQUIRED_COMPONENTS)}"
    ]
    sboms = sorted(dist.glob(f"{NAME}-*.cdx.json"))
    if not sboms:
        raise CheckFailed(f"no CycloneDX SBOM ({NAME}-<version>.cdx.json) in {dist}")
    bom = json.loads(sboms[0].read_text(encoding="utf-8"))
    names = {c["name"] for c in bom.get("components", [])}
    lacking = [c for c in REQUIRED_COMPONENTS if not any(n.startswith(c) for n in names)]
    if bom.get("bomFormat") != "CycloneDX" or lacking:
        raise CheckFailed(f"{sboms[0].name} is not a CycloneDX SBOM naming {', '.join(lacking)}")
    seen.append(
        f"{sboms[0].name}: CycloneDX {bom['specVersion']}, {len(names)} components ({', '.join(sorted(names))})"
    )
    return seen


# ------------------------------------------------------------------------ the .deb file: lintian, RUNPATH, libc6


def control_fields(deb: Path) -> dict[str, str]:
    """The .deb's control file, as written (continuation lines kept in their field)."""
    raw = subprocess.run(["dpkg-deb", "-I", str(deb), "control"], text=True, capture_output=True, check=True).stdout
    fields: dict[str, str] = {}
    for match in re.finditer(r"^([A-Za-z-]+):(.*(?:\n[ \t].*)*)", raw, re.MULTILINE):
        fields[match.group(1)] = match.group(2).strip()
    return fields


def check_debian_package(dist: Path, app: Path, scratch: Path) -> list[str]:
    """lintian: no error; no build path in any RUNPATH (bundle and .deb); libc6 floor = highest GLIBC_; copyright."""
    deb = dist / f"{NAME}_{version()}_amd64.deb"
    if not deb.is_file():
        raise CheckFailed(f"{deb} is missing; run python packaging/build.py")
    seen = []
    leaked = linux_elf.build_paths(app)
    if leaked:
        raise CheckFailed(f"RUNPATH entries naming build-machine folders in {app}: {dict(list(leaked.items())[:5])}")
    seen.append(f"{app.name}/: no RUNPATH outside $ORIGIN in any ELF file")
    tree = scratch / "deb"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, capture_output=True)
    leaked = linux_elf.build_paths(tree)
    if leaked:
        raise CheckFailed(f"RUNPATH entries naming build-machine folders in the .deb: {dict(list(leaked.items())[:5])}")
    fields = control_fields(deb)
    if "\n" in fields.get("Depends", "\n"):
        raise CheckFailed(f"Depends is folded over several lines:\n{fields.get('Depends')}")
    floor, needed_by = linux_elf.glibc_floor(tree / INSTALL_DIR.lstrip("/"))
    stated = re.search(r"(?:^|,\s*)libc6 \(>= ([\d.]+)\)", fields["Depends"])
    if not stated or stated.group(1) != floor:
        raise CheckFailed(
            f"Depends says {stated.group(0).strip(', ') if stated else 'no libc6 version'}, but the bundle needs "
            f"GLIBC_{floor} ({needed_by})"
        )
    seen.append(f"Depends on one line; libc6 (>= {floor}) = the highest GLIBC_ the bundle needs ({needed_by})")
    if fields.get("Maintainer", "").endswith(".invalid>"):
        raise CheckFailed(f"Maintainer is a placeholder: {fields['Maintainer']}")
    doc = tree / "usr" / "share" / "doc" / NAME
    copyright_file = doc / "copyright"
    if not copyright_file.is_file() or not copyright_file.read_text(encoding="utf-8").startswith(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    ):
        raise CheckFailed(f"/usr/share/doc/{NAME}/copyright is missing or not in the machine-readable format")
    if not (doc / "changelog.gz").is_file():
        raise CheckFailed(f"/usr/share/doc/{NAME}/changelog.gz is missing")
    seen.append(f"/usr/share/doc/{NAME}/copyright (DEP-5) and changelog.gz; Maintainer: {fields.get('Maintainer')}")
    if not shutil.which("lintian"):
        raise CheckFailed("lintian is not installed (apt-get install lintian)")
    linted = subprocess.run(["lintian", "--no-tag-display-limit", str(deb)], text=True, capture_output=True)
    tags = [line for line in linted.stdout.splitlines() if re.match(r"^[EWIPXO]: ", line)]
    errors = [line for line in tags if line.startswith("E: ")]
    if errors or linted.returncode not in (0, 1) or "error" in linted.stderr.lower():
        raise CheckFailed("lintian reports errors:\n" + "\n".join(errors or [linted.stderr.strip()]))
    warnings = sorted({line.split()[2] for line in tags if line.startswith("W: ")})
    seen.append(f"lintian: no errors; warnings: {', '.join(warnings) or 'none'} (see docs/deploying.md)")
    return seen


# ----------------------------------------------------------------------------- the tarball on a minimal Debian


def check_minimal_debian(dist: Path, suite: str, scratch: Path) -> list[str]:
    """The tarball on a fresh minimal Debian (mmdebstrap minbase) with only the .deb's Depends added: self-test."""
    if os.geteuid() != 0 or not shutil.which("mmdebstrap"):
        raise CheckFailed("--minimal-debian needs root and mmdebstrap (apt-get install mmdebstrap)")
    tarball = dist / f"{NAME}-{version()}-linux-x86_64.tar.xz"
    deb = dist / f"{NAME}_{version()}_amd64.deb"
    if not tarball.is_file() or not deb.is_file():
        raise CheckFailed(f"{tarball.name} and {deb.name} are needed; run python packaging/build.py")
    depends = control_fields(deb)["Depends"]
    packages = sorted({re.split(r"[\s(:]", alt.strip(), maxsplit=1)[0] for alt in re.split(r"[,|]", depends)} - {""})
    root = scratch / "root"
    program = f"/opt/{NAME}-{version()}/{NAME}"
    env = "env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 XDG_RUNTIME_DIR=/tmp"
    command = [
        "mmdebstrap",
        "--variant=minbase",
        "--include=" + ",".join(packages),
        f'--customize-hook=tar -xJf {tarball.resolve()} -C "$1/opt"',
        f'--customize-hook=chroot "$1" {env} {program} --self-test > "$1/self-test.txt" 2>&1',
        # Every library of every bundled ELF file (the xcb plugin too, which --self-test does not load).
        f'--customize-hook=chroot "$1" sh -c \'cd /opt/{NAME}-{version()}/_internal && '
        'find . -type f -name "*.so*" -exec env LD_LIBRARY_PATH=. ldd {} +\' > "$1/ldd.txt" 2>&1 || true',
        suite,
        str(root),
    ]
    started = time.monotonic()
    made = subprocess.run(command, text=True, capture_output=True, timeout=1800)
    report = root / "self-test.txt"
    shown = report.read_text(encoding="utf-8", errors="replace") if report.is_file() else ""
    if made.returncode != 0 or "self-test passed" not in shown:
        raise CheckFailed(f"on a minimal Debian {suite} with the Depends packages only:\n{shown}{made.stderr[-3000:]}")
    linked = (root / "ldd.txt").read_text(encoding="utf-8", errors="replace") if (root / "ldd.txt").is_file() else ""
    missing = sorted({line.split()[0] for line in linked.splitlines() if "not found" in line})
    if not linked or missing:
        raise CheckFailed(f"on a minimal Debian {suite}, bundled files link libraries it lacks: {missing or linked}")
    return [
        f"minimal Debian {suite} (mmdebstrap minbase) + the {len(packages)} Depends packages, tarball in /opt: "
        f"--self-test passed; every bundled library's dependencies resolve (ldd) ({time.monotonic() - started:.0f} s)",
        *[line for line in shown.splitlines() if line.strip()][-2:],
    ]


# ----------------------------------------------------------------------------- the app from the command line


def check_command_line(executable: Path, scratch: Path) -> list[str]:
    """--self-test and --version in a clean environment; CLINREF_DB and --db are honoured."""
    home = scratch / "cli-home"
    home.mkdir()
    result = run_app(executable, ["--self-test"], home)
    if result.returncode != 0 or "self-test passed" not in result.stdout:
        raise CheckFailed(f"--self-test exited {result.returncode}:\n{result.stdout}{result.stderr}")
    report = [line for line in result.stdout.splitlines() if line.strip()]
    if result.stderr.strip():
        raise CheckFailed(f"--self-test passed but wrote to stderr:\n{result.stderr}")
    shown = run_app(executable, ["--version"], home)
    if shown.returncode != 0 or f"ClinRef {version()}" not in shown.stdout:
        raise CheckFailed(f"--version exited {shown.returncode}:\n{shown.stdout}{shown.stderr}")
    bundled = re.search(r"^file\s+(.+)$", shown.stdout, re.MULTILINE)
    if not bundled:
        raise CheckFailed(f"--version does not name its content file:\n{shown.stdout}")
    share = scratch / "share"
    share.mkdir()
    copy = share / "clinref.db"
    shutil.copy2(bundled.group(1), copy)
    shutil.copy2(bundled.group(1) + ".minisig", f"{copy}.minisig")  # content travels with its signature
    for how, args, extra in (
        ("CLINREF_DB", ["--version"], {"CLINREF_DB": str(copy)}),
        ("--db", ["--version", "--db", str(copy)], {}),
    ):
        pointed = run_app(executable, args, home, **extra)
        if not re.search(rf"^origin\s+{re.escape(str(copy))} ", pointed.stdout, re.MULTILINE):  # via a verified copy
            raise CheckFailed(f"with {how} the app did not open {copy}:\n{pointed.stdout}{pointed.stderr}")
    created = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
    if created:
        raise CheckFailed(f"--self-test / --version wrote to the user's profile: {created}")
    deck = scratch / "deck.apkg"  # the Anki export runs frozen too (genanki, PyYAML without its C extension)
    exported = run_app(executable, ["--export-anki", str(deck)], home)
    if exported.returncode != 0 or not deck.is_file() or "Traceback" in exported.stderr:
        raise CheckFailed(f"--export-anki exited {exported.returncode}:\n{exported.stdout}{exported.stderr}")
    with zipfile.ZipFile(deck) as apkg:
        if "collection.anki2" not in apkg.namelist():
            raise CheckFailed(f"--export-anki wrote {deck} without a collection.anki2: {apkg.namelist()}")
    return [
        *report,
        "--version, CLINREF_DB and --db: ok; nothing written to the profile",
        f"--export-anki: {deck.stat().st_size:,} bytes, a valid .apkg",
    ]


# ----------------------------------------------------------------------------- on a real X display


@contextmanager
def xvfb() -> Iterator[str]:
    """A private X display (Xvfb) for the block; yields its DISPLAY value."""
    if not shutil.which("Xvfb"):
        raise CheckFailed("Xvfb is not installed (apt-get install xvfb)")
    ready, announce = os.pipe()  # Xvfb writes its display number here once it accepts clients
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(announce), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(announce,),
    )
    os.close(announce)
    try:
        with os.fdopen(ready) as pipe:
            number = pipe.readline().strip()
        if not number.isdigit():
            raise CheckFailed(f"Xvfb did not start (exit {server.poll()})")
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


def _windows(display: str) -> dict[str, str]:
    """Visible top-level windows whose title mentions ClinRef: window id -> title."""
    env = {"DISPLAY": display, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "ClinRef"], env=env, text=True, capture_output=True
    )
    titles = {}
    for window in found.stdout.split():
        title = subprocess.run(["xdotool", "getwindowname", window], env=env, text=True, capture_output=True)
        titles[window] = title.stdout.strip()
    return titles


def _wait_for(display: str, wanted: re.Pattern[str], app: subprocess.Popen[str], seconds: float) -> tuple[str, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise CheckFailed(
                f"the app exited ({app.returncode}) before a window titled {wanted.pattern!r} appeared:\n"
                + (app.stderr.read() if app.stderr else "")
            )
        for window, title in _windows(display).items():
            if wanted.search(title):
                return window, title
        time.sleep(0.2)
    raise CheckFailed(f"no window titled {wanted.pattern!r} within {seconds:.0f} s; saw {_windows(display)}")


def screenshot(display: str, out: Path) -> Path | None:
    env = {"DISPLAY": display, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    out.parent.mkdir(parents=True, exist_ok=True)
    if shutil.which("import"):
        subprocess.run(["import", "-window", "root", str(out)], env=env, check=True, capture_output=True)
        return out
    if shutil.which("xwd") and shutil.which("convert"):
        dump = subprocess.run(["xwd", "-root", "-silent"], env=env, check=True, capture_output=True).stdout
        subprocess.run(["convert", "xwd:-", str(out)], input=dump, check=True, capture_output=True)
        return out
    return None


def check_x11(executable: Path, scratch: Path, shots: Path | None) -> list[str]:
    """The frozen app on a real X server: disclaimer first, accepted with Alt+A, then the main window."""
    if not shutil.which("xdotool"):
        raise CheckFailed("xdotool is not installed (apt-get install xdotool)")
    home = scratch / "x11-home"
    home.mkdir()
    seen = []
    with xvfb() as display:
        app = subprocess.Popen(
            [str(executable)],
            env=clean_env(home, DISPLAY=display),
            cwd=home,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            started = time.monotonic()
            dialog, title = _wait_for(display, re.compile(r"^ClinRef — "), app, 30)
            seen.append(f"disclaimer window {title!r} after {time.monotonic() - started:.1f} s")
            time.sleep(0.5)  # let it paint before the picture
            if shots and screenshot(display, shots / "x11-1-disclaimer.png"):
                seen.append(f"screenshot {shots / 'x11-1-disclaimer.png'}")
            env = {"DISPLAY": display, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            subprocess.run(["xdotool", "windowfocus", "--sync", dialog], env=env, check=True, capture_output=True)
            subprocess.run(["xdotool", "key", "alt+a"], env=env, check=True, capture_output=True)
            _main, title = _wait_for(display, re.compile(r"(^|— )ClinRef$"), app, 30)
            seen.append(f"main window {title!r} after accepting")
            time.sleep(1.0)
            if shots and screenshot(display, shots / "x11-2-main-window.png"):
                seen.append(f"screenshot {shots / 'x11-2-main-window.png'}")
            settings = home / "config" / "ClinRef" / "settings.ini"
            if not settings.is_file():
                raise CheckFailed(f"accepting the disclaimer wrote no {settings}")
            seen.append(f"acceptance recorded in the throwaway profile ({settings.relative_to(home)})")
        finally:
            app.send_signal(signal.SIGTERM)
            try:
                _out, err = app.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
                _out, err = app.communicate()
    problems = [line for line in err.splitlines() if re.search(r"qt\.qpa|could not|cannot|failed", line, re.I)]
    if problems:
        raise CheckFailed("the app reported on stderr:\n" + "\n".join(problems))
    return seen


# ----------------------------------------------------------------------------- the .deb, installed and removed


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", "-y", "-q", *args], env=env, text=True, capture_output=True)


def _self_test_unprivileged() -> list[str]:
    """The installed app needs no rights at run time: self-test as ``nobody`` with a home of its own."""
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        return ["self-test as an unprivileged user: skipped (no 'nobody' account)"]
    if not shutil.which("runuser"):
        return ["self-test as an unprivileged user: skipped (no runuser)"]
    home = Path(tempfile.mkdtemp(prefix="clinref-nobody-"))
    try:
        env = clean_env(home)
        for path in [home, *home.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        command = ["runuser", "-u", "nobody", "--", "env", "-i", *(f"{k}={v}" for k, v in env.items())]
        ran = subprocess.run(
            [*command, f"/usr/bin/{NAME}", "--self-test"], cwd=home, text=True, capture_output=True, timeout=120
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if ran.returncode != 0:
        raise CheckFailed(f"--self-test as 'nobody' exited {ran.returncode}:\n{ran.stdout}{ran.stderr}")
    return [f"/usr/bin/{NAME} --self-test as 'nobody' (no rights, read-only {INSTALL_DIR}): passed"]


def check_deb(dist: Path, scratch: Path) -> list[str]:
    """Install, verify, run, point at a shared content file, remove; nothing may be left behind."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise CheckFailed("--deb needs root and apt-get")
    deb = dist / f"{NAME}_{version()}_amd64.deb"
    if not deb.is_file():
        raise CheckFailed(f"{deb} is missing; run python packaging/build.py")
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Status}", NAME], text=True, capture_output=True)
    if "installed" in installed.stdout.split():
        raise CheckFailed(f"{NAME} is already installed here; remove it first so the check starts clean")
    result = _apt("install", str(deb.resolve()))
    if result.returncode != 0:
        raise CheckFailed(f"apt-get install {deb.name} failed:\n{result.stdout[-3000:]}{result.stderr}")
    seen = [f"apt-get install ./{deb.name}: ok"]
    machine_config = Path("/etc/clinref/clinref.toml")
    made_config = False
    try:
        verify = subprocess.run(["dpkg", "--verify", NAME], text=True, capture_output=True)
        if verify.returncode != 0 or verify.stdout.strip():
            raise CheckFailed(f"dpkg --verify {NAME}:\n{verify.stdout}{verify.stderr}")
        sums = subprocess.run(
            ["sha256sum", "--quiet", "-c", f"{NAME}.sha256"], cwd=INSTALL_DIR, text=True, capture_output=True
        )
        if sums.returncode != 0:
            raise CheckFailed(f"sha256sum -c {INSTALL_DIR}/{NAME}.sha256:\n{sums.stdout}{sums.stderr}")
        seen.append(f"dpkg --verify and {INSTALL_DIR}/{NAME}.sha256: every file as built")
        if shutil.which("desktop-file-validate"):
            valid = subprocess.run(
                ["desktop-file-validate", "/usr/share/applications/clinref.desktop"], text=True, capture_output=True
            )
            if valid.returncode != 0:
                raise CheckFailed(f"installed .desktop entry: {valid.stdout}{valid.stderr}")
            seen.append("desktop-file-validate /usr/share/applications/clinref.desktop: ok")
        home = scratch / "deb-home"
        home.mkdir()
        ran = run_app(Path("/usr/bin") / NAME, ["--self-test"], home)
        if ran.returncode != 0:
            raise CheckFailed(f"/usr/bin/{NAME} --self-test exited {ran.returncode}:\n{ran.stdout}{ran.stderr}")
        seen.append(f"/usr/bin/{NAME} --self-test: passed")
        seen += _self_test_unprivileged()
        if not machine_config.exists():
            share = scratch / "deb-share"
            share.mkdir()
            shutil.copy2(f"{INSTALL_DIR}/_internal/content/clinref.db", share / "clinref.db")
            shutil.copy2(f"{INSTALL_DIR}/_internal/content/clinref.db.minisig", share / "clinref.db.minisig")
            machine_config.parent.mkdir(parents=True, exist_ok=True)
            machine_config.write_text(f'database = "{share / "clinref.db"}"\n', encoding="utf-8")
            made_config = True
            shown = run_app(Path("/usr/bin") / NAME, ["--version"], home)
            if not re.search(rf"^origin\s+{re.escape(str(share / 'clinref.db'))} ", shown.stdout, re.MULTILINE):
                raise CheckFailed(f"{machine_config} did not point the app at the share:\n{shown.stdout}{shown.stderr}")
            seen.append(f"{machine_config} points every user at another content file: ok")
    finally:
        if made_config:
            machine_config.unlink()
            if not any(machine_config.parent.iterdir()):
                machine_config.parent.rmdir()
        removed = _apt("remove", NAME)
    if removed.returncode != 0:
        raise CheckFailed(f"apt-get remove {NAME} failed:\n{removed.stdout}{removed.stderr}")
    owned = (Path(f"{INSTALL_DIR}"), Path(f"/usr/bin/{NAME}"), Path("/usr/share/applications/clinref.desktop"))
    left = [p for p in owned if p.exists() or p.is_symlink()]
    if left:
        raise CheckFailed(f"apt-get remove left {', '.join(map(str, left))}")
    seen.append(f"apt-get remove {NAME}: {INSTALL_DIR}, /usr/bin/{NAME} and the menu entry are gone")
    return seen


# ----------------------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/check_bundle.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", nargs="?", type=Path, default=ROOT / "dist", help="the build output (default dist/)")
    parser.add_argument("--x11", action="store_true", help="also start it on Xvfb and accept the disclaimer")
    parser.add_argument("--deb", action="store_true", help="also install, run and remove the .deb (root)")
    parser.add_argument("--screenshots", type=Path, help="save the Xvfb screenshots here")
    parser.add_argument(
        "--minimal-debian",
        metavar="SUITE",
        help="also unpack the tarball on a fresh minimal Debian SUITE (e.g. bookworm) with only the Depends (root)",
    )
    args = parser.parse_args(argv)
    app = args.dist.resolve() / NAME
    executable = app / NAME
    if not executable.is_file():
        print(f"{executable} is missing; run python packaging/build.py first", file=sys.stderr)
        return 1
    checks: list[tuple[str, Callable[[Path], list[str]]]] = [("contents", lambda scratch: check_contents(app))]
    checks.append(("command line", lambda scratch: check_command_line(executable, scratch)))
    checks.append(("signature", lambda scratch: check_signature(args.dist.resolve())))
    checks.append(("licences", lambda scratch: check_licences(args.dist.resolve(), app)))
    if sys.platform.startswith("linux") and (args.dist.resolve() / f"{NAME}_{version()}_amd64.deb").is_file():
        checks.append((".deb file", lambda scratch: check_debian_package(args.dist.resolve(), app, scratch)))
    if args.x11:
        checks.append(("X11 (Xvfb)", lambda scratch: check_x11(executable, scratch, args.screenshots)))
    if args.minimal_debian:
        suite = args.minimal_debian
        checks.append(("minimal Debian", lambda scratch: check_minimal_debian(args.dist.resolve(), suite, scratch)))
    if args.deb:
        checks.append((".deb", lambda scratch: check_deb(args.dist.resolve(), scratch)))
    failed = 0
    for title, check in checks:
        with tempfile.TemporaryDirectory(prefix="clinref-check-") as scratch:
            started = time.monotonic()
            try:
                lines = check(Path(scratch))
            except (CheckFailed, subprocess.SubprocessError, OSError) as exc:
                failed += 1
                print(f"FAIL {title}: {exc}", flush=True)
                continue
        print(f"ok   {title} ({time.monotonic() - started:.1f} s)")
        for line in lines:
            print(f"     {line}")
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
