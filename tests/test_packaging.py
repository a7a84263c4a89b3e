"""Packaging: the spec, the build and check scripts, the trim rules, the Linux and Windows installer files.

Fast checks run in the normal suite. The frozen bundle itself is checked by the slow test at the
end, when ``dist/clinref/clinref`` exists (``python packaging/build.py``), and in full (Xvfb,
the .deb installed and removed) by ``python packaging/check_bundle.py dist --x11 --deb``.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _load(name: str) -> ModuleType:
    """A script from packaging/ (not a package, on purpose), imported by path."""
    spec = importlib.util.spec_from_file_location(f"clinref_packaging_{name}", PACKAGING / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rules = _load("bundle_rules")
sys.modules.setdefault("bundle_rules", rules)  # what build.py and check_bundle.py import
deb = _load("linux_deb")
sys.modules.setdefault("linux_deb", deb)
build = _load("build")
check_bundle = _load("check_bundle")


# ----------------------------------------------------------------------------- layout and scripts


def test_packaging_folder_cannot_shadow_the_packaging_library() -> None:
    assert not (PACKAGING / "__init__.py").exists()
    import packaging.version  # pip's and PyInstaller's: must still be the library

    assert not Path(packaging.version.__file__).resolve().is_relative_to(PACKAGING)


def test_spec_parses_and_applies_the_trim_rules() -> None:
    source = (PACKAGING / "clinref.spec").read_text(encoding="utf-8")
    compile(ast.parse(source), "clinref.spec", "exec")
    assert "excludes=list(bundle_rules.EXCLUDED_MODULES)" in source
    assert "bundle_rules.keep(entry[0], entry[1], sys.platform)" in source
    assert '"strip": IS_LINUX, "upx": False' in source
    hooks = re.findall(r'runtime_hooks=\[str\(Path\(SPECPATH\) / "([\w.]+)"\)\]', source)
    assert hooks == ["rthook_child_environment.py"] and (PACKAGING / hooks[0]).is_file()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"LD_LIBRARY_PATH": "/opt/clinref/_internal", "HOME": "/h"}, {"HOME": "/h"}),
        (
            {"LD_LIBRARY_PATH": "/opt/clinref/_internal:/site/lib", "LD_LIBRARY_PATH_ORIG": "/site/lib"},
            {"LD_LIBRARY_PATH": "/site/lib"},
        ),
        ({"LD_LIBRARY_PATH": "/opt/clinref/_internal", "LD_LIBRARY_PATH_ORIG": ""}, {"LD_LIBRARY_PATH": ""}),
    ],
)
def test_programs_the_app_starts_get_the_users_library_path(before: dict[str, str], after: dict[str, str]) -> None:
    hook = _load("rthook_child_environment")
    environ = dict(before)
    hook.restore_library_path(environ)
    assert environ == after


def test_build_script_knows_the_version_and_its_outputs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert build.project_version() == project["version"]
    assert "pyinstaller" in " ".join(project["optional-dependencies"]["package"]).lower()
    assert build.SPEC.is_file() and (deb.LINUX / "control.in").is_file()


# ----------------------------------------------------------------------------- trim rules


@pytest.mark.parametrize(
    ("destination", "source", "platform", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqminimal.so", "", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", "", "linux", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "", "linux", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "", "linux", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", "", "linux", False),
        ("PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", "", "linux", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", "", "linux", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", "", "linux", False),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", "", "linux", True),
        ("PySide6\\plugins\\platforms\\qwindows.dll", "", "win32", True),
        ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", "", "win32", True),
        ("PySide6/Qt/lib/libQt6Network.so.6", "", "linux", False),
        ("PySide6\\Qt6Network.dll", "", "win32", False),
        ("PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork", "", "darwin", False),
        ("PySide6/Qt/lib/libQt6Core.so.6", "", "linux", True),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "", "linux", True),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", "", "linux", False),
        ("PySide6/QtCore.abi3.so", "", "linux", True),
        ("PySide6/Qt/translations/qtbase_de.qm", "", "linux", False),
        ("PySide6\\opengl32sw.dll", "", "win32", False),
        ("libxcb-cursor.so.0", "/usr/lib/x86_64-linux-gnu/libxcb-cursor.so.0", "linux", False),
        ("libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "linux", False),
        ("libsqlite3.so.0", "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0", "linux", True),
        ("libpython3.11.so.1.0", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", "linux", True),
        (
            "python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so",
            "/usr/local/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so",
            "linux",
            True,
        ),
        ("libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", "darwin", True),
    ],
)
def test_trim_rules(destination: str, source: str, platform: str, kept: bool) -> None:
    assert rules.keep(destination, source, platform) is kept


def test_every_qt_module_the_app_imports_survives_the_trim() -> None:
    """Adding ``from PySide6.QtSvg import ...`` to desktop/ must fail here, not on a workstation."""
    imported = set()
    for path in sorted((ROOT / "desktop").rglob("*.py")):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert imported, "desktop/ imports no Qt module?"
    for module in sorted(imported):
        assert f"PySide6.{module}" not in rules.EXCLUDED_MODULES, module
        assert module.removeprefix("Qt") in rules.QT_LIBRARIES, module
    assert "PySide6.QtNetwork" in rules.EXCLUDED_MODULES


def test_build_tools_are_excluded_from_the_bundle() -> None:
    for module in ("db.compiler", "sqlite_utils", "markdown", "nh3"):
        assert module in rules.EXCLUDED_MODULES
    assert check_bundle.FORBIDDEN_MODULES.match("db.compiler.build")
    assert not check_bundle.FORBIDDEN_MODULES.match("db.library")
    for leak in ("PySide6/Qt/lib/libQt6Network.so.6", "PySide6/Qt/plugins/tls/libqopensslbackend.so", "libssl.so.3"):
        assert rules.FORBIDDEN_FILES.search(leak), leak
    assert not rules.FORBIDDEN_FILES.search("PySide6/Qt/plugins/platforms/libqxcb.so")


# ----------------------------------------------------------------------------- Linux: .desktop, icons, control


def test_desktop_entry_validates() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    result = subprocess.run([validator, str(PACKAGING / "linux" / "clinref.desktop")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_icons_render_from_the_svg(qapp: object, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    build.render_icons(ROOT / "resources" / "icons" / "clinref.svg", tmp_path)
    for size in build.ICON_SIZES:
        image = QImage(str(tmp_path / f"clinref-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # drawn, not a blank square


def test_control_template() -> None:
    template = (PACKAGING / "linux" / "control.in").read_text(encoding="utf-8")
    for field in ("Package", "Version", "Architecture", "Maintainer", "Installed-Size", "Depends", "Description"):
        assert deb.control_field(template, field), field
    assert deb.control_field(template, "Version") == "@VERSION@"
    depends = deb.depends_names(deb.control_field(template, "Depends"))
    assert {"libc6", "libstdc++6", "libxcb-cursor0", "libcups2", "libfontconfig1"} <= depends
    assert not depends & {"libqt6network6", "libssl3", "python3"}  # the bundle carries its own Qt and Python
    assert deb.depends_names("a (>= 1), b | c:any, d") == {"a", "b", "c", "d"}


def test_machine_settings_example_is_what_the_app_reads(tmp_path: Path) -> None:
    from db.machine_config import read_machine_config

    example = PACKAGING / "linux" / "clinref.toml.example"
    found = read_machine_config(config_path=example, environ={}, platform="linux").database_path()
    assert found is not None and found[0] == Path("/srv/clinref/clinref.db")
    # Notepad and PowerShell 5 write a byte-order mark; the app must still read the file.
    with_bom = tmp_path / "clinref.toml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + b"database = '\\\\server\\share\\clinref.db'\n")
    config = read_machine_config(config_path=with_bom, environ={}, platform="win32", registry=lambda key: None)
    found = config.database_path()
    assert found is not None and str(found[0]) == "\\\\server\\share\\clinref.db"


# ----------------------------------------------------------------------------- Windows installer, CI workflow


def _iss() -> str:
    return (PACKAGING / "windows" / "clinref.iss").read_text(encoding="utf-8")


def _iss_setting(name: str) -> str | None:
    match = re.search(rf"^{name}=(.*)$", _iss(), re.MULTILINE | re.IGNORECASE)
    return match.group(1).strip() if match else None


def test_inno_setup_installs_per_machine_and_silently() -> None:
    assert _iss_setting("PrivilegesRequired") == "admin"
    assert _iss_setting("PrivilegesRequiredOverridesAllowed") is None  # no per-user install mode
    assert _iss_setting("DefaultDirName") == r"{autopf}\ClinRef"
    assert _iss_setting("RestartIfNeededByRun") == "no"
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", _iss_setting("AppId") or "")  # stable across versions
    assert _iss_setting("ArchitecturesInstallIn64BitMode") == "x64compatible"
    assert "#error" in _iss()  # refuses to build without /DAppVersion
    # /VERYSILENT: nothing may wait for a person or start the app as the installing account.
    assert not re.search(r"^\[Run\]", _iss(), re.MULTILINE)
    assert not re.search(r"MsgBox\(", _iss())


def test_inno_setup_writes_nothing_per_user() -> None:
    code = "\n".join(line for line in _iss().splitlines() if not line.lstrip().startswith(";"))
    per_user = re.findall(r"\{(userappdata|localappdata|userdocs|userdesktop|userprograms|userstartup)\}|HKCU", code)
    assert not per_user


def test_ci_workflow_builds_on_all_three_platforms() -> None:
    text = (ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    for runner in ("ubuntu-", "windows-latest", "macos-latest"):
        assert f"runs-on: {runner}" in text
    assert text.count("run: python packaging/build.py") == 3
    assert "--self-test" in text and "/VERYSILENT" in text and "check_bundle.py dist --x11 --deb" in text


# ----------------------------------------------------------------------------- the built bundle


@pytest.mark.slow
def test_built_bundle(tmp_path: Path) -> None:
    """The frozen app from ``python packaging/build.py``: contents, self-test in a clean environment, X11."""
    app = ROOT / "dist" / "clinref"
    if not (app / "clinref").is_file() or not sys.platform.startswith("linux"):
        pytest.skip("no Linux bundle in dist/; run python packaging/build.py")
    check_bundle.check_contents(app)
    report = check_bundle.check_command_line(app / "clinref", tmp_path)
    assert any("self-test passed" in line for line in report)
    if shutil.which("Xvfb") and shutil.which("xdotool"):
        seen = check_bundle.check_x11(app / "clinref", tmp_path, None)
        assert any(line.startswith("main window") for line in seen)
