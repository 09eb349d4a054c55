"""Absolute links for e-mails, built from PUBLIC_BASE_URL (also outside a request: daily jobs)."""
from __future__ import annotations

from flask import current_app


def public_url(endpoint_or_path: str, **values) -> str:
    """`public_url("notifications.preferences")` or `public_url("/reservations/12")`
    -> "https://pitchoun.example/notifications/preferences".

    An endpoint is built with the application's URL map, so this works in a
    CLI job where `url_for` has no request to lean on.
    """
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if endpoint_or_path.startswith("/"):
        return base + endpoint_or_path
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint_or_path, values, force_external=False)
    return base + path
