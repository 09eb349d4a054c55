"""Imports every domain's models so that the metadata (Alembic, create_all) is complete."""
from __future__ import annotations

import importlib

MODEL_MODULES = (
    "app.accounts.models",
    "app.families.models",
    "app.notifications.models",
    "app.sites.models",
    "app.booking.models",
    "app.inclusion.models",
    "app.ram.models",
    "app.occasional.models",
    "app.billing.models",
    "app.payments.models",
    "app.rules.models",
    "app.desk.models",
)


def import_all_models() -> None:
    for module_name in MODEL_MODULES:
        importlib.import_module(module_name)  # a missing module fails create_app loudly
