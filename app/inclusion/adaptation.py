"""Adaptation periods, for every child.

Each site has a template of steps (one hour with a parent, a morning without
lunch, ...). A child's period is the template, or the director's version of
it for that child (longer with a plan, skipped for a returning child). The
steps fall on the child's first booked days at the site, in order; a booking
whose unit is longer than that day's step allows (a whole day before the
short steps) is refused with a French reason. The refusal is about the
adaptation rhythm only, never about the child's needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.permissions import require
from app.booking.models import (PLACE_STATUSES, Activity, Attendance, AttendanceStatus, Booking, Session, Site, Unit)
from app.errors import NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.inclusion.access import Action, audit, booked_site_ids, is_guardian
from app.inclusion.models import AdaptationPeriod, AdaptationStep, AdaptationTemplateStep, StepStatus

DEFAULT_TEMPLATE = (
    ("Une heure avec un parent", Decimal("4.5"), False),
    ("Une matinée sans repas", Decimal("4.5"), False),
    ("Une matinée avec repas", Decimal("6"), True),
    ("Une journée entière", None, True),
)


@dataclass
class StepView:
    """A step as scheduled: from the child's period, or the site's template when none was made."""

    label: str
    max_unit_hours: Decimal | None
    meal_allowed: bool
    status: str = "planned"
    note: str = ""
    id: int | None = None
    day: date | None = None

    def allows(self, unit: Unit) -> bool:
        if unit.with_meal and not self.meal_allowed:
            return False
        return self.max_unit_hours is None or Decimal(str(round(unit.hours, 2))) <= self.max_unit_hours


def site_template(site_id: int) -> list[AdaptationTemplateStep]:
    return list(db.session.scalars(select(AdaptationTemplateStep).where(AdaptationTemplateStep.site_id == site_id)
                                   .order_by(AdaptationTemplateStep.position)))


def template_for_director(user: User, site_id: int) -> list[AdaptationTemplateStep]:
    """The site's template, for one of its directors. Raises NotFound."""
    require(user, Action.DIRECT_SITE, site_id)
    return site_template(site_id)


def _parse_steps(steps) -> list[tuple[str, Decimal | None, bool]]:
    parsed = []
    for i, step in enumerate(steps, start=1):
        label = (step.get("label") or "").strip()[:150]
        if not label:
            continue
        hours = step.get("max_unit_hours")
        if hours in (None, ""):
            hours = None
        else:
            try:
                hours = Decimal(str(hours).replace(",", "."))
            except InvalidOperation:
                raise ValidationFailed(_("Étape %(n)s : durée non valide.", n=i), field="steps") from None
            if not Decimal("0.5") <= hours <= Decimal("12"):
                raise ValidationFailed(_("Étape %(n)s : la durée doit être comprise entre 0,5 et 12 heures.", n=i),
                                       field="steps")
        parsed.append((label, hours, bool(step.get("meal_allowed"))))
    if len(parsed) > 12:
        raise ValidationFailed(_("Une période d'adaptation compte au plus 12 étapes."), field="steps")
    return parsed


def set_site_template(user: User, site_id: int, steps) -> list[AdaptationTemplateStep]:
    """The director sets the site's template (replaces it). Raises NotFound, ValidationFailed."""
    require(user, Action.DIRECT_SITE, site_id)
    parsed = _parse_steps(steps)
    for old in site_template(site_id):
        db.session.delete(old)
    db.session.flush()
    for position, (label, hours, meal) in enumerate(parsed, start=1):
        db.session.add(AdaptationTemplateStep(site_id=site_id, position=position, label=label,
                                              max_unit_hours=hours, meal_allowed=meal))
    db.session.commit()
    return site_template(site_id)


def _period(child_id: int, site_id: int) -> AdaptationPeriod | None:
    return db.session.scalar(select(AdaptationPeriod).where(AdaptationPeriod.child_id == child_id,
                                                            AdaptationPeriod.site_id == site_id))


def is_returning(child_id: int, site_id: int, before: date | None = None) -> bool:
    """The child already attended this site (before `before`): no adaptation needed."""
    query = (select(Booking.id).join(Attendance, Attendance.booking_id == Booking.id)
             .join(Session, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
             .join(Activity, Unit.activity_id == Activity.id)
             .where(Booking.child_id == child_id, Activity.site_id == site_id,
                    Attendance.status == AttendanceStatus.PRESENT))
    if before is not None:
        query = query.where(Session.day < before)
    return db.session.scalar(query.limit(1)) is not None


def steps_for(child_id: int, site_id: int) -> list[StepView]:
    """The child's steps at the site: their own period, else the site's template ([] if skipped)."""
    return _steps(_period(child_id, site_id), site_id)


def _steps(period: AdaptationPeriod | None, site_id: int) -> list[StepView]:
    if period is not None:
        if period.skipped:
            return []
        return [StepView(s.label, s.max_unit_hours, s.meal_allowed, s.status.value, s.note, s.id)
                for s in period.steps]
    return [StepView(t.label, t.max_unit_hours, t.meal_allowed) for t in site_template(site_id)]


def booked_days(child_id: int, site_id: int) -> list[date]:
    return sorted(set(db.session.scalars(
        select(Session.day).join(Booking, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
        .join(Activity, Unit.activity_id == Activity.id)
        .where(Booking.child_id == child_id, Activity.site_id == site_id, Booking.status.in_(PLACE_STATUSES)))))


def schedule(child_id: int, site_id: int) -> list[StepView]:
    """The steps with the booked day each falls on (None while not booked yet)."""
    period = _period(child_id, site_id)
    if period is None and is_returning(child_id, site_id):
        return []
    steps = steps_for(child_id, site_id)
    for step, day in zip(steps, booked_days(child_id, site_id)):
        step.day = day
    return steps


def adaptation_check(child, session):
    """Booking's admission check: adaptation shapes a child's first days, it never refuses a place.

    Admission checks may only CONFIRM or HOLD (app/booking/admission.py).
    """
    from app.booking.admission import CONFIRM

    return CONFIRM


# ---------------------------------------------------------------- the director's changes

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
        for position, t in enumerate(site_template(site_id), start=1):
            period.steps.append(AdaptationStep(position=position, label=t.label, max_unit_hours=t.max_unit_hours,
                                               meal_allowed=t.meal_allowed))
        db.session.add(period)
        db.session.flush()
    return period


def set_child_steps(user: User, child_id: int, site_id: int, steps) -> AdaptationPeriod:
    """The director adapts the child's steps (steps already recorded are kept, the planned ones replaced).

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
    for label, hours, meal in parsed:
        position += 1
        period.steps.append(AdaptationStep(position=position, label=label, max_unit_hours=hours, meal_allowed=meal))
    period.skipped = False
    audit(user, child_id, "update", f"adaptation:{period.id}", f"{len(parsed)} steps")
    db.session.commit()
    return period


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
    db.session.commit()
    return period


def get_step_for_director(user: User, step_id: int) -> AdaptationStep:
    """A step of a child at one of the director's sites (read only). Raises NotFound."""
    step = db.session.get(AdaptationStep, step_id)
    if step is None:
        raise NotFound()
    _child_at_site(user, step.period.child_id, step.period.site_id)
    return step


def record_step(user: User, step_id: int, outcome: str, note: str = "") -> AdaptationStep:
    """The director records how a step went: "validated", or "extended" (a repeat of the step is
    inserted after it). Raises NotFound, ValidationFailed.
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
        period.steps.append(AdaptationStep(position=step.position + 1, label=step.label,
                                           max_unit_hours=step.max_unit_hours, meal_allowed=step.meal_allowed))
    audit(user, period.child_id, "update", f"adaptation_step:{step.id}", status.value)
    db.session.commit()
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
