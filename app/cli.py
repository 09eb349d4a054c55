"""Command-line entry points (`flask --app app ...`).

Each domain may provide a `cli.py` exposing `commands`, a list of click
commands or groups; they are registered here so that `flask --help` shows
all of them.
"""
from __future__ import annotations

from flask import Flask

from app.optional import import_optional

CLI_MODULES = (
    "app.accounts.cli",
    "app.families.cli",
    "app.booking.cli",
    "app.inclusion.cli",
    "app.ram.cli",
    "app.billing.cli",
    "app.notifications.cli",
    "app.occasional.cli",
    "app.demo",
)


def register_cli(app: Flask) -> None:
    for module_name in CLI_MODULES:
        module = import_optional(module_name)
        if module is None:
            continue
        for command in module.commands:
            app.cli.add_command(command)
