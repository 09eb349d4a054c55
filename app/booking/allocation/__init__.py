"""Allocation by draw for oversubscribed holiday periods (issue 11): criteria, the pure algorithm,
the guard that keeps first-come bookings closed during the window, permissions.

A director puts an activity's date range in draw mode (an AllocationPeriod).
During the request window families ask for sessions, ranked by preference;
nothing is decided. At the close, `run_draw` orders the requests by the
priority criteria the director chose (in their order), then by preference
rank (everyone's first choices of a priority class before anyone's second
choices), then by a seeded random draw, and books through the booking engine
(locked sessions, per-age-band capacity, waiting lists). The seed is
published: `replay_draw` recomputes the allocation from the stored snapshot.
The use cases are in allocation/draw.py (the draw) and allocation/requests.py
(periods, requests, transparency).

Extension point: other domains (inclusion) register priority criteria
providers with `register_priority_provider("reception_plan", fn)`, where
`fn(child, site) -> bool`; booking never imports them.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.access import policy, require
from app.accounts.models import User
from app.booking import access
from app.booking.access import Action
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem, PeriodStatus
from app.booking.models import Session, Unit
from app.booking.registry import add_once, booking_registry, remove
from app.errors import NotFound
from app.extensions import db
from app.families.models import Child, Household

# ---------------------------------------------------------------- priority criteria providers (extension point)

ProviderFn = Callable[[object, object], bool]


def register_priority_provider(code: str, fn: ProviderFn) -> None:
    """Let another domain answer a criterion, e.g. "reception_plan": fn(child, site) -> bool."""
    add_once(booking_registry().priority_providers.setdefault(code, []), fn)


def unregister_priority_provider(code: str, fn: ProviderFn) -> None:
    remove(booking_registry().priority_providers.get(code, []), fn)


def provided(code: str, child, site) -> bool:
    """True when a registered provider says so; False when none is registered."""
    return any(fn(child, site) for fn in list(booking_registry().priority_providers.get(code, [])))


# ---------------------------------------------------------------- criteria

@dataclass
class Wish:
    """An item as the criteria see it."""

    item: AllocationRequestItem
    request: AllocationRequest
    household: Household
    child: Child
    session: Session


@dataclass(frozen=True)
class Criterion:
    code: str
    label: object  # lazy string shown in the rules list
    short: object  # lazy string used in a family's reason
    value: Callable[[Wish, AllocationPeriod], float]


def _has_plan(wish: Wish, period: AllocationPeriod) -> float:
    return 1 if provided("reception_plan", wish.child, wish.session.unit.activity.site) else 0


def _resident(wish: Wish, period: AllocationPeriod) -> float:
    return 1 if wish.household.commune_insee is not None else 0


def _guardians_working(wish: Wish, period: AllocationPeriod) -> float:
    members = wish.household.members
    return 1 if members and all(m.works for m in members) else 0


def _siblings(wish: Wish, period: AllocationPeriod) -> float:
    children = {i.child_id for i in wish.request.items if i.session_id == wish.item.session_id}
    return 1 if len(children) >= 2 else 0


def _fewer_last_time(wish: Wish, period: AllocationPeriod) -> float:
    ratio = last_satisfaction(wish.household.id, period)
    return 0 if ratio is None else round(1 - ratio, 3)


CRITERIA: dict[str, Criterion] = {c.code: c for c in (
    Criterion("reception_plan", _l("Enfants accueillis avec un projet d'accueil"),
              _l("projet d'accueil"), _has_plan),
    Criterion("resident", _l("Familles habitant le Grand Cahors"), _l("résident"), _resident),
    Criterion("guardians_working", _l("Parents qui travaillent (les deux, ou le parent seul)"),
              _l("parents qui travaillent"), _guardians_working),
    Criterion("siblings", _l("Frères et sœurs demandés ensemble"), _l("fratrie"), _siblings),
    Criterion("fewer_last_time", _l("Familles moins servies au dernier tirage"),
              _l("moins servie au dernier tirage"), _fewer_last_time),
)}


def last_satisfaction(household_id: int, period: AllocationPeriod) -> float | None:
    """Share of the household's items confirmed at its latest earlier draw (any activity), or None."""
    row = db.session.execute(
        select(AllocationRequest.items_requested, AllocationRequest.items_confirmed)
        .join(AllocationPeriod).where(AllocationRequest.household_id == household_id,
                                      AllocationRequest.period_id != period.id,
                                      AllocationPeriod.status == PeriodStatus.DRAWN,
                                      AllocationRequest.items_requested > 0)
        .order_by(AllocationPeriod.drawn_at.desc(), AllocationPeriod.id.desc()).limit(1)).first()
    if row is None:
        return None
    return row.items_confirmed / row.items_requested


def rules_labels(period: AllocationPeriod) -> list[str]:
    return [str(CRITERIA[code].label) for code in period.rules if code in CRITERIA]


# ---------------------------------------------------------------- the algorithm (pure, replayable)

@dataclass(frozen=True)
class Candidate:
    item_id: int
    request_id: int
    child_id: int
    session_id: int
    band: str
    rank: int
    priority: tuple
    together: bool  # the family asked "siblings together or not at all"


@dataclass(frozen=True)
class Decision:
    item_id: int
    status: str  # "confirmed" or "waitlisted"
    order: int  # processing order, 0 first
    split: bool = False  # waitlisted because siblings could not all be placed together


def draw_numbers(request_ids: Iterable[int], seed: str) -> dict[int, int]:
    """The published draw: shuffle the request ids sorted ascending with random.Random(seed)."""
    ids = sorted(set(request_ids))
    random.Random(seed).shuffle(ids)
    return {request_id: position for position, request_id in enumerate(ids, start=1)}


def allocate(candidates: Iterable[Candidate], places: dict[tuple[int, str], int], seed: str) -> list[Decision]:
    """Decide every candidate: confirmed while places of its session and age band remain, else waitlisted.

    Order: priority (higher first), then preference rank, then draw number.
    Candidates of a "together" request for the same session form one unit,
    placed whole or waitlisted whole. Deterministic for a given seed.
    """
    candidates = list(candidates)
    numbers = draw_numbers((c.request_id for c in candidates), seed)
    units: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in candidates:
        key = (c.request_id, c.session_id) if c.together else (c.request_id, c.session_id, c.child_id)
        units[key].append(c)

    def sort_key(members: list[Candidate]):
        best = max(tuple(m.priority) for m in members)
        return (tuple(-v for v in best), min(m.rank for m in members), numbers[members[0].request_id],
                members[0].session_id, min(m.item_id for m in members))

    remaining = dict(places)
    decisions: list[Decision] = []
    for members in sorted(units.values(), key=sort_key):
        needed = Counter((m.session_id, m.band) for m in members)
        fits = all(remaining.get(key, 0) >= n for key, n in needed.items())
        if fits:
            for key, n in needed.items():
                remaining[key] -= n
        for m in sorted(members, key=lambda m: m.item_id):
            decisions.append(Decision(m.item_id, "confirmed" if fits else "waitlisted", len(decisions),
                                      split=not fits and len(members) > 1 and any(
                                          remaining.get(k, 0) > 0 for k in needed)))
    return decisions


# ---------------------------------------------------------------- nothing decided during the window
# (the rule itself is booking's: engine.check_not_drawn refuses first come, first served meanwhile)

def period_of_session(session: Session) -> AllocationPeriod | None:
    return db.session.scalar(select(AllocationPeriod).where(
        AllocationPeriod.activity_id == session.unit.activity_id, AllocationPeriod.first_day <= session.day,
        AllocationPeriod.last_day >= session.day))


def _local(moment: datetime) -> str:
    from flask_babel import format_datetime

    # Translators: a Babel date pattern; translate only the quoted word.
    return format_datetime(moment, _("d MMMM yyyy 'à' HH:mm"))


# ---------------------------------------------------------------- permissions and lookups

@policy(Action.VIEW_ALLOCATION_RESULTS, hide=False)
def _can_view_results(user: User, period) -> bool:
    """Transparency pages: parents of the territory and staff."""
    return access.sees_allocation_results(user)


def get_period(period_id: int) -> AllocationPeriod:
    period = db.session.get(AllocationPeriod, period_id)
    if period is None:
        raise NotFound()
    return period


def require_manager(user: User | None, period: AllocationPeriod) -> None:
    """`None` is the command line (trusted operator); anyone else must manage the site."""
    if user is not None:
        require(user, Action.MANAGE_SITE, period.activity.site_id)


def period_sessions(period: AllocationPeriod) -> list[Session]:
    return list(db.session.scalars(
        select(Session).join(Unit).where(Unit.activity_id == period.activity_id, Session.day >= period.first_day,
                                         Session.day <= period.last_day)
        .options(selectinload(Session.unit)).order_by(Session.day, Unit.start_time, Session.id)))


def session_label(session: Session) -> str:
    return f"{session.day:%d/%m/%Y} – {session.unit.label}"
