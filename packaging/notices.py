"""Licence notices and a software bill of materials for what the bundle carries.

    python packaging/notices.py dist/clinref          # print the notices for a built bundle

``packaging/build.py`` calls :func:`collect` on the frozen bundle, then writes

- ``THIRD-PARTY-NOTICES.txt`` inside the bundle (next to ``content/``, where ``db.paths.bundle_root()``
  finds it, and Help > About shows it);
- the .deb's ``/usr/share/doc/clinref/copyright`` in machine-readable (DEP-5) format;
- ``dist/clinref-<version>.cdx.json``, a CycloneDX SBOM (cyclonedx-py, then cyclonedx-python-lib).

Every licence text comes from a file that ships with the component or its installer: the Python
packages' own licence files (read by pip-licenses), CPython's ``LICENSE.txt`` from the Python
install that froze the app, Debian's copyright files for libraries taken from Debian packages,
and the GNU licences in ``packaging/licenses/``, verbatim copies of Debian's
``/usr/share/common-licenses`` (a test keeps them identical), for Qt and PySide6, whose wheels
carry no licence file. Nothing is written from memory: a component whose text cannot be found
fails the Linux build, and is marked as missing elsewhere.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LICENSES = ROOT / "packaging" / "licenses"
NOTICES_NAME = "THIRD-PARTY-NOTICES.txt"

#: ClinRef's own licence, as pyproject.toml declares it, said plainly.
CLINREF_LICENSE = "LicenseRef-Proprietary"
CLINREF_TERMS = (
    "ClinRef (its program code, its content database and its documentation) is proprietary software:\n"
    "pyproject.toml declares its licence as LicenseRef-Proprietary. No open-source licence is granted\n"
    "for it. Copying, changing or passing it on is allowed only as your agreement with its supplier\n"
    "says. The third-party components below keep their own licences, which this does not change."
)

#: Python distributions frozen into every bundle besides those found by name: PyInstaller's
#: bootloader (the ``clinref`` executable) and its run-time modules.
ALWAYS_BUNDLED = ("pyinstaller",)


class NoticeError(Exception):
    """A licence text cannot be found; the message names the component and where it was looked for."""


@dataclass
class LicenceText:
    title: str
    text: str
    origin: str  # where the text was read from


@dataclass
class Component:
    """One thing the bundle carries, under one licence."""

    name: str
    version: str
    licence: str  # SPDX expression
    files: list[str]  # patterns relative to the bundle's folder
    copyright: str
    texts: list[LicenceText] = field(default_factory=list)
    note: str = ""
    purl: str = ""
    python_distribution: str = ""  # set for Python packages (named as pip knows them)


# ----------------------------------------------------------------------------- finding texts


def licence_file(name: str) -> LicenceText:
    """A GNU licence from packaging/licenses/ (copied verbatim from Debian's /usr/share/common-licenses)."""
    path = LICENSES / name
    return LicenceText(
        name, path.read_text(encoding="utf-8"), f"a verbatim copy of Debian's /usr/share/common-licenses/{name}"
    )


def debian_copyright(library: Path) -> tuple[str, LicenceText] | None:
    """The Debian package that installed ``library`` and its copyright file, or None off Debian."""
    if not shutil.which("dpkg"):
        return None
    for candidate in (library, library.resolve()):
        found = subprocess.run(["dpkg", "-S", str(candidate)], text=True, capture_output=True)
        if found.returncode == 0:
            package = found.stdout.split(":", 1)[0].strip()
            copyright_file = Path("/usr/share/doc") / package / "copyright"
            if copyright_file.is_file():
                text = copyright_file.read_text(encoding="utf-8")
                return package, LicenceText(f"Debian package {package}", text, str(copyright_file))
    return None


def system_library(name: str) -> Path | None:
    """Where the build machine keeps a library (``ldconfig -p``), to find the package it came from."""
    if not shutil.which("ldconfig") and not Path("/sbin/ldconfig").exists():
        return None
    listed = subprocess.run([shutil.which("ldconfig") or "/sbin/ldconfig", "-p"], text=True, capture_output=True)
    for line in listed.stdout.splitlines():
        match = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if match and match.group(1) == name and "x86-64" in match.group(2):
            return Path(match.group(3))
    return None


def python_licence() -> LicenceText | None:
    """CPython's LICENSE.txt from the Python that froze the app (python.org, pyenv, Windows or macOS installs)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for path in (
        stdlib / "LICENSE.txt",
        Path(sys.base_prefix) / "LICENSE.txt",
        Path(f"/usr/share/doc/python{version}/copyright"),
    ):
        if path.is_file():
            return LicenceText("CPython licence", path.read_text(encoding="utf-8", errors="replace"), str(path))
    return None


# ----------------------------------------------------------------------------- what the bundle carries


def internal_dir(app: Path) -> Path:
    """The folder of the bundle holding ``content/`` (``_internal`` on Linux and Windows)."""
    found = sorted(app.rglob("content/clinref.db"))
    if not found:
        raise NoticeError(f"{app}: no content/clinref.db inside; is this a ClinRef bundle?")
    return found[0].parent.parent


def bundled_distributions(app: Path) -> dict[str, list[str]]:
    """The Python distributions (not ClinRef, not the standard library) the bundle holds -> their folders in it."""
    internal = internal_dir(app)
    owners = importlib.metadata.packages_distributions()
    found: dict[str, list[str]] = {name: [] for name in ALWAYS_BUNDLED}
    for path in sorted(internal.iterdir()):
        for dist in owners.get(path.name.split(".")[0], []):
            if dist != "clinref":
                found.setdefault(dist, []).append(f"{path.name}/*" if path.is_dir() else path.name)
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def pip_licenses(distributions: list[str]) -> list[dict[str, str]]:
    """pip-licenses' record of each distribution: name, version, licence, its licence and notice files."""
    command = [sys.executable, "-m", "piplicenses", "--from=meta", "--format=json", "--with-license-file"]
    command += ["--with-notice-file"]
    command += ["--no-license-path", "--with-urls", "--with-authors", "--packages", *distributions]
    result = subprocess.run(command, text=True, capture_output=True)
    if result.returncode != 0:
        raise NoticeError(
            f"pip-licenses failed ({result.stderr.strip()[-500:]}); install it: pip install -e '.[package]'"
        )
    records: list[dict[str, str]] = json.loads(result.stdout)
    seen = {r["Name"].lower().replace("_", "-") for r in records}
    missing = [d for d in distributions if d.lower().replace("_", "-") not in seen]
    if missing:
        raise NoticeError(f"pip-licenses found no metadata for {', '.join(missing)}")
    return records


def python_components(app: Path) -> list[Component]:
    components = []
    distributions = bundled_distributions(app)
    folders = {name.lower().replace("_", "-"): files for name, files in distributions.items()}
    for record in pip_licenses(list(distributions)):
        name, licence = record["Name"], record["License"]
        texts = []
        for key, title in (("LicenseText", "licence"), ("NoticeText", "notice")):
            if record.get(key, "UNKNOWN") != "UNKNOWN":
                texts.append(LicenceText(f"{name} {title}", record[key], f"{name}'s {title} file, via pip-licenses"))
        note = ""
        if not texts and "LGPL-3.0-only" in licence:
            # The Qt for Python wheels carry no licence file; they are offered under LGPLv3 (among others).
            texts = [licence_file("LGPL-3"), licence_file("GPL-3")]
            note = f"Used under LGPL-3.0-only (one of the choices its metadata offers: {licence})."
            licence = "LGPL-3.0-only"
        if name.lower() == "pyinstaller":
            # Its metadata says it in words ("GPLv2-or-later with a special exception which allows to use
            # PyInstaller to build and distribute non-free programs"); SPDX names that exception.
            licence = "GPL-2.0-or-later WITH Bootloader-exception"
            note = (
                "The 'clinref' executable is PyInstaller's bootloader, which PyInstaller's licence (below) "
                "allows programs of any licence to carry."
            )
        components.append(
            Component(
                name=name,
                version=record["Version"],
                licence=licence,
                files=folders.get(name.lower().replace("_", "-"), []),
                copyright=record.get("Author", "") or f"the {name} authors",
                texts=texts,
                note=note,
                purl=f"pkg:pypi/{name.lower().replace('_', '-')}@{record['Version']}",
                python_distribution=name,
            )
        )
    return components


def native_components(app: Path) -> list[Component]:
    """Qt, ICU, CPython and SQLite, as carried by the bundle (names from its files)."""
    internal = internal_dir(app)
    names = {p.name for p in internal.rglob("*") if p.is_file()}
    components = []
    qt = sorted(n for n in names if re.match(r"^(lib)?Qt6\w+\.(so|dll|dylib)", n) or n.startswith("libQt6"))
    if qt:
        try:
            qt_version = importlib.metadata.version("PySide6-Essentials")
        except importlib.metadata.PackageNotFoundError:
            qt_version = importlib.metadata.version("PySide6")
        components.append(
            Component(
                name="Qt",
                version=qt_version,
                licence="LGPL-3.0-only",
                files=qt,
                copyright="The Qt Company Ltd. and other contributors",
                texts=[licence_file("LGPL-3"), licence_file("GPL-3")],
                note=(
                    "Qt's libraries as shipped in the PySide6 wheel, unmodified, linked dynamically: you may replace "
                    "them with your own build of the same Qt version. Qt's own third-party parts (for example "
                    "HarfBuzz, PCRE2, libpng, md4c) are listed with their licences at "
                    "https://doc.qt.io/qt-6/licenses-used-in-qt.html; the wheel carries no copy of those texts. "
                    "The Qt Project publishes the source code of every Qt release at "
                    "https://download.qt.io/official_releases/qt/ and of PySide6 at "
                    "https://download.qt.io/official_releases/QtForPython/."
                ),
                purl=f"pkg:generic/qt@{qt_version}",
            )
        )
    icu = sorted(n for n in names if n.startswith("libicu"))
    if icu:
        version = re.search(r"\.so\.(\d+)", icu[0])
        icu_version = version.group(1) if version else "unknown"
        texts: list[LicenceText] = []
        note = f"ICU {icu_version} as shipped in the PySide6 wheel, which carries no licence file for it."
        # The wheel's ICU is not Debian's, but Debian's ICU package records the ICU licence: use its text.
        for doc in sorted(Path("/usr/share/doc").glob("libicu[0-9]*/copyright"))[-1:]:
            texts = [LicenceText(f"ICU licence (Debian {doc.parent.name})", doc.read_text(encoding="utf-8"), str(doc))]
            note += (
                f" The text below is the ICU licence as Debian records it for its {doc.parent.name} package. ICU's "
                "own LICENSE file, with the licences of its data files, is in ICU's source releases "
                "(https://github.com/unicode-org/icu, icu4c/LICENSE)."
            )
        components.append(
            Component(
                name="ICU",
                version=icu_version,
                licence="Unicode-DFS-2016",
                files=icu,
                copyright="Unicode, Inc. and others",
                texts=texts,
                note=note,
                purl=f"pkg:generic/icu@{icu_version}",
            )
        )
    python = sorted(n for n in names if re.match(r"^(lib)?python3[\d.]*\.(so|dll|dylib)", n) or n == "Python")
    licence = python_licence()
    components.append(
        Component(
            name="CPython",
            version=platform.python_version(),
            licence="PSF-2.0",
            files=[*python, "base_library.zip", f"python{sys.version_info.major}.{sys.version_info.minor}/*"],
            copyright="Python Software Foundation and others (see the licence text)",
            texts=[licence] if licence else [],
            note="The Python interpreter and the parts of its standard library the app uses.",
            purl=f"pkg:generic/cpython@{platform.python_version()}",
        )
    )
    sqlite = sorted(n for n in names if re.match(r"^(lib)?sqlite3\.(so|dll|dylib)", n))
    if sqlite:
        source = system_library("libsqlite3.so.0") if sys.platform.startswith("linux") else None
        found = debian_copyright(source) if source else None
        components.append(
            Component(
                name="SQLite",
                version=sqlite3.sqlite_version,
                licence="blessing",
                files=sqlite,
                copyright="none claimed: SQLite is in the public domain",
                texts=[found[1]] if found else [],
                note=f"From the Debian package {found[0]}." if found else "",
                purl=f"pkg:generic/sqlite@{sqlite3.sqlite_version}",
            )
        )
    return components


def executables(app: Path) -> list[str]:
    """The bundle's own executables (PyInstaller's bootloader, one per entry point), relative to ``app``."""
    return sorted(p.name for p in app.iterdir() if p.is_file() and (p.suffix == ".exe" or p.name == "clinref"))


def collect(app: Path) -> list[Component]:
    """Every third-party component of the bundle with its licence texts; on Linux, fails if a text is missing."""
    components = native_components(app) + python_components(app)
    prefix = internal_dir(app).relative_to(app).as_posix()
    for component in components:  # paths relative to the bundle folder, as installed
        component.files = [f"{prefix}/{f}" if prefix != "." else f for f in component.files]
        if component.name.lower() == "pyinstaller":
            component.files = executables(app)
    missing = [c.name for c in components if not c.texts]
    if missing and sys.platform.startswith("linux"):
        raise NoticeError(
            f"no licence text found on this machine for {', '.join(missing)}; see packaging/notices.py for where "
            "each is looked for"
        )
    return components


# ----------------------------------------------------------------------------- writing them out


def notices_text(components: list[Component], version: str) -> str:
    rule = "=" * 78
    parts = [
        f"ClinRef {version}: licences\n{rule}\n\n{CLINREF_TERMS}\n\n"
        "This bundle also carries the third-party software listed here, each under its own licence.\n"
        "The same list, machine-readable, is the CycloneDX SBOM published with each release.\n"
    ]
    parts.append("\n".join(f"  - {c.name} {c.version}: {c.licence}" for c in components) + "\n")
    shown: dict[str, str] = {}  # each text once: LGPL-3 covers Qt, PySide6 and shiboken6
    for component in components:
        parts.append(f"\n{rule}\n{component.name} {component.version}\nLicence: {component.licence}\n")
        parts.append(f"Copyright: {component.copyright}\n")
        if component.files:
            parts.append(f"Files in the bundle: {', '.join(component.files)}\n")
        if component.note:
            parts.append("\n" + textwrap.fill(component.note, 78) + "\n")
        if not component.texts:
            parts.append("\nLICENCE TEXT MISSING: not found on the machine that made this build.\n")
        for text in component.texts:
            if text.text in shown:
                parts.append(f"\n--- {text.title}: the same text as under {shown[text.text]} above\n")
                continue
            shown[text.text] = component.name
            parts.append(f"\n--- {text.title} (from {text.origin})\n\n{text.text.rstrip()}\n")
    return "".join(parts)


def write_notices(app: Path, components: list[Component], version: str) -> Path:
    out = internal_dir(app) / NOTICES_NAME
    out.write_text(notices_text(components, version), encoding="utf-8")
    return out


_COMMON_LICENCES = {"LGPL-3.0-only": "LGPL-3", "GPL-3.0-only": "GPL-3", "GPL-2.0-only": "GPL-2"}


#: Full licence texts inside a component's licence file, by the heading PyInstaller's COPYING.txt gives them,
#: and the copy Debian keeps (lintian wants a copyright file to point to those rather than repeat them).
_COMMON_SECTIONS = {"GNU General Public License": "GPL-2", "Apache License 2.0": "Apache-2.0"}


def _point_to_common_licences(text: str) -> str:
    """Replace a full GPL-2 / Apache-2.0 section of a licence file with a pointer to /usr/share/common-licenses."""
    sections = re.split(r"(?m)^(={8,}\n.+\n={8,})$", text)
    out = [sections[0]]
    for heading, body in zip(sections[1::2], sections[2::2], strict=True):
        title = heading.splitlines()[1].strip()
        common = _COMMON_SECTIONS.get(title)
        if common:
            body = f"\n\nOn Debian systems, the complete text is in /usr/share/common-licenses/{common}.\n\n"
        out += [heading, body]
    return "".join(out)


def _dep5_block(text: str) -> str:
    """Text as a DEP-5 continuation: each line indented one space, blank lines as ' .'."""
    return "\n".join(f" {line}" if line.strip() else " ." for line in text.rstrip().splitlines())


def debian_copyright_file(components: list[Component], version: str, install_dir: str) -> str:
    """``/usr/share/doc/clinref/copyright`` in the machine-readable format (DEP-5)."""
    paragraphs = [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: ClinRef\n"
        f"Comment: ClinRef {version}. The full licence texts of every third-party component are also in\n"
        f" /{install_dir}/_internal/{NOTICES_NAME} (Help > About ClinRef > Licences).",
        f"Files: *\nCopyright: the ClinRef authors\nLicense: {CLINREF_LICENSE}\n{_dep5_block(CLINREF_TERMS)}",
    ]
    defined: dict[str, str] = {}
    for component in components:
        key = re.sub(r"[^A-Za-z0-9.+-]+", "-", component.licence).strip("-")
        if key.startswith("LicenseRef"):
            key = f"{component.name}-{key}"
        common = _COMMON_LICENCES.get(component.licence)
        files = " ".join(f"{install_dir}/{f}" for f in component.files)
        if not files:
            raise NoticeError(f"{component.name}: no files in the bundle to name in the copyright file")
        comment = f"\nComment:\n{_dep5_block(component.note)}" if component.note else ""
        paragraphs.append(f"Files: {files}\nCopyright: {component.copyright}\nLicense: {key}{comment}")
        if key in defined:
            continue
        if common is not None:
            defined[key] = (
                f"License: {key}\n On Debian systems, the complete text of the {common.replace('-', ' version ')} "
                f"licence is in\n /usr/share/common-licenses/{common}."
            )
        else:
            texts = [_point_to_common_licences(t.text) for t in component.texts]
            body = "\n .\n".join(_dep5_block(t) for t in texts) or " (text missing)"
            defined[key] = f"License: {key}\n{body}"
    return "\n\n".join(paragraphs + list(defined.values())) + "\n"


# ----------------------------------------------------------------------------- the SBOM


def write_sbom(components: list[Component], out: Path) -> Path:
    """A CycloneDX 1.6 JSON SBOM: cyclonedx-py over the bundle's Python distributions, plus its native parts."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentType
    from cyclonedx.model.license import LicenseExpression
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from packageurl import PackageURL

    with tempfile.TemporaryDirectory(prefix="clinref-sbom-") as scratch:
        # cyclonedx-py reads an environment; give it one holding only the bundle's distributions' metadata.
        environment = Path(scratch) / "site"
        environment.mkdir()
        for component in components:
            if component.python_distribution:
                dist = importlib.metadata.distribution(component.python_distribution)
                info = Path(str(dist._path))  # type: ignore[attr-defined]  # the .dist-info folder
                shutil.copytree(info, environment / info.name)
        python_sbom = Path(scratch) / "python.cdx.json"
        command = [sys.executable, "-m", "cyclonedx_py", "environment", "-S", "--pyproject", ROOT / "pyproject.toml"]
        command += ["--output-reproducible", "--of", "JSON", "-o", python_sbom, sys.executable]
        env = {**os.environ, "PYTHONPATH": str(environment)}
        result = subprocess.run([str(c) for c in command], text=True, capture_output=True, env=env)
        if result.returncode != 0:
            raise NoticeError(f"cyclonedx-py failed: {result.stderr.strip()[-800:]}; pip install -e '.[package]'")
        bom = Bom.from_json(json.loads(python_sbom.read_text(encoding="utf-8")))
    have = {c.name.lower() for c in bom.components}
    wanted = {c.python_distribution.lower() for c in components if c.python_distribution}
    if not wanted <= have:
        raise NoticeError(f"cyclonedx-py did not list {', '.join(sorted(wanted - have))}")
    root = bom.metadata.component
    for component in components:
        if component.python_distribution:
            continue
        purl = PackageURL.from_string(component.purl) if component.purl else None
        native = CdxComponent(
            name=component.name,
            version=component.version,
            type=ComponentType.LIBRARY,
            bom_ref=f"{component.name}=={component.version}",
            licenses=[LicenseExpression(component.licence)],
            purl=purl,
            description=component.note or None,
        )
        bom.components.add(native)
        if root is not None:
            bom.register_dependency(root, [native])
    text = JsonV1Dot6(bom).output_as_string(indent=1)
    invalid = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if invalid is not None:
        raise NoticeError(f"the SBOM does not validate against CycloneDX 1.6: {invalid}")
    out.write_text(text + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/notices.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("app", type=Path, help="a built bundle folder, e.g. dist/clinref")
    parser.add_argument("--version", default="(checkout)")
    args = parser.parse_args(argv)
    try:
        print(notices_text(collect(args.app), args.version))
    except NoticeError as exc:
        print(f"notices: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
