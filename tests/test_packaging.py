"""Packaging: the spec, the build and check scripts, the trim rules, the Linux and Windows installer files.

Fast checks run in the normal suite. The frozen bundle itself is checked by the slow test at the
end, when ``dist/clinref/clinref`` exists (``python packaging/build.py``), and in full (Xvfb,
the .deb installed and removed) by ``python packaging/check_bundle.py dist --x11 --deb``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from pytestqt.qtbot import QtBot

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
elf = _load("linux_elf")
sys.modules.setdefault("linux_elf", elf)
deb = _load("linux_deb")
sys.modules.setdefault("linux_deb", deb)
signing = _load("release_signing")
sys.modules.setdefault("release_signing", signing)
notices = _load("notices")
sys.modules.setdefault("notices", notices)
msi = _load("windows_msi")
sys.modules.setdefault("windows_msi", msi)
build = _load("build")
check_bundle = _load("check_bundle")


# ----------------------------------------------------------------------------- layout and scripts


def test_packaging_folder_cannot_shadow_the_packaging_library() -> None:
    assert not (PACKAGING / "__init__.py").exists()
    import packaging.version  # pip's and PyInstaller's: must still be the library

    assert not Path(packaging.version.__file__).resolve().is_relative_to(PACKAGING)


def test_spec_gives_pyinstaller_the_trim_rules_hook_and_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run the spec as PyInstaller does, with its build steps recorded instead of run."""
    content = tmp_path / "clinref.db"
    content.write_bytes(b"SQLite format 3\x00")
    # Seen by Analysis: two plugins and two data files; the trim rules drop the second of each on Linux.
    xcb = ("PySide6/Qt/plugins/platforms/libqxcb.so", "/qt/libqxcb.so", "BINARY")
    wayland = ("PySide6/Qt/plugins/platforms/libqwayland.so", "/qt/libqwayland.so", "BINARY")
    disclaimer = ("resources/disclaimer.toml", "/src/disclaimer.toml", "DATA")
    translation = ("PySide6/Qt/translations/qt_de.qm", "/qt/qt_de.qm", "DATA")
    calls: dict[str, list[tuple[tuple[object, ...], dict[str, object]]]] = {}

    def step(name: str) -> type:
        class Step:
            def __init__(self, *args: object, **kwargs: object) -> None:
                calls.setdefault(name, []).append((args, kwargs))
                self.scripts: list[object] = []
                self.pure: list[object] = []
                self.binaries = [xcb, wayland]
                self.datas = [disclaimer, translation]

        return Step

    monkeypatch.setattr(sys, "argv", ["clinref.spec", "--content", str(content)])
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec puts its folder first
    namespace: dict[str, object] = {"SPECPATH": str(PACKAGING), "__name__": "__main__"}
    namespace |= {name: step(name) for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    source = (PACKAGING / "clinref.spec").read_text(encoding="utf-8")
    exec(compile(source, str(PACKAGING / "clinref.spec"), "exec"), namespace)

    [(_, analysis)] = calls["Analysis"]
    assert analysis["excludes"] == list(rules.EXCLUDED_MODULES)
    assert analysis["runtime_hooks"] == [str(PACKAGING / "rthook_child_environment.py")]
    assert (PACKAGING / "rthook_child_environment.py").is_file()
    datas = analysis["datas"]
    assert isinstance(datas, list)
    assert (str(content), "content") in datas and (f"{content}.minisig", "content") in datas
    # COLLECT bundles what the trim rules keep.
    [(collected, options)] = calls["COLLECT"]
    linux = sys.platform.startswith("linux")
    assert collected[-2:] == ([e for e in (xcb, wayland) if rules.keep(e[0], e[1], sys.platform)], [disclaimer])
    assert options["strip"] is linux and options["upx"] is False
    for _, exe in calls["EXE"]:
        assert exe["strip"] is linux and exe["upx"] is False


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
    assert {"libc6", "libstdc++6", "libxcb-cursor0", "libcups2", "libfontconfig1", "libglib2.0-0"} <= depends
    assert not depends & {"libqt6network6", "libssl3", "python3"}  # the bundle carries its own Qt and Python
    assert deb.depends_names("a (>= 1), b | c:any, d") == {"a", "b", "c", "d"}
    control = deb.control_text(template, "1.2.3", "IT Team <it@hospital.example>", "2.35", 1000)
    assert re.search(r"^Depends: libc6 \(>= 2\.35\), [^\n]+libcups2\n", control, re.MULTILINE)  # one line
    assert "Maintainer: IT Team <it@hospital.example>\n" in control and "@" not in control.replace("@hosp", "")
    with pytest.raises(deb.DebianError, match="placeholder"):
        deb.control_text(template + "X-Extra: @OOPS@\n", "1.2.3", "IT <it@x.example>", "2.35", 1)


def test_maintainer_comes_from_the_build_or_git_never_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLINREF_MAINTAINER", raising=False)
    assert deb.maintainer("Ward IT <ward-it@hospital.example>") == "Ward IT <ward-it@hospital.example>"
    monkeypatch.setenv("CLINREF_MAINTAINER", "Env IT <env@hospital.example>")
    assert deb.maintainer(None) == "Env IT <env@hospital.example>"
    for bad in ("nobody", "IT <it>", "<it@x.org>"):
        with pytest.raises(deb.DebianError, match="Name <address@domain>"):
            deb.maintainer(bad)
    monkeypatch.delenv("CLINREF_MAINTAINER")
    found = deb.maintainer(None)
    assert deb.MAINTAINER_FORMAT.match(found) and not found.endswith(".invalid>")
    assert not deb.DEFAULT_MAINTAINER.endswith(".invalid>") and deb.MAINTAINER_FORMAT.match(deb.DEFAULT_MAINTAINER)


def test_changelog_is_debian_format_and_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    first = deb.write_changelog(tmp_path / "a.gz", "1.2.3", "IT Team <it@hospital.example>")
    second = deb.write_changelog(tmp_path / "b.gz", "1.2.3", "IT Team <it@hospital.example>")
    assert first.read_bytes() == second.read_bytes()
    text = gzip.decompress(first.read_bytes()).decode()
    assert text.startswith("clinref (1.2.3) stable; urgency=medium\n\n  * ")
    assert text.endswith(" -- IT Team <it@hospital.example>  Mon, 01 Dec 2025 00:00:00 +0000\n")
    if shutil.which("dpkg-parsechangelog"):
        parsed = subprocess.run(
            ["dpkg-parsechangelog", "-l", "-", "-S", "Version"], input=text, capture_output=True, text=True
        )
        assert parsed.stdout.strip() == "1.2.3", parsed.stderr


def test_build_paths_are_removed_from_runpath_and_glibc_floor_is_read(tmp_path: Path) -> None:
    if not (shutil.which("patchelf") and shutil.which("objdump")):
        pytest.skip("patchelf and objdump are needed (apt-get install patchelf binutils)")
    library = Path("/lib/x86_64-linux-gnu/libz.so.1").resolve()
    if not library.is_file():
        pytest.skip("no libz.so.1 to work on")
    both = tmp_path / "lib" / "both.so"
    only_build = tmp_path / "lib" / "only-build.so"
    both.parent.mkdir()
    for copy, rpath in ((both, "/root/.pyenv/versions/3.11.7/lib:$ORIGIN/../lib"), (only_build, "/home/ci/py/lib")):
        shutil.copy(library, copy)
        subprocess.run(["patchelf", "--set-rpath", rpath, str(copy)], check=True)
    assert elf.build_paths(tmp_path) == {
        "lib/both.so": ["/root/.pyenv/versions/3.11.7/lib"],
        "lib/only-build.so": ["/home/ci/py/lib"],
    }
    assert elf.clean_runpaths(tmp_path) == ["lib/both.so", "lib/only-build.so"]
    assert elf.build_paths(tmp_path) == {}
    assert elf.runpath(both) == ["$ORIGIN/../lib"] and elf.runpath(only_build) == []
    floor, needed_by = elf.glibc_floor(tmp_path)
    symbols = subprocess.run(["objdump", "-T", str(library)], capture_output=True, text=True, check=True).stdout
    highest = max(tuple(map(int, v.split("."))) for v in re.findall(r"\*UND\*.*GLIBC_([\d.]+)", symbols))
    assert floor == ".".join(map(str, highest)) and needed_by.startswith("lib/")
    both.chmod(0o755)
    assert elf.make_libraries_not_executable(tmp_path) >= 1 and both.stat().st_mode & 0o111 == 0


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


#: ClinRef's MSI UpgradeCode: the same in every version, or upgrades would install side by side.
UPGRADE_CODE = "{21FEABD7-21CD-454B-AD8F-6B0EC0084BA2}"


@pytest.fixture(scope="module")
def built_msi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MSI built by wixl from packaging/windows/clinref.wxs around a stand-in payload."""
    if not (shutil.which("wixl") and shutil.which("wixl-heat") and shutil.which("msiinfo")):
        pytest.skip("wixl and msiinfo are not installed (apt-get install wixl msitools)")
    work = tmp_path_factory.mktemp("msi")
    payload = work / "clinref"
    for name, data in (
        ("clinref.exe", b"MZ stand-in"),
        ("clinref-cli.exe", b"MZ stand-in"),
        ("clinref.sha256", b"sums"),
        ("_internal/content/clinref.db", b"SQLite format 3\x00"),
        ("_internal/THIRD-PARTY-NOTICES.txt", b"notices"),
    ):
        (payload / name).parent.mkdir(parents=True, exist_ok=True)
        (payload / name).write_bytes(data)
    built: Path = msi.build_with_wixl(payload, "0.1.0", work / "clinref.msi", work / "wixl")
    return built


def test_msi_installs_per_machine_with_a_stable_upgrade_code(built_msi: Path) -> None:
    properties = {row[0]: row[1] for row in msi.table(built_msi, "Property")}
    assert properties["ALLUSERS"] == "1"
    assert properties["UpgradeCode"] == UPGRADE_CODE
    assert properties["ProductVersion"] == "0.1.0" and properties["ProductName"] == "ClinRef"
    upgrades = msi.table(built_msi, "Upgrade")
    assert {row[0] for row in upgrades} == {UPGRADE_CODE}
    assert {row[-1] for row in upgrades} == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    sequence = {row[0]: int(row[-1]) for row in msi.table(built_msi, "InstallExecuteSequence")}
    assert sequence["InstallValidate"] < sequence["RemoveExistingProducts"] < sequence["InstallInitialize"]
    summary = subprocess.run(["msiinfo", "suminfo", str(built_msi)], capture_output=True, text=True, check=True)
    assert "Template: x64;1033" in summary.stdout


def test_msi_files_go_to_program_files_and_a_shortcut_to_the_start_menu(built_msi: Path) -> None:
    directories = {row[0]: row for row in msi.table(built_msi, "Directory")}
    assert directories["INSTALLDIR"][1] == "ProgramFiles64Folder" and directories["INSTALLDIR"][2] == "ClinRef"
    files = {row[2].split("|")[-1] for row in msi.table(built_msi, "File")}
    assert {"clinref.exe", "clinref-cli.exe", "clinref.db", "THIRD-PARTY-NOTICES.txt"} <= files
    (shortcut,) = msi.table(built_msi, "Shortcut")
    assert shortcut[1] == "ProgramMenuFolder" and shortcut[2] == "ClinRef"
    assert shortcut[4] == "[INSTALLDIR]clinref.exe"
    components = {row[0]: row for row in msi.table(built_msi, "Component")}
    assert all(int(row[3]) & 256 for row in components.values()), "every component is 64-bit"


MSI_PROPERTIES = (("ContentPath", "CONTENTPATH"), ("ContentSource", "CONTENTSOURCE"), ("TrustedKeys", "TRUSTEDKEYS"))


def test_msi_properties_become_machine_registry_values_and_are_remembered(built_msi: Path) -> None:
    registry = {row[3]: row for row in msi.table(built_msi, "Registry")}
    for name, prop in (
        ("ContentPath", "CONTENTPATH"),
        ("ContentSource", "CONTENTSOURCE"),
        ("TrustedKeys", "TRUSTEDKEYS"),
    ):
        row = registry[name]
        assert row[1] == "2" and row[2] == "Software\\ClinRef", row  # HKLM
        assert row[4] == f"[{prop}]", row  # REG_SZ: no #, #% or [~] prefix
    assert all(row[1] == "2" for row in registry.values()), "nothing under HKCU"
    searches = {row[0]: row[1] for row in msi.table(built_msi, "AppSearch")}
    locators = {row[0]: row for row in msi.table(built_msi, "RegLocator")}
    for name, prop in (
        ("ContentPath", "CONTENTPATH"),
        ("ContentSource", "CONTENTSOURCE"),
        ("TrustedKeys", "TRUSTEDKEYS"),
    ):
        locator = locators[searches[prop]]
        assert locator[1:4] == ["2", "Software\\ClinRef", name], locator
        assert int(locator[4]) & 16, "the 64-bit registry view"


def test_msi_source_declares_the_public_properties_secure() -> None:
    ns = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
    product = ET.parse(msi.WXS).getroot().find("w:Product", ns)
    assert product is not None and "{" + product.get("UpgradeCode", "") + "}" == UPGRADE_CODE
    package = product.find("w:Package", ns)
    assert package is not None and package.get("InstallScope") == "perMachine" and package.get("Platform") == "x64"
    assert product.find("w:MajorUpgrade", ns) is not None
    secure = {p.get("Id") for p in product.findall("w:Property", ns) if p.get("Secure") == "yes"}
    assert secure == {"CONTENTPATH", "CONTENTSOURCE", "TRUSTEDKEYS"}
    assert msi.msi_version("1.2.3") == "1.2.3"
    with pytest.raises(msi.MsiError):
        msi.msi_version("1.2.3.4")
    with pytest.raises(msi.MsiError):
        msi.msi_version("256.0.0")


# ----------------------------------------------------------------------------- Group Policy templates

POLICY = PACKAGING / "windows" / "policy"
GP = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"
#: The values the app's settings adapter reads from HKLM\Software\Policies\ClinRef, with their registry types.
POLICY_VALUES = {
    "ContentPath": "REG_SZ",
    "ContentSource": "REG_SZ",
    "TrustedKeys": "REG_MULTI_SZ",
    "AllowDowngrade": "REG_DWORD",
}


def _policy_value(policy: ET.Element) -> tuple[str, str]:
    """The (value name, registry type) one ADMX policy writes."""
    if policy.get("valueName"):
        values = {v.get("value") for v in policy.iter(f"{GP}decimal")}
        assert values == {"0", "1"}, f"{policy.get('name')}: enabled 1 / disabled 0 expected, got {values}"
        return policy.get("valueName", ""), "REG_DWORD"
    (elements,) = policy.findall(f"{GP}elements")
    (element,) = list(elements)
    kinds = {"text": "REG_SZ", "multiText": "REG_MULTI_SZ", "decimal": "REG_DWORD"}
    return element.get("valueName", ""), kinds[element.tag.removeprefix(GP)]


def test_admx_policies_each_write_one_named_machine_value() -> None:
    admx = ET.parse(POLICY / "clinref.admx").getroot()
    policies = admx.findall(f"{GP}policies/{GP}policy")
    assert policies
    written = {}
    for policy in policies:
        assert policy.get("class") == "Machine", policy.get("name")
        assert policy.get("key") == "Software\\Policies\\ClinRef", policy.get("name")
        name, kind = _policy_value(policy)
        assert name in POLICY_VALUES, f"{policy.get('name')} writes {name!r}, which ClinRef does not read"
        written[name] = kind
    assert written == POLICY_VALUES


def test_adml_defines_every_string_and_presentation_the_admx_uses() -> None:
    admx_text = (POLICY / "clinref.admx").read_text(encoding="utf-8")
    adml = ET.parse(POLICY / "en-US" / "clinref.adml").getroot()
    strings = {s.get("id") for s in adml.iter(f"{GP}string")}
    presentations = {p.get("id"): p for p in adml.iter(f"{GP}presentation")}
    assert set(re.findall(r"\$\(string\.(\w+)\)", admx_text)) <= strings
    assert set(re.findall(r"\$\(presentation\.(\w+)\)", admx_text)) <= set(presentations)
    admx = ET.parse(POLICY / "clinref.admx").getroot()
    for policy in admx.findall(f"{GP}policies/{GP}policy"):
        ids = {e.get("id") for e in policy.iter() if e.get("id")}
        shown = presentations.get(policy.get("name", ""))
        if ids:
            assert shown is not None, policy.get("name")
            assert {e.get("refId") for e in shown} == ids, policy.get("name")
    for name in POLICY_VALUES:  # each explanation names the registry value it sets
        help_text = next(s.text or "" for s in adml.iter(f"{GP}string") if s.get("id") == f"{name}_Help")
        assert f"Registry value: {name} ({POLICY_VALUES[name]})" in help_text


def test_ci_workflow_builds_on_all_three_platforms_with_everything_pinned() -> None:
    text = (ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    runners = re.findall(r"runs-on: (\S+)", text)
    assert sorted(runners) == ["macos-14", "ubuntu-22.04", "windows-2022"]  # images by version, never -latest
    uses = re.findall(r"uses: (\S+)", text)
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert re.search(r'PYTHON_VERSION: "3\.\d+\.\d+"', text)
    assert text.count("-c packaging/constraints.txt") == 3 and text.count("run: python packaging/build.py") == 3
    assert "choco install wixtoolset --version=" in text and "choco install innosetup --version=" in text
    assert "--self-test" in text and "/VERYSILENT" in text and "check_bundle.py dist --x11 --deb" in text
    assert 'msiexec.exe -ArgumentList "/i' in text and "/qn" in text and 'msiexec.exe -ArgumentList "/x' in text


def test_constraints_pin_every_build_input_exactly() -> None:
    lines = [line for line in (PACKAGING / "constraints.txt").read_text(encoding="utf-8").splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", pin) for pin in pins), pins
    named = {pin.split("==")[0].lower().replace("_", "-") for pin in pins}
    assert {"pyinstaller", "pyside6-essentials", "shiboken6", "pip-licenses", "cyclonedx-bom", "py-minisign"} <= named
    assert "clinref" not in named


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


# ----------------------------------------------------------------------------- release signatures


def _sums(folder: Path) -> Path:
    sums = folder / "SHA256SUMS"
    sums.write_text(f"{'0' * 64}  clinref_0.1.0_amd64.deb\n", encoding="utf-8")
    return sums


def test_without_a_key_a_throwaway_pair_signs_what_minisign_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(signing.KEY_ENV, raising=False)
    key = signing.choose_key(None, tmp_path / "keys")
    assert key.throwaway and key.path.parent == tmp_path / "keys" and key.path.stat().st_mode & 0o077 == 0
    public = tmp_path / signing.PUBLIC_KEY_NAME
    public.write_bytes(signing.public_key_text(key.path, "THROWAWAY test key"))
    sums = _sums(tmp_path)
    signing.sign_file(key.path, sums, "ClinRef test SHA256SUMS")
    assert signing.verify_file(public, sums) == "ClinRef test SHA256SUMS"
    if shutil.which("minisign") is None:
        pytest.skip("minisign is not installed (apt-get install minisign)")
    checked = subprocess.run(["minisign", "-Vm", str(sums), "-p", str(public)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ClinRef test SHA256SUMS" in checked.stdout
    sums.write_text(sums.read_text(encoding="utf-8").replace("0", "1", 1), encoding="utf-8")  # one digit changed
    assert subprocess.run(["minisign", "-Vm", str(sums), "-p", str(public)], capture_output=True).returncode != 0
    with pytest.raises(signing.SigningError, match="does not verify"):
        signing.verify_file(public, sums)


def test_a_key_minisign_made_signs_and_a_wrong_password_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("minisign") is None:
        pytest.skip("minisign is not installed (apt-get install minisign)")
    secret, public = tmp_path / "release.key", tmp_path / "release.pub"
    made = subprocess.run(
        ["minisign", "-G", "-s", str(secret), "-p", str(public)], input="pw\npw\n", capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    # Each use of the password costs a 1 GiB scrypt (seconds): once wrong, once to sign.
    monkeypatch.setenv(signing.KEY_ENV, str(secret))
    monkeypatch.setenv(signing.PASSWORD_ENV, "wrong")
    with pytest.raises(signing.SigningError, match=signing.PASSWORD_ENV):
        signing.choose_key(None, tmp_path / "keys")
    monkeypatch.setenv(signing.PASSWORD_ENV, "pw")
    sums = _sums(tmp_path)
    signing.sign_file(secret, sums, "ClinRef test")
    checked = subprocess.run(["minisign", "-Vm", str(sums), "-p", str(public)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The key named by the environment is the build's (an unencrypted one here: no scrypt).
    plain = signing.make_throwaway_key(tmp_path / "plain")
    monkeypatch.setenv(signing.KEY_ENV, str(plain))
    assert signing.choose_key(None, tmp_path / "keys") == signing.ReleaseKey(plain.resolve(), throwaway=False)
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello\n", encoding="utf-8")
    with pytest.raises(signing.SigningError, match="not a minisign secret key"):
        signing.choose_key(not_a_key, tmp_path / "keys")
    with pytest.raises(signing.SigningError, match="no such release key"):
        signing.choose_key(tmp_path / "missing.key", tmp_path / "keys")


def test_build_chooses_one_key_per_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(signing.KEY_ENV, raising=False)
    monkeypatch.setattr(build, "KEYS", tmp_path / "keys")
    build.choose_release_key.cache_clear()
    try:
        first = build.release_key_path()
        assert build.release_key_path() == first and first.is_file()
    finally:
        build.choose_release_key.cache_clear()


# ----------------------------------------------------------------------------- licences


def test_gnu_licence_texts_are_debians_verbatim() -> None:
    for name in ("LGPL-3", "GPL-3"):
        ours = (PACKAGING / "licenses" / name).read_bytes()
        assert b"GNU" in ours and len(ours) > 7000
        system = Path("/usr/share/common-licenses") / name
        if system.is_file():
            assert ours == system.read_bytes(), f"packaging/licenses/{name} differs from {system}"


def test_copyright_file_is_dep5_and_points_to_common_licences() -> None:
    pyinstaller_copying = "=" * 32 + "\nGNU General Public License\n" + "=" * 32 + "\n\n" + "GPL text " * 50
    components = [
        notices.Component(
            "Qt",
            "6.9.0",
            "LGPL-3.0-only",
            ["_internal/libQt6Core.so.6"],
            "The Qt Company",
            [notices.licence_file("LGPL-3")],
        ),
        notices.Component(
            "pyinstaller",
            "6.0",
            "GPL-2.0-or-later WITH Bootloader-exception",
            ["clinref"],
            "PyInstaller team",
            [notices.LicenceText("COPYING", "Bootloader exception.\n\n" + pyinstaller_copying, "COPYING.txt")],
        ),
    ]
    text = notices.debian_copyright_file(components, "1.2.3", "usr/lib/clinref")
    paragraphs = text.strip().split("\n\n")
    assert paragraphs[0].startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
    assert "License: LicenseRef-Proprietary\n ClinRef" in text and "proprietary" in text
    assert "Files: usr/lib/clinref/_internal/libQt6Core.so.6\n" in text and "Files: usr/lib/clinref/clinref\n" in text
    used = set(re.findall(r"^License: (\S+)$", text, re.MULTILINE))
    for licence in used:  # every licence named has a standalone paragraph holding its text or a pointer
        assert re.search(rf"^License: {re.escape(licence)}\n ", text, re.MULTILINE), licence
    assert "/usr/share/common-licenses/LGPL-3" in text and "GPL text" not in text
    assert "/usr/share/common-licenses/GPL-2" in text and "Bootloader exception." in text
    assert all(line == "" or line[0] != "\t" for line in text.splitlines())


def test_notices_show_each_text_once_and_name_a_missing_one() -> None:
    lgpl = notices.licence_file("LGPL-3")
    components = [
        notices.Component("Qt", "6.9.0", "LGPL-3.0-only", [], "The Qt Company", [lgpl]),
        notices.Component("shiboken6", "6.9.0", "LGPL-3.0-only", [], "Qt for Python", [lgpl]),
        notices.Component("SQLite", "3.40", "blessing", [], "public domain", []),
    ]
    text = notices.notices_text(components, "1.2.3")
    assert text.startswith("ClinRef 1.2.3: licences") and "proprietary" in text
    assert text.count("GNU LESSER GENERAL PUBLIC LICENSE") == 1
    assert "the same text as under Qt above" in text
    assert "SQLite 3.40\nLicence: blessing" in text and "LICENCE TEXT MISSING" in text


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_help_about_shows_the_notices_the_bundle_carries(
    qtbot: QtBot, built_db: Path, profile: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox, QPlainTextEdit, QPushButton, QWidget

    import db.paths
    from tests.desktop_helpers import running, window

    shipped = tmp_path / notices.NOTICES_NAME
    with running(qtbot, built_db) as startup:
        main = window(startup)

        def open_licences() -> QWidget:
            main.act_about.trigger()
            about = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "aboutDialog" and w.isVisible())
            assert isinstance(about, QMessageBox) and "proprietary" in about.text()
            button = about.findChild(QPushButton, "aboutLicences")
            assert button is not None
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            found: list[QWidget] = []

            def shown() -> bool:
                found[:] = [w for w in QApplication.topLevelWidgets() if w.objectName() == "licencesDialog"]
                return any(w.isVisible() for w in found)

            qtbot.waitUntil(shown)
            dialog = next(w for w in found if w.isVisible())
            qtbot.addWidget(dialog)
            return dialog

        monkeypatch.setattr(db.paths, "bundle_root", lambda: tmp_path)
        missing = open_licences()
        assert isinstance(missing, QMessageBox) and str(shipped) in missing.text()
        missing.close()
        shipped.write_text("ClinRef 9: licences\nQt 6.9.0\nLicence: LGPL-3.0-only\n", encoding="utf-8")
        dialog = open_licences()
        view = dialog.findChild(QPlainTextEdit)
        assert view is not None and view.isReadOnly() and "Licence: LGPL-3.0-only" in view.toPlainText()
        dialog.close()
