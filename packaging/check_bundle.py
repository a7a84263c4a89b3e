"""Run a built ClinRef the way a workstation would, with the build machine's Python out of the way.

    python packaging/check_bundle.py [DIST] [--x11] [--deb] [--screenshots DIR]

Always (Linux):
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
then ``apt-get remove`` and checks that nothing is left under /opt/clinref.

Exit status 0 when every check passed; each failure is printed with what was expected.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import bundle_rules  # packaging/bundle_rules.py: this script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
NAME = "clinref"
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
    return [*report, "--version, CLINREF_DB and --db: ok; nothing written to the profile"]


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
    return [f"/usr/bin/{NAME} --self-test as 'nobody' (no rights, read-only /opt/{NAME}): passed"]


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
            ["sha256sum", "--quiet", "-c", f"{NAME}.sha256"], cwd=f"/opt/{NAME}", text=True, capture_output=True
        )
        if sums.returncode != 0:
            raise CheckFailed(f"sha256sum -c /opt/{NAME}/{NAME}.sha256:\n{sums.stdout}{sums.stderr}")
        seen.append(f"dpkg --verify and /opt/{NAME}/{NAME}.sha256: every file as built")
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
            shutil.copy2(f"/opt/{NAME}/_internal/content/clinref.db", share / "clinref.db")
            shutil.copy2(f"/opt/{NAME}/_internal/content/clinref.db.minisig", share / "clinref.db.minisig")
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
    owned = (Path(f"/opt/{NAME}"), Path(f"/usr/bin/{NAME}"), Path("/usr/share/applications/clinref.desktop"))
    left = [p for p in owned if p.exists() or p.is_symlink()]
    if left:
        raise CheckFailed(f"apt-get remove left {', '.join(map(str, left))}")
    seen.append(f"apt-get remove {NAME}: /opt/{NAME}, /usr/bin/{NAME} and the menu entry are gone")
    return seen


# ----------------------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/check_bundle.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", nargs="?", type=Path, default=ROOT / "dist", help="the build output (default dist/)")
    parser.add_argument("--x11", action="store_true", help="also start it on Xvfb and accept the disclaimer")
    parser.add_argument("--deb", action="store_true", help="also install, run and remove the .deb (root)")
    parser.add_argument("--screenshots", type=Path, help="save the Xvfb screenshots here")
    args = parser.parse_args(argv)
    app = args.dist.resolve() / NAME
    executable = app / NAME
    if not executable.is_file():
        print(f"{executable} is missing; run python packaging/build.py first", file=sys.stderr)
        return 1
    checks: list[tuple[str, Callable[[Path], list[str]]]] = [("contents", lambda scratch: check_contents(app))]
    checks.append(("command line", lambda scratch: check_command_line(executable, scratch)))
    if args.x11:
        checks.append(("X11 (Xvfb)", lambda scratch: check_x11(executable, scratch, args.screenshots)))
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
