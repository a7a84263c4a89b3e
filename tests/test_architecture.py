"""The layering DESIGN.md asks for, checked on every run (import-linter checks the rest in CI)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import desktop

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"\b(SELECT\s+[\w*, .()]+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|VIRTUAL)"
    r"|PRAGMA\s+\w+)\b",
    re.IGNORECASE,
)


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_db_never_imports_qt() -> None:
    for path in _sources("db"):
        assert "PySide6" not in path.read_text(encoding="utf-8"), path


def test_desktop_never_writes_sql() -> None:
    for path in _sources("desktop"):
        text = path.read_text(encoding="utf-8")
        assert "import sqlite3" not in text, path
        assert not SQL.search(text), f"{path}: {SQL.search(text)}"


def test_no_network_modules_in_the_app() -> None:
    forbidden = re.compile(
        r"QtNetwork|QNetworkAccessManager|urllib\.request|import requests|http\.client|"
        r"socket\.create_connection|QWebEngine"
    )
    for folder in ("db", "desktop"):
        for path in _sources(folder):
            assert not forbidden.search(path.read_text(encoding="utf-8")), path


def test_packaging_is_not_a_python_package() -> None:
    assert not (ROOT / "packaging" / "__init__.py").exists()


def test_app_version_matches_the_distribution() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert desktop.__version__ == project["version"]


def test_every_document_is_made_through_the_safe_document() -> None:
    """A plain QTextDocument or QTextBrowser reads any file or URL an img or background names."""
    plain = re.compile(r"\b(QTextDocument|QTextBrowser)\(")
    for path in _sources("desktop"):
        if path.name == "safe_document.py":
            continue
        found = plain.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path}: {found.group() if found else ''} - use desktop.safe_document instead"


def test_item_roles_are_declared_in_one_module_and_never_collide() -> None:
    from desktop import roles

    declared = re.compile(r"UserRole\s*\+")
    for path in _sources("desktop"):
        if path.name != "roles.py":
            assert not declared.search(path.read_text(encoding="utf-8")), f"{path}: declare item roles in roles.py"
    values = [value for name, value in vars(roles).items() if name.endswith("_ROLE")]
    assert len(values) == len(set(values))
