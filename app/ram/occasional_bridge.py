"""The Relais's answer to occasional care's bridge: a request nobody could take becomes a Relais demand.

Neither package imports the other: app/composition.py registers this function
with `app.occasional.relais.register_relais_bridge`. The request is duck-typed
(occasional care's RelaisRequest: requested_by_id, child_id, schedule, atypical_hours, message).
"""
from __future__ import annotations

from datetime import date


def demand_from_occasional_request(request) -> str | None:
    """Record an occasional-care request as a Relais demand (caller's transaction); returns its reference."""
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
