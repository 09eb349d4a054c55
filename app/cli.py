"""Command-line entry points (`flask --app app ...`).

Each domain may provide a `cli.py` exposing `commands`, a list of click
commands or groups; they are registered here so that `flask --help` shows
all of them.
"""
from __future__ import annotations

import importlib

from flask import Flask

CLI_MODULES = (
    "app.accounts.cli",
    "app.booking.cli",
    "app.inclusion.cli",
    "app.ram.cli",
    "app.billing.cli",
    "app.notifications.cli",
    "app.demo",
)


def register_cli(app: Flask) -> None:
    for module_name in CLI_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        for command in module.commands:
            app.cli.add_command(command)
