"""The parent's month calendar: what each child may book at one site, at what price, with how many places left.

Whether a session can be booked, and why not, is the booking engine's answer (`engine.check_request`,
the same rules `services.book` applies): nothing here repeats a rule. Sessions, bookings and tariffs
are loaded in a fixed number of queries; the engine reads the child's same-day bookings per slot.
The calendar shows one site at a time, week by week, with shortcuts (every Wednesday of the month,
a whole holiday week) that are plain lists of the slots they tick.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app import clock, months
from app.accounts.models import User
from app.booking import engine
from app.booking.access import household_of
from app.booking.catalogue import pick_price
from app.booking.eligibility import age_refusal
from app.booking.errors import BookingRefused
from app.booking.models import (
    ACTIVE_STATUSES,
    Activity,
    ActivityKind,
    AgeBand,
    Booking,
    BookingStatus,
    Session,
    Tariff,
    Unit,
)
from app.booking.services import status_label
from app.errors import NotFound
from app.extensions import db, utcnow
from app.families.models import Child
from app.sites.models import Site


@dataclass
class Slot:
    session: Session
    state: str  # open, full, booked, not_open, closed, residents_only, cancelled
    label: str
    price: Decimal | None
    remaining: int
    bookable: bool
    booking: Booking | None = None

    @property
    def item(self) -> str:
        """The value of its checkbox (and of the form field `item`): "child_id:session_id"."""
        return f"{self.child_id}:{self.session.id}"

    child_id: int = 0


@dataclass
class Shortcut:
    """Ticks several slots at once ("every Wednesday of March", "the whole holiday week")."""
    label: str
    items: list[str]


@dataclass
class Week:
    monday: date
    days: list[tuple[date, list[Slot]]]


@dataclass
class ChildMonth:
    child: Child
    slots: list[Slot]
    shortcuts: list[Shortcut] = field(default_factory=list)

    @property
    def weeks(self) -> list[Week]:
        """The slots by week (Monday first), then by day; days without a session are left out."""
        by_day: dict[date, list[Slot]] = {}
        for slot in self.slots:
            by_day.setdefault(slot.session.day, []).append(slot)
        weeks: dict[date, Week] = {}
        for day, slots in sorted(by_day.items()):
            monday = day - timedelta(days=day.weekday())
            weeks.setdefault(monday, Week(monday, [])).days.append((day, slots))
        return list(weeks.values())


def month_bounds(month: str | None, today: date | None = None) -> tuple[date, date]:
    """The month asked for; a missing, malformed or out-of-range one gives the current month."""
    return months.month_or(month, today or clock.today())


# The engine's refusals, as the state of a slot (a CSS class and the choice of what to show).
_STATES = {"session_cancelled": "cancelled", "booking_not_open": "not_open", "booking_closed": "closed",
           "residents_first": "residents_only", "allocation_by_draw": "draw", "overlapping_booking": "overlap",
           "already_booked": "booked"}


def _slot(child: Child, household, session: Session, booking: Booking | None, position: int | None,
          tariffs, now: datetime, known: engine.Preloaded | None = None) -> Slot | None:
    activity = session.unit.activity
    if age_refusal(child, activity, session.day) is not None:
        return None  # not for this child's age that day: not shown
    band = AgeBand.for_age(child.age_on(session.day))
    price = pick_price(tariffs, household, session.day)
    remaining = session.remaining(band)
    if booking is not None:
        label = status_label(booking.status.value)
        if booking.status is BookingStatus.WAITLISTED:
            label = _("Liste d'attente, position %(n)s", n=position)
        return Slot(session, "booked", label, booking.price, remaining, False, booking, child_id=child.id)
    try:
        engine.check_request(child, household, session, now, known=known)
    except BookingRefused as refusal:
        return Slot(session, _STATES.get(refusal.code, "refused"), refusal.message, price,
                    0 if session.cancelled else remaining, False, child_id=child.id)
    if remaining <= 0:
        return Slot(session, "full", _("Complet : inscription sur liste d'attente"), price, 0, True,
                    child_id=child.id)
    return Slot(session, "open", _("Ouvert"), price, remaining, True, child_id=child.id)


def _shortcuts(slots: list[Slot], first: date) -> list[Shortcut]:
    """Every Wednesday of the month (per unit), and each whole holiday week (per unit), when there are
    at least two bookable slots to tick."""
    wednesdays: dict[Unit, list[Slot]] = {}
    weeks: dict[tuple[date, Unit], list[Slot]] = {}
    for slot in slots:
        if not slot.bookable:
            continue
        session = slot.session
        if session.unit.activity.kind is ActivityKind.EXTRASCOLAIRE:
            monday = session.day - timedelta(days=session.day.weekday())
            weeks.setdefault((monday, session.unit), []).append(slot)
        elif session.day.weekday() == 2:
            wednesdays.setdefault(session.unit, []).append(slot)
    result = []
    for unit, found in wednesdays.items():
        if len(found) >= 2:
            result.append(Shortcut(_("Tous les mercredis de %(month)s : %(unit)s (%(n)s séances)",
                                     month=format_date(first, "MMMM"), unit=unit.label, n=len(found)),
                                   [slot.item for slot in found]))
    for (monday, unit), found in sorted(weeks.items(), key=lambda entry: entry[0][0]):
        if len(found) >= 2:
            result.append(Shortcut(_("Toute la semaine de vacances du %(day)s : %(unit)s (%(n)s jours)",
                                     day=format_date(monday, "d MMMM"), unit=unit.label, n=len(found)),
                                   [slot.item for slot in found]))
    return result


def sites_with_sessions(first: date, last: date) -> set[int]:
    """The ids of the sites that have sessions between `first` and `last`."""
    return set(db.session.scalars(select(Activity.site_id).join(Unit).join(Session)
                                  .where(Session.day.between(first, last)).distinct()))


def default_site(user: User, first: date, last: date, open_sites: set[int] | None = None) -> int | None:
    """The site the calendar shows first: the one of the household's latest booking if it has sessions
    this month, else the first site (by name) that has sessions this month (`open_sites`: those sites,
    when the caller has them already)."""
    household = household_of(user)
    if open_sites is None:
        open_sites = sites_with_sessions(first, last)
    if household is not None:
        latest = db.session.scalar(
            select(Activity.site_id).select_from(Booking).join(Child).join(Session).join(Unit).join(Activity)
            .where(Child.household_id == household.id).order_by(Booking.id.desc()).limit(1))
        if latest in open_sites:
            return latest
    for site in db.session.scalars(select(Site).order_by(Site.name)):
        if site.id in open_sites:
            return site.id
    return None


def upcoming_month(site_id: int | None, now: datetime | None = None) -> str | None:
    """The month of the next session ("YYYY-MM"), so that the calendar is never empty at the end of a month."""
    from app.booking.catalogue import next_session_day

    upcoming = next_session_day(site_id, (now or utcnow()).date())
    return upcoming.strftime("%Y-%m") if upcoming else None


def month_for_household(user: User, month: str | None, child_id: int | None = None, site_id: int | None = None,
                        now: datetime | None = None) -> tuple[list[ChildMonth], date, date, list[Site]]:
    """Each child's bookable slots for the month. Raises NotFound for a child of another household."""
    now = now or utcnow()
    household = household_of(user)
    if not month:
        month = upcoming_month(site_id, now)
    first, last = month_bounds(month)
    sites = list(db.session.scalars(select(Site).order_by(Site.name)))
    if household is None:
        return [], first, last, sites
    children = list(household.children)
    if child_id is not None:
        children = [c for c in children if c.id == child_id]
        if not children:
            raise NotFound()
    # The sessions with their unit, activity and site in one statement.
    query = (select(Session).join(Session.unit).join(Unit.activity).where(Session.day.between(first, last))
             .options(contains_eager(Session.unit).contains_eager(Unit.activity).joinedload(Activity.site))
             .order_by(Session.day, Activity.site_id, Unit.start_time, Session.id))
    if site_id:
        query = query.where(Activity.site_id == site_id)
    sessions = list(db.session.scalars(query).unique())
    session_ids = [s.id for s in sessions]
    bookings = {}
    positions: dict[int, int] = {}
    if session_ids and children:
        # Only this household's bookings: the other families' (every place of the month at the opening)
        # are counted by the sessions' counters and, for a waiting position, by one query.
        rows = db.session.scalars(select(Booking).where(
            Booking.session_id.in_(session_ids), Booking.status.in_(ACTIVE_STATUSES),
            Booking.child_id.in_({c.id for c in children}))).all()
        positions = engine.waitlist_positions(rows)
        bookings = {(b.child_id, b.session_id): b for b in rows}
    tariffs: dict[int, list[Tariff]] = {}
    unit_ids = {s.unit_id for s in sessions}
    if unit_ids:
        for tariff in db.session.scalars(select(Tariff).where(Tariff.unit_id.in_(unit_ids))):
            tariffs.setdefault(tariff.unit_id, []).append(tariff)
    known = engine.preload([c.id for c in children], sessions)
    result = []
    for child in children:
        slots = []
        for session in sessions:
            booking = bookings.get((child.id, session.id))
            slot = _slot(child, household, session, booking, positions.get(booking.id) if booking else None,
                         tariffs.get(session.unit_id, []), now, known)
            if slot is not None:
                slots.append(slot)
        result.append(ChildMonth(child, slots, _shortcuts(slots, first)))
    return result, first, last, sites
