"""URL helpers shared by the blueprints."""
from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter


def safe_next_url(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no open redirect)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# ---------------------------------------------------------------- identifiers

# The largest identifier the database stores: INTEGER columns are 32-bit on PostgreSQL, and
# SQLite's driver refuses anything above 2^63 with an OverflowError (a 500) instead of "no row".
MAX_ID = 2**31 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route: a value the database cannot hold names nothing, so the URL
    does not match (404) instead of reaching a query. At most ten digits are even parsed, so a
    path of thousands of digits costs nothing. Registered app-wide in place of Werkzeug's `int`
    (app.create_app), so that no route can forget it."""

    regex = rf"\d{{1,{_MAX_ID_DIGITS}}}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None or max > MAX_ID else max, signed=signed)


def register_converters(app) -> None:
    """Called by create_app() before any blueprint adds its routes."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def parse_id(raw: object) -> int | None:
    """An identifier read from a query string or a form field: a positive integer the database can
    hold, else None (the caller treats it as absent or unknown, never as a server error)."""
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_ID_DIGITS:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def id_arg(name: str) -> int | None:
    """`parse_id` of the request's query parameter `name`."""
    from flask import request

    return parse_id(request.args.get(name))
