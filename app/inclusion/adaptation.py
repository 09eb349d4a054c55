"""Adaptation periods: "un temps d'adaptation pour tous" shapes a child's first days, never refuses one.

A site may have a template of steps (an hour with a parent, a morning without
lunch, ...); a site without a template has no adaptation. The child's steps
are the template, or the director's version of it for that child (a period,
made the first time the director changes anything). The steps fall on the
child's first booked days at the site: the days on which a booking there held
a place (confirmed or held for preparation), in order, past days included; a
cancelled day is no step and the next booked day takes it. The booking stands
as booked; the step only says when to arrive, when to be collected, whether a
parent stays and whether the child has lunch.

A returning child has no steps. Decision: "returning" is read from the
bookings themselves. A child who already held a place at the site had their
first days there, so their steps are behind them and no new booking carries
one. We did not key it on attendance marks or on today's date: a step, once it
has fallen on a day, stays on that day (the register and the statement of
that month must not change because an animator marked a presence or because
time passed). A child known from before Pitchoun's bookings is marked by the
director ("pas de période d'adaptation", with the reason).

The director can move a step to another booked day, change its times (longer
or shorter), take the parent or the meal in or out, or skip it; every change
is stored on the child's step with who made it and when, and written to the
inclusion audit trail.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, rules
from app.accounts.access import require
from app.accounts.models import User
from app.booking.models import PLACE_STATUSES, Activity, Booking, Session, Unit
from app.errors import NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.inclusion.access import Action, audit, booked_site_ids, is_guardian
from app.inclusion.models import AdaptationPeriod, AdaptationStep, AdaptationTemplateStep, StepStatus
from app.sites.models import Site
from app.transactions import use_case

# (label, arrival, pick-up, with a parent, with lunch); None: the booked unit's start or end.
DEFAULT_TEMPLATE = (
    ("Une heure avec un parent", time(9, 30), time(10, 30), True, False),
    ("Une matinée sans repas", None, time(11, 45), False, False),
    ("Une matinée avec repas", None, time(13, 30), False, True),
    ("Une journée entière", None, None, False, True),
)

BILLING = rules.define(
    "inclusion.adaptation_billing", kind=str, default="planned_hours",
    label="Facturation des jours d'adaptation : « planned_hours » (heures prévues de l'étape) ou « free » (non facturés)",
    source="Délibération du conseil communautaire (règlement de fonctionnement des accueils de loisirs)")
BILL_PLANNED_HOURS = "planned_hours"
BILL_FREE = "free"
MAX_STEPS = 12


# ---------------------------------------------------------------- reading

@dataclass
class StepView:
    """One step of a child at a site, with the booked day it falls on (None while not booked)."""

    position: int
    count: int
    label: str
    arrival: time | None  # as set (None: the unit's start)
    pickup: time | None  # as set (None: the unit's end)
    with_parent: bool
    with_meal: bool
    skipped: bool = False
    pinned_day: date | None = None  # the day the director moved the step to
    status: str = "planned"
    note: str = ""
    id: int | None = None
    updated_at: datetime | None = None
    updated_by: str = ""
    # Filled by the schedule:
    number: int = 0  # rank among the steps not skipped (position is the stored order)
    day: date | None = None
    booking_ids: list[int] = field(default_factory=list)
    starts: time | None = None  # actual arrival that day
    ends: time | None = None  # actual pick-up that day
    meal_that_day: bool = False

    @property
    def planned_hours(self) -> Decimal | None:
        if self.starts is None or self.ends is None:
            return None
        minutes = (self.ends.hour * 60 + self.ends.minute) - (self.starts.hour * 60 + self.starts.minute)
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"))

    def title(self) -> str:
        return _("Adaptation, étape %(n)s sur %(count)s : %(label)s", n=self.number, count=self.count,
                 label=self.label)


@dataclass
class _Day:
    day: date
    bookings: list[tuple[int, time, time, bool]]  # (booking id, unit start, unit end, unit with meal)

    @property
    def start(self) -> time:
        return min(b[1] for b in self.bookings)

    @property
    def end(self) -> time:
        return max(b[2] for b in self.bookings)

    @property
    def with_meal(self) -> bool:
        return any(b[3] for b in self.bookings)


def site_template(site_id: int) -> list[AdaptationTemplateStep]:
    return list(db.session.scalars(select(AdaptationTemplateStep).where(AdaptationTemplateStep.site_id == site_id)
                                   .order_by(AdaptationTemplateStep.position)))


def template_for_director(user: User, site_id: int) -> list[AdaptationTemplateStep]:
    """The site's template, for one of its directors. Raises NotFound."""
    require(user, Action.DIRECT_SITE, site_id)
    return site_template(site_id)


def site_of(site_id: int) -> Site | None:
    return db.session.get(Site, site_id)


def _period(child_id: int, site_id: int) -> AdaptationPeriod | None:
    return db.session.scalar(select(AdaptationPeriod).where(AdaptationPeriod.child_id == child_id,
                                                            AdaptationPeriod.site_id == site_id))


def _views(period: AdaptationPeriod | None, template: list[AdaptationTemplateStep]) -> list[StepView]:
    if period is not None:
        if period.skipped:
            return []
        count = sum(1 for s in period.steps if not s.skipped)
        return [StepView(s.position, count, s.label, s.arrival, s.pickup, s.with_parent, s.with_meal, s.skipped,
                         s.day, s.status.value, s.note, s.id, s.updated_at,
                         s.updated_by.display_name if s.updated_by is not None else "")
                for s in period.steps]
    return [StepView(t.position, len(template), t.label, t.arrival, t.pickup, t.with_parent, t.with_meal)
            for t in template]


def _clamp(value: time | None, low: time, high: time, default: time) -> time:
    if value is None:
        return default
    return min(max(value, low), high)


def _place(steps: list[StepView], days: list[_Day]) -> list[StepView]:
    """Put the steps on the booked days: moved steps on their day, the others on the next free days in order."""
    by_day = {d.day: d for d in days}
    pinned = {s.pinned_day for s in steps if not s.skipped and s.pinned_day is not None}
    free = [d for d in days if d.day not in pinned]
    number = 0
    for step in steps:
        if step.skipped:
            continue
        number += 1
        step.number = number
        booked = None
        if step.pinned_day is not None:
            step.day = step.pinned_day
            booked = by_day.get(step.pinned_day)
        elif free:
            booked = free.pop(0)
            step.day = booked.day
        if booked is None:
            continue
        step.booking_ids = [b[0] for b in booked.bookings]
        start, end = booked.start, booked.end
        step.starts = _clamp(step.arrival, start, end, start)
        step.ends = _clamp(step.pickup, start, end, end)
        if step.ends <= step.starts:  # the step's hours lie outside that day's unit: the whole unit
            step.starts, step.ends = start, end
        step.meal_that_day = step.with_meal and booked.with_meal
    return steps


def _booked_days(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[_Day]]:
    """The days each (child, site) held a place, with that day's bookings, in order."""
    if not pairs:
        return {}
    child_ids = {c for c, _s in pairs}
    site_ids = {s for _c, s in pairs}
    rows = db.session.execute(
        select(Booking.id, Booking.child_id, Activity.site_id, Session.day, Unit.start_time, Unit.end_time,
               Unit.with_meal)
        .join(Session, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
        .join(Activity, Unit.activity_id == Activity.id)
        .where(Booking.child_id.in_(child_ids), Activity.site_id.in_(site_ids), Booking.status.in_(PLACE_STATUSES))
        .order_by(Session.day, Unit.start_time, Booking.id))
    result: dict[tuple[int, int], list[_Day]] = defaultdict(list)
    for booking_id, child_id, site_id, day, start, end, meal in rows:
        if (child_id, site_id) not in pairs:
            continue
        days = result[child_id, site_id]
        if not days or days[-1].day != day:
            days.append(_Day(day, []))
        days[-1].bookings.append((booking_id, start, end, meal))
    return result


def _schedules(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[StepView]]:
    """The placed steps of several (child, site) pairs in a fixed number of queries."""
    if not pairs:
        return {}
    site_ids = {s for _c, s in pairs}
    templates: dict[int, list[AdaptationTemplateStep]] = defaultdict(list)
    for t in db.session.scalars(select(AdaptationTemplateStep).where(AdaptationTemplateStep.site_id.in_(site_ids))
                                .order_by(AdaptationTemplateStep.position)):
        templates[t.site_id].append(t)
    periods = {(p.child_id, p.site_id): p for p in db.session.scalars(
        select(AdaptationPeriod).where(AdaptationPeriod.child_id.in_({c for c, _s in pairs}),
                                       AdaptationPeriod.site_id.in_(site_ids))
        .options(selectinload(AdaptationPeriod.steps).selectinload(AdaptationStep.updated_by)))}
    days = _booked_days(pairs)
    return {pair: _place(_views(periods.get(pair), templates[pair[1]]), days.get(pair, [])) for pair in pairs}


def schedule(child_id: int, site_id: int) -> list[StepView]:
    """The child's steps at the site, each with the booked day it falls on, its times, parent and meal.

    Empty when the site has no template or the director skipped the period.
    Skipped steps are included (skipped=True, no day).
    """
    return _schedules({(child_id, site_id)})[child_id, site_id]


def booked_days(child_id: int, site_id: int) -> list[date]:
    """The days the child holds (or held) a place at the site, in order."""
    return [d.day for d in _booked_days({(child_id, site_id)}).get((child_id, site_id), [])]


def steps_of_bookings(booking_ids, pairs: dict[int, tuple[int, int]] | None = None) -> dict[int, StepView]:
    """The adaptation step each of these bookings falls on (bookings on no step are absent).

    `pairs` ({booking id: (child id, site id)} of every booking, when the caller knows them) saves
    reading them: a booking without a place is on no step either way (the booked days are the days
    with a place)."""
    ids = list(booking_ids)
    if not ids:
        return {}
    if pairs is not None and all(b in pairs for b in ids):
        wanted_pairs = {pairs[b] for b in ids}
    else:
        wanted_pairs = {(child_id, site_id) for _b, child_id, site_id in db.session.execute(
            select(Booking.id, Booking.child_id, Activity.site_id).join(Session, Booking.session_id == Session.id)
            .join(Unit, Session.unit_id == Unit.id).join(Activity, Unit.activity_id == Activity.id)
            .where(Booking.id.in_(ids), Booking.status.in_(PLACE_STATUSES)))}
    schedules = _schedules(wanted_pairs)
    result = {}
    for steps in schedules.values():
        for step in steps:
            if step.skipped or step.starts is None:
                continue
            for booking_id in step.booking_ids:
                result[booking_id] = step
    wanted = set(ids)
    return {b: s for b, s in result.items() if b in wanted}


def day_plans(booking_ids: list[int], pairs: dict[int, tuple[int, int]] | None = None) -> dict:
    """Booking's day-plan hook: the step's hours, parent and meal for the bookings that fall on a step
    (`pairs`: the bookings' (child id, site id) when booking knows them, see steps_of_bookings)."""
    from app.booking.day_plans import DayPlan

    return {booking_id: DayPlan(step.title(), step.starts, step.ends, step.with_parent, step.meal_that_day)
            for booking_id, step in steps_of_bookings(booking_ids, pairs).items()}


# ---------------------------------------------------------------- billing

def statement_lines(first: date, last: date, household_id: int | None, billing_rules) -> list:
    """Billing's statement source: a credit on each booking that falls on a step, under the rule in force
    on the step's day ("inclusion.adaptation_billing"): "free" credits what the booking line charges;
    "planned_hours" credits the part of it beyond the step's planned hours (nothing when the step lasts
    the whole unit). Reference "adaptation:<booking id>"; the booking's own line is left as it is."""
    from app.billing.models import LineKind
    from app.billing.registry import money
    from app.billing.sources import booking_statement_lines

    query = (select(Booking.id).join(Session, Booking.session_id == Session.id).join(Child)
             .where(Session.day.between(first, last), Booking.status.in_(PLACE_STATUSES)))
    if household_id is not None:
        query = query.where(Child.household_id == household_id)
    steps = steps_of_bookings(db.session.scalars(query).all())
    if not steps:
        return []
    drafts = []
    charged = {d.reference: d for d in booking_statement_lines(first, last, household_id, billing_rules)}
    for booking_id, step in sorted(steps.items()):
        line = charged.get(f"booking:{booking_id}")
        if line is None or not line.amount:
            continue
        booking = db.session.get(Booking, booking_id)
        unit = booking.session.unit
        unit_minutes = Decimal(str(round(unit.hours * 60)))
        rule = BILLING.value(on=step.day)
        if rule == BILL_FREE:
            credit = line.amount
            detail = _("Jour d'adaptation (%(label)s) : non facturé", label=step.label)
        else:
            planned = step.planned_hours or Decimal(0)
            share = min(Decimal(1), planned * 60 / unit_minutes) if unit_minutes else Decimal(1)
            credit = money(line.amount * (1 - share))
            hours = f"{planned.normalize():f}".replace(".", ",")
            detail = _("Jour d'adaptation (%(label)s) : facturé pour %(h)s h prévues", label=step.label, h=hours)
        if not credit:
            continue
        drafts.append(type(line)(
            household_id=line.household_id, source="adaptation", reference=f"adaptation:{booking_id}",
            kind=LineKind.OTHER.value, day=line.day, child_name=line.child_name, label=line.label, detail=detail,
            unit_price=None, share=None, amount=-money(credit)))
    return drafts


# ---------------------------------------------------------------- the director's changes

def _parse_time(value, n: int, what: str) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip().replace("h", ":"))
    except ValueError:
        raise ValidationFailed(_("Étape %(n)s : heure %(what)s non valide (format 09:30).", n=n, what=what),
                               field="steps") from None


def _parse_steps(steps) -> list[tuple[str, time | None, time | None, bool, bool]]:
    parsed = []
    for i, step in enumerate(steps, start=1):
        label = (step.get("label") or "").strip()[:150]
        if not label:
            continue
        arrival = _parse_time(step.get("arrival"), i, _("d'arrivée"))
        pickup = _parse_time(step.get("pickup"), i, _("de départ"))
        if arrival and pickup and pickup <= arrival:
            raise ValidationFailed(_("Étape %(n)s : l'heure de départ doit suivre l'heure d'arrivée.", n=i),
                                   field="steps")
        parsed.append((label, arrival, pickup, bool(step.get("with_parent")), bool(step.get("with_meal"))))
    if len(parsed) > MAX_STEPS:
        raise ValidationFailed(_("Une période d'adaptation compte au plus 12 étapes."), field="steps")
    return parsed


@use_case
def set_site_template(user: User, site_id: int, steps) -> list[AdaptationTemplateStep]:
    """The director sets the site's template (replaces it; an empty list: no adaptation at the site).

    Raises NotFound, ValidationFailed.
    """
    require(user, Action.DIRECT_SITE, site_id)
    parsed = _parse_steps(steps)
    for old in site_template(site_id):
        db.session.delete(old)
    db.session.flush()
    for position, (label, arrival, pickup, parent, meal) in enumerate(parsed, start=1):
        db.session.add(AdaptationTemplateStep(site_id=site_id, position=position, label=label, arrival=arrival,
                                              pickup=pickup, with_parent=parent, with_meal=meal))
    return site_template(site_id)


def _child_at_site(user: User, child_id: int, site_id: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require(user, Action.MANAGE_AT_SITE, (child, site_id))
    return child


def _ensure_period(child_id: int, site_id: int) -> AdaptationPeriod:
    period = _period(child_id, site_id)
    if period is None:
        period = AdaptationPeriod(child_id=child_id, site_id=site_id)
        for t in site_template(site_id):
            period.steps.append(AdaptationStep(position=t.position, label=t.label, arrival=t.arrival,
                                               pickup=t.pickup, with_parent=t.with_parent, with_meal=t.with_meal))
        db.session.add(period)
        db.session.flush()
    return period


@use_case
def set_child_steps(user: User, child_id: int, site_id: int, steps) -> AdaptationPeriod:
    """The director rewrites the child's steps (steps already recorded are kept, the planned ones replaced).

    Raises NotFound, ValidationFailed.
    """
    _child_at_site(user, child_id, site_id)
    parsed = _parse_steps(steps)
    period = _ensure_period(child_id, site_id)
    kept = [s for s in period.steps if s.status is not StepStatus.PLANNED]
    for step in list(period.steps):
        if step.status is StepStatus.PLANNED:
            period.steps.remove(step)
    db.session.flush()
    position = len(kept)
    now = utcnow()
    for label, arrival, pickup, parent, meal in parsed:
        position += 1
        period.steps.append(AdaptationStep(position=position, label=label, arrival=arrival, pickup=pickup,
                                           with_parent=parent, with_meal=meal, updated_at=now,
                                           updated_by_id=user.id))
    period.skipped = False
    audit(user, child_id, "update", f"adaptation:{period.id}", f"{len(parsed)} steps")
    return period


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


@use_case
def update_step(user: User, child_id: int, site_id: int, position: int, *, day: date | None,
                arrival: time | None, pickup: time | None, with_parent: bool, with_meal: bool,
                skipped: bool) -> AdaptationStep:
    """The director moves, lengthens, shortens or skips one of the child's steps.

    `day` is one of the child's booked days at the site (None: the step takes the next booked day in
    order); `arrival` / `pickup` None mean the booked unit's start / end. Who changed what is kept on
    the step and in the audit trail. Raises NotFound, ValidationFailed.
    """
    _child_at_site(user, child_id, site_id)
    period = _ensure_period(child_id, site_id)
    step = next((s for s in period.steps if s.position == position), None)
    if step is None:
        raise NotFound()
    if arrival and pickup and pickup <= arrival:
        raise ValidationFailed(_("L'heure de départ doit suivre l'heure d'arrivée."), field="pickup")
    if day is not None and not skipped:
        booked = {d.day for d in _booked_days({(child_id, site_id)}).get((child_id, site_id), [])}
        if day not in booked:
            raise ValidationFailed(_("Choisissez un jour où l'enfant est inscrit dans cet accueil."), field="day")
        if any(s.day == day and not s.skipped and s.id != step.id for s in period.steps):
            raise ValidationFailed(_("Une autre étape a déjà lieu ce jour-là."), field="day")
    new = {"day": None if skipped else day, "arrival": arrival, "pickup": pickup, "with_parent": with_parent,
           "with_meal": with_meal, "skipped": skipped}
    changes = [f"{name}: {_fmt(getattr(step, name))} -> {_fmt(value)}" for name, value in new.items()
               if getattr(step, name) != value]
    if changes:
        for name, value in new.items():
            setattr(step, name, value)
        step.updated_at = utcnow()
        step.updated_by_id = user.id
        period.skipped = False
        audit(user, child_id, "update", f"adaptation_step:{step.id}", "; ".join(changes)[:300])
    return step


@use_case
def skip_period(user: User, child_id: int, site_id: int, reason: str) -> AdaptationPeriod:
    """The director skips the adaptation (a returning child, for example). Raises NotFound, ValidationFailed."""
    _child_at_site(user, child_id, site_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Indiquez pourquoi l'adaptation n'est pas nécessaire."), field="reason")
    period = _ensure_period(child_id, site_id)
    period.skipped = True
    period.skip_reason = reason[:300]
    audit(user, child_id, "update", f"adaptation:{period.id}", "skipped")
    return period


def get_step_for_director(user: User, step_id: int) -> AdaptationStep:
    """A step of a child at one of the director's sites (read only). Raises NotFound."""
    step = db.session.get(AdaptationStep, step_id)
    if step is None:
        raise NotFound()
    _child_at_site(user, step.period.child_id, step.period.site_id)
    return step


@use_case
def record_step(user: User, step_id: int, outcome: str, note: str = "") -> AdaptationStep:
    """The director records how a step went: "validated", or "extended" (a repeat of the step is
    inserted after it, on the next booked day). Raises NotFound, ValidationFailed.
    """
    step = db.session.get(AdaptationStep, step_id)
    if step is None:
        raise NotFound()
    period = step.period
    _child_at_site(user, period.child_id, period.site_id)
    try:
        status = StepStatus(outcome)
    except ValueError:
        raise ValidationFailed(_("Choisissez « validée » ou « prolongée »."), field="outcome") from None
    if status is StepStatus.PLANNED:
        raise ValidationFailed(_("Choisissez « validée » ou « prolongée »."), field="outcome")
    step.status = status
    step.note = (note or "").strip()[:2000]
    step.recorded_at = utcnow()
    step.recorded_by_id = user.id
    if status is StepStatus.EXTENDED:
        for later in period.steps:
            if later.position > step.position:
                later.position += 1
        db.session.flush()
        period.steps.append(AdaptationStep(position=step.position + 1, label=step.label, arrival=step.arrival,
                                           pickup=step.pickup, with_parent=step.with_parent,
                                           with_meal=step.with_meal, updated_at=utcnow(), updated_by_id=user.id))
    audit(user, period.child_id, "update", f"adaptation_step:{step.id}", status.value)
    return step


@dataclass
class SiteSchedule:
    site: Site
    steps: list[StepView]
    skipped: bool
    skip_reason: str


def child_schedules(user: User, child_id: int) -> tuple[Child, list[SiteSchedule]]:
    """The adaptation schedule at each site where the child is booked, for a guardian or the
    site's director (only their sites). Raises NotFound."""
    from app.inclusion.access import director_sites_for_child

    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require(user, Action.READ_FILE, child)
    sites = booked_site_ids(child.id) if is_guardian(user, child) else director_sites_for_child(user, child)
    result = []
    for site in db.session.scalars(select(Site).where(Site.id.in_(sites)).order_by(Site.name)):
        period = _period(child.id, site.id)
        result.append(SiteSchedule(site, schedule(child.id, site.id), bool(period and period.skipped),
                                   period.skip_reason if period else ""))
    return child, result


def director_sites(user: User) -> list[Site]:
    from app.accounts.models import Role
    from app.inclusion.access import staff_site_ids

    ids = staff_site_ids(user, Role.DIRECTOR)
    return list(db.session.scalars(select(Site).where(Site.id.in_(ids)).order_by(Site.name))) if ids else []


@dataclass
class ChildInAdaptation:
    child: Child
    site: Site
    steps: list[StepView]

    today: date

    @property
    def next_step(self) -> StepView | None:
        return next((s for s in self.steps if s.day is not None and not s.skipped and s.day >= self.today), None)


def upcoming_adaptations(user: User, today: date | None = None) -> list[ChildInAdaptation]:
    """The children whose adaptation steps fall on today or later at the director's sites, by first step day."""
    from app.accounts.models import Role
    from app.inclusion.access import directs_sites, staff_site_ids

    today = today or clock.today()
    site_ids = staff_site_ids(user, Role.DIRECTOR) if directs_sites(user) else set()
    if not site_ids:
        return []
    pairs = set(db.session.execute(
        select(Booking.child_id, Activity.site_id).join(Session, Booking.session_id == Session.id)
        .join(Unit, Session.unit_id == Unit.id).join(Activity, Unit.activity_id == Activity.id)
        .where(Activity.site_id.in_(site_ids), Session.day >= today, Booking.status.in_(PLACE_STATUSES))
        .distinct()).all())
    schedules = _schedules({(c, s) for c, s in pairs})
    result = []
    children = {c.id: c for c in db.session.scalars(select(Child).where(Child.id.in_({c for c, _s in pairs})))}
    sites = {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    for (child_id, site_id), steps in schedules.items():
        upcoming = [s for s in steps if not s.skipped and s.day is not None and s.day >= today]
        if upcoming:
            result.append(ChildInAdaptation(children[child_id], sites[site_id], steps, today))
    result.sort(key=lambda r: (r.next_step.day, r.child.last_name, r.child.first_name))
    return result
