"""A package's names imported when first asked for (PEP 562), so importing the package imports nothing else.

Used by :mod:`db` and :mod:`db.library`: ``from db.errors import …`` at start-up must not bring the
whole content layer with it, nor opening the content the search (bench/README.md).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``, whose names are ``where``'s keys, each
    imported from the module its value names the first time it is asked for, and kept from then on."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
