"""Importing a domain's optional module (hooks, cli, demo) when the domain provides it."""
from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(module_name: str) -> ModuleType | None:
    """The module, or None when it (or its package) does not exist.

    An ImportError raised *inside* an existing module is not swallowed.
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return None
        raise
