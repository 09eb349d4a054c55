"""Builders for allocation-by-draw tests (committed)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.accounts.models import Role
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem
from app.booking.models import ActivityKind, StaffingRegime
from app.extensions import db
from tests.booking.factories import make_activity, make_session, make_site, make_staff, make_unit
from tests.factories import make_child, make_household, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPENS = NOW - timedelta(days=1)
CLOSES = NOW + timedelta(days=7)
AFTER_CLOSE = CLOSES + timedelta(hours=1)
FIRST_DAY = date(2026, 4, 20)
OVER6_BIRTH = date(2017, 6, 1)
UNDER6_BIRTH = date(2021, 6, 1)


def make_draw_setup(*, days: int = 1, under6: int = 2, over6: int = 2, rules=("resident",), site=None,
                    first_day: date = FIRST_DAY, opens: datetime = OPENS, closes: datetime = CLOSES):
    """(director, period, [sessions]) for an extrascolaire activity in draw mode, window open at NOW."""
    site = site or make_site()
    director = make_staff(site, Role.DIRECTOR)
    activity = make_activity(site, kind=ActivityKind.EXTRASCOLAIRE, regime=StaffingRegime.EXTRASCOLAIRE,
                             name="Vacances de printemps", min_age=3, max_age=11)
    unit = make_unit(activity)
    sessions = [make_session(unit, day=first_day + timedelta(days=n), under6=under6, over6=over6)
                for n in range(days)]
    period = AllocationPeriod(activity_id=activity.id, label="Printemps 2026", first_day=first_day,
                              last_day=first_day + timedelta(days=max(days - 1, 0)), requests_open_at=opens,
                              requests_close_at=closes, rules=list(rules), created_by_id=director.id)
    db.session.add(period)
    db.session.commit()
    return director, period, sessions


def make_family(*, resident: bool = True, births=(OVER6_BIRTH,), works=(False,), names=None):
    """(parent, household, [children])."""
    parent = make_user(Role.PARENT)
    household = make_household(parent, commune_insee="46042" if resident else None)
    household.members[0].works = works[0]
    for extra in works[1:]:
        from app.families.models import HouseholdMember

        household.members.append(HouseholdMember(user=make_user(Role.PARENT, commit=False), works=extra))
    children = [make_child(household, birth_date=b, first_name=(names or ["Léo", "Inès", "Jade", "Hugo"])[i])
                for i, b in enumerate(births)]
    db.session.commit()
    return parent, household, children


def add_request(period, household, children, sessions, *, ranks=None, together: bool = False,
                parent=None) -> AllocationRequest:
    """A request written directly (the service is tested separately)."""
    request = AllocationRequest(period_id=period.id, household_id=household.id, siblings_together=together,
                                submitted_by_id=getattr(parent, "id", None))
    for child in children:
        for n, session in enumerate(sessions):
            rank = (ranks or {}).get(session.id, n + 1)
            request.items.append(AllocationRequestItem(child_id=child.id, session_id=session.id, rank=rank))
    db.session.add(request)
    db.session.commit()
    return request
