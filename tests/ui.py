"""Finding widgets by their object name, typed, for the desktop tests."""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import QObject

W = TypeVar("W", bound=QObject)


def child(parent: QObject, kind: type[W], name: str = "") -> W:
    """The ``kind`` under ``parent`` named ``name`` (any name if empty); fails the test if there is none."""
    found = parent.findChild(kind, name) if name else parent.findChild(kind)  # "" would match only "" in Qt
    if found is None:
        where = parent.objectName() or type(parent).__name__
        pytest.fail(f"no {kind.__name__} named {name!r} under {where}")
    return found
