"""What a childminder declares she accepts: her days and hours (a weekly schedule) and her periods
of absence. Each public function is one use case and commits once.

The places themselves are computed in app.ram.availability from the licence, the contracts (with
their end dates), the legal limits and the accepted hours together (`services.profile_of`,
`matching.MatchIndex.load`): a slot outside the accepted hours has no place. An absence does not
change the places of a contract (a childminder's leave never breaks a contract); it tells the
families searching when she cannot start a new child (`first_day_available`).
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.accounts.access import require
from app.accounts.models import User
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.ram import access as perm
from app.ram import schedule as sch
from app.ram.models import Childminder, ChildminderAbsence
from app.ram.services import lock_childminder, today_local
from app.transactions import use_case

MAX_ABSENCE_DAYS = 366


def contracts_outside(childminder: Childminder, schedule: dict, today: date) -> int:
    """The slots where a current or future contract has a child outside `schedule` (0: none)."""
    accepted = sch.to_mask(schedule)
    used = 0
    for contract in childminder.contracts:
        if contract.end_date is None or contract.end_date >= today:
            used |= sch.to_mask(contract.schedule)
    return used & ~accepted


@use_case
def declare_accepted_hours(user: User, childminder: Childminder, schedule: dict | None) -> Childminder:
    """Record the days and hours the childminder accepts (None: no declaration, the licence alone
    decides). Refused when a current or future contract has a child outside these hours: the
    childminder ends or changes that contract first.

    Raises NotFound (not hers), ValidationFailed.
    """
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    if schedule is None:
        childminder.accepted_schedule = None
        return childminder
    try:
        schedule = sch.normalise(schedule)
    except ValueError as error:
        raise ValidationFailed(_("Les horaires ne sont pas valides : l'heure de fin doit suivre l'heure de "
                                 "début."), field="schedule") from error
    if not schedule:
        raise ValidationFailed(_("Indiquez au moins un jour avec ses horaires."), field="schedule")
    lock_childminder(childminder.id)
    db.session.refresh(childminder)
    outside = contracts_outside(childminder, schedule, today_local())
    if outside:
        raise ValidationFailed(_("Un enfant accueilli sous contrat est présent en dehors de ces horaires : "
                                 "%(slots)s. Gardez ces créneaux ou modifiez d'abord le contrat.",
                                 slots=sch.describe_text(outside)), field="schedule")
    childminder.accepted_schedule = schedule
    return childminder


@use_case
def add_absence(user: User, childminder: Childminder, start_date: date, end_date: date,
                reason: str = "") -> ChildminderAbsence:
    """Record a period when the childminder takes no new child. Refused when it ends before it
    starts, is already over, lasts more than a year or overlaps another absence.

    Raises NotFound, ValidationFailed.
    """
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    if end_date < start_date:
        raise ValidationFailed(_("La fin de l'absence doit suivre son début."), field="end_date")
    if end_date < today_local():
        raise ValidationFailed(_("Cette période est déjà passée."), field="end_date")
    if (end_date - start_date).days >= MAX_ABSENCE_DAYS:
        raise ValidationFailed(_("Une période d'absence dure au plus un an."), field="end_date")
    lock_childminder(childminder.id)
    db.session.refresh(childminder)
    for other in childminder.absences:
        if other.start_date <= end_date and start_date <= other.end_date:
            raise ValidationFailed(_("Cette période chevauche l'absence du %(a)s au %(b)s.",
                                     a=other.start_date.strftime("%d/%m/%Y"),
                                     b=other.end_date.strftime("%d/%m/%Y")), field="start_date")
    absence = ChildminderAbsence(childminder=childminder, start_date=start_date, end_date=end_date,
                                 reason=reason.strip()[:200])
    db.session.add(absence)
    return absence


@use_case
def remove_absence(user: User, childminder: Childminder, absence_id: int) -> None:
    """Remove one of the childminder's absences. Raises NotFound (unknown, or someone else's)."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    absence = db.session.get(ChildminderAbsence, absence_id)
    if absence is None or absence.childminder_id != childminder.id:
        raise NotFound()
    db.session.delete(absence)


def first_day_available(absences, day: date) -> date:
    """The first day from `day` on outside every absence (absences sorted or not)."""
    periods = sorted((a.start_date, a.end_date) for a in absences)
    for start, end in periods:
        if start <= day <= end:
            day = date.fromordinal(end.toordinal() + 1)
    return day


def current_absences(childminder: Childminder, today: date | None = None) -> list[ChildminderAbsence]:
    """The absences not yet over, in date order."""
    today = today or today_local()
    return [a for a in childminder.absences if a.end_date >= today]
