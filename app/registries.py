"""Typed registries on `app.extensions`: where one application keeps what the domains plug in.

A domain that offers an extension point declares it as a dataclass (booking's
`BookingRegistry`, billing's `BillingRegistry`, ...). The composition root
(app/composition.py) installs one instance of each on the application and fills
it; the domain reads it through the current application with `current(Kind)`.
Nothing is kept in module globals, so two applications never share a plug-in,
and an application the composition root did not build has none.
"""
from __future__ import annotations

from typing import TypeVar

from flask import Flask, current_app

T = TypeVar("T")


def _key(kind: type) -> str:
    return f"pitchoun:{kind.__module__}.{kind.__qualname__}"


def install(app: Flask, *registries: object) -> None:
    """Put each registry on `app.extensions` (one instance per kind)."""
    for registry in registries:
        key = _key(type(registry))
        if key in app.extensions:
            raise RuntimeError(f"{type(registry).__qualname__} is already installed on this application")
        app.extensions[key] = registry


def installed(app: Flask, kind: type[T]) -> T:
    try:
        return app.extensions[_key(kind)]
    except KeyError:
        raise LookupError(f"{kind.__qualname__} is not installed on this application "
                          "(app/composition.py installs every registry)") from None


def current(kind: type[T]) -> T:
    """The registry of `kind` of the current application."""
    return installed(current_app._get_current_object(), kind)  # type: ignore[attr-defined]
