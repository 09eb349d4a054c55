"""Wiring between domains that must not import each other.

Occasional care turns a request nobody could take into a Relais demand, but
neither package imports the other: the application, which knows both, plugs
the Relais's demand builder into occasional care's bridge here.
"""
from __future__ import annotations

from datetime import date

from flask import Flask


def init_app(app: Flask) -> None:
    from app.occasional.relais import register_relais_bridge

    register_relais_bridge(occasional_request_to_relais_demand)


def occasional_request_to_relais_demand(request) -> str | None:
    """Record an occasional-care request as a Relais demand; returns its reference."""
    from app.accounts.models import User
    from app.extensions import db
    from app.families.models import Child
    from app.ram.demands import demand_from_dated_ranges

    user = db.session.get(User, request.requested_by_id)
    child = db.session.get(Child, request.child_id)
    ranges = [(date.fromisoformat(row["day"]), row["start"], row["end"]) for row in request.schedule]
    demand = demand_from_dated_ranges(user, child, ranges, atypical_hours=request.atypical_hours,
                                      notes=request.message)
    return f"demande-relais-{demand.id}" if demand else None
