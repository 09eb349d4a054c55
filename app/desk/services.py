"""Desk mode use cases: a staff member helps a family present at a desk.

At the France Services desks (Catus, Saint-Géry-Vers) and in the Relais, families who cannot book
alone come in person. A staff member with the named action "families.act_at_desk"
(administrators and Relais staff, see app.families.services) finds the household (name, e-mail,
phone) or creates it, then adds a child, books or cancels for it. Every action:

- needs the family's consent, given there and then: the staff member reads out what will be done
  (the sentence stored in `consent_text`), ticks the box and notes who agreed; without it the
  action is refused and nothing is written;
- goes through the family's own use cases (booking.services.book / cancel_booking with
  `acting=`, families.services for the household and the child): the same rules, no copy;
- writes a DeskAction in the same transaction, which the family reads in its history
  ("Réservé par l'accueil France Services de Catus, avec votre accord, le …").

A desk sees names, birth dates and bookings only: no contacts beyond the guardians' names, no
health data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.booking import engine
from app.booking import services as booking
from app.booking.models import ACTIVE_STATUSES, Activity, Booking, Session, Unit
from app.desk.models import DeskAction
from app.errors import ValidationFailed
from app.extensions import db, utcnow
from app.families import services as families
from app.families.access import Action as FamiliesAction
from app.families.models import Child, Household
from app.months import month_range
from app.sites.models import Site
from app.transactions import use_case

# The desks, and how the family reads them in its history ("Réservé par <phrase>").
DESKS: dict[str, tuple[object, object]] = {
    "fs_catus": (_l("France Services de Catus"), _l("l'accueil France Services de Catus")),
    "fs_saint_gery": (_l("France Services de Saint-Géry-Vers"), _l("l'accueil France Services de Saint-Géry-Vers")),
    "relais": (_l("Relais Petite Enfance"), _l("le Relais Petite Enfance")),
    "agglomeration": (_l("Accueil du Grand Cahors"), _l("l'accueil du Grand Cahors")),
}

HOUSEHOLD_CREATED, CHILD_ADDED, BOOKED, CANCELLED = "household_created", "child_added", "booked", "cancelled"
MAX_ITEMS = 40


@dataclass
class Consent:
    """The family's agreement, given at the desk: who agreed, and the box the staff member ticked."""

    given_by: str
    agreed: bool


def desk_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, (label, _phrase) in DESKS.items()]


def _check_desk(desk: str) -> str:
    if desk not in DESKS:
        raise ValidationFailed(_("Choisissez l'accueil où vous recevez la famille."), field="desk")
    return desk


def _check_consent(consent: Consent) -> str:
    if not consent.agreed:
        raise ValidationFailed(_("La famille doit donner son accord : lisez-lui ce qui va être fait, puis cochez "
                                 "la case de son accord."), field="consent")
    given_by = " ".join((consent.given_by or "").split())
    if not given_by:
        raise ValidationFailed(_("Indiquez le nom de la personne de la famille qui donne son accord."),
                               field="consent_given_by")
    if len(given_by) > 150 or families.has_control_characters(given_by):
        raise ValidationFailed(_("Ce nom n'est pas valide (150 caractères au plus, sur une seule ligne)."),
                               field="consent_given_by")
    return given_by


def _record(staff: User, desk: str, household_id: int, kind: str, summary: str, given_by: str,
            consent_text: str, now: datetime) -> DeskAction:
    action = DeskAction(household_id=household_id, staff_id=staff.id, desk=desk, kind=kind, summary=summary[:1000],
                        consent_given_by=given_by, consent_text=consent_text[:500], consented_at=now,
                        created_at=now)
    db.session.add(action)
    return action


# ---------------------------------------------------------------- finding and opening a household

def search(staff: User, query: str) -> list[families.DeskHousehold]:
    """Households matching `query` (name, e-mail, phone, child's name). Raises Forbidden."""
    return families.search_households_at_desk(staff, query)


def open_household(staff: User, household_id: Any, desk: str) -> Household:
    """Check that `staff` may act for the household at `desk` (the view keeps it in the session).

    Raises Forbidden, NotFound, ValidationFailed (unknown desk). Writes nothing.
    """
    _check_desk(desk)
    return families.household_for_desk(staff, household_id)


@dataclass
class DeskHouseholdPage:
    household: Household
    bookings: list[Booking]


def household_page(staff: User, household_id: Any, today: date | None = None) -> DeskHouseholdPage:
    """What the desk shows: the household's names, children and active bookings from today."""
    household = families.household_for_desk(staff, household_id)
    bookings = list(db.session.scalars(
        select(Booking).join(Child).join(Session)
        .where(Child.household_id == household.id, Session.day >= (today or clock.today()),
               Booking.status.in_(ACTIVE_STATUSES))
        .options(selectinload(Booking.child), selectinload(Booking.session).options(engine.WITH_SITE))
        .order_by(Session.day, Booking.id)))
    return DeskHouseholdPage(household, bookings)


def sites(staff: User) -> list[Site]:
    require(staff, FamiliesAction.ACT_AT_DESK)
    return list(db.session.scalars(select(Site).order_by(Site.name)))


def bookable_sessions(staff: User, site_id: int | None, month: date, today: date | None = None) -> list[Session]:
    """The sessions of `site_id` in `month` from today on, not cancelled, by day (the booking form's list).

    The rules (opening, deadline, age, places) are checked when booking, as for the family."""
    require(staff, FamiliesAction.ACT_AT_DESK)
    if site_id is None:
        return []
    first, last = month_range(month)
    first = max(first, today or clock.today())
    return list(db.session.scalars(
        select(Session).join(Unit).join(Activity)
        .where(Activity.site_id == site_id, Session.day >= first, Session.day <= last, Session.cancelled.is_(False))
        .options(engine.WITH_SITE).order_by(Session.day, Unit.start_time, Session.id)))


# ---------------------------------------------------------------- actions for the family

@use_case
def create_household(staff: User, desk: str, guardian: families.GuardianData, data: families.HouseholdData,
                     consent: Consent, today: date | None = None) -> Household:
    """Create a household (and the guardian's account when an e-mail is given) for a family at the desk.

    Raises Forbidden, ValidationFailed (consent missing, fields), EmailTaken. One transaction.
    """
    require(staff, FamiliesAction.ACT_AT_DESK)
    _check_desk(desk)
    given_by = _check_consent(consent)
    household = families.create_household_at_desk(staff, guardian, data, today=today)
    consent_text = _("La famille accepte que l'accueil crée son foyer dans Pitchoun avec les informations "
                     "données.")
    _record(staff, desk, household.id, HOUSEHOLD_CREATED, household.name, given_by, consent_text, utcnow())
    return household


@use_case
def add_child(staff: User, desk: str, household_id: Any, data: families.ChildData, consent: Consent,
              today: date | None = None) -> Child:
    """Add a child to the household at the desk. Raises Forbidden, NotFound, ValidationFailed."""
    require(staff, FamiliesAction.ACT_AT_DESK)
    _check_desk(desk)
    given_by = _check_consent(consent)
    child = families.add_child_at_desk(staff, household_id, data, today=today)
    _record(staff, desk, child.household_id, CHILD_ADDED, child.full_name, given_by,
            _("La famille accepte que l'accueil ajoute l'enfant %(name)s à son foyer.", name=child.full_name),
            utcnow())
    return child


def book(staff: User, desk: str, household_id: int, items: Any, consent: Consent, idempotency_key: str | None = None,
         now: datetime | None = None) -> booking.SubmissionResult:
    """Book (child_id, session_id) items for the household at the desk, through the family's booking
    use case (same rules, same e-mail to the guardians). The trace is written with the bookings.

    Raises Forbidden, NotFound (a child of another household), ValidationFailed (consent, no item).
    """
    require(staff, FamiliesAction.ACT_AT_DESK)
    _check_desk(desk)
    given_by = _check_consent(consent)
    pairs = list(dict.fromkeys((int(c), int(s)) for c, s in items))
    if not pairs:
        raise ValidationFailed(_("Choisissez au moins une séance."), field="items")
    if len(pairs) > MAX_ITEMS:
        raise ValidationFailed(_("Réservez au plus %(n)d séances à la fois.", n=MAX_ITEMS), field="items")
    household_id = int(household_id)
    moment = now or utcnow()

    def record(result: booking.SubmissionResult) -> None:
        kept = [item for item in result.items if item.status != "refused"]
        if not kept:
            return  # nothing was done for the family: nothing to show in its history
        children = {c.id: c for c in db.session.scalars(select(Child).where(
            Child.id.in_({item.child_id for item in kept})))}
        sessions = {s.id: s for s in db.session.scalars(select(Session).where(
            Session.id.in_({item.session_id for item in kept})).options(engine.WITH_SITE))}
        lines = [f"{children[item.child_id].first_name} : {engine.describe(sessions[item.session_id])} "
                 f"({booking.status_label(item.status)})" for item in kept]
        _record(staff, desk, household_id, BOOKED, "\n".join(lines), given_by,
                _("La famille accepte que l'accueil réserve pour elle les séances choisies."), moment)

    return booking.book(staff, pairs, idempotency_key=idempotency_key, now=now,
                        acting=booking.ActingFor(household_id, record))


@use_case
def cancel(staff: User, desk: str, household_id: int, booking_id: int, consent: Consent,
           now: datetime | None = None) -> Booking:
    """Cancel a booking of the household at the desk, through the family's cancellation use case
    (same deadline rule: a late cancellation stays late). Raises Forbidden, NotFound,
    ValidationFailed (consent), NotCancellable, CancellationClosed."""
    require(staff, FamiliesAction.ACT_AT_DESK)
    _check_desk(desk)
    given_by = _check_consent(consent)
    household_id = int(household_id)
    moment = now or utcnow()

    def record(cancelled: Booking) -> None:
        summary = f"{cancelled.child.first_name} : {engine.describe(cancelled.session)}"
        _record(staff, desk, household_id, CANCELLED, summary, given_by,
                _("La famille accepte que l'accueil annule cette réservation : %(what)s.", what=summary), moment)

    return booking.cancel_booking(staff, booking_id, now=now, acting=booking.ActingFor(household_id, record))


# ---------------------------------------------------------------- the family's history

_HISTORY_TEXTS = {
    HOUSEHOLD_CREATED: _l("Foyer créé par %(desk)s, avec votre accord, le %(when)s."),
    CHILD_ADDED: _l("Enfant ajouté par %(desk)s, avec votre accord, le %(when)s."),
    BOOKED: _l("Réservé par %(desk)s, avec votre accord, le %(when)s."),
    CANCELLED: _l("Annulé par %(desk)s, avec votre accord, le %(when)s."),
}


@dataclass
class HistoryEntry:
    text: str
    details: list[str]
    given_by: str


def history_for_family(user: User) -> list[HistoryEntry]:
    """What desks did for `user`'s household, newest first (empty without a household)."""
    household_id = families.household_id_of(user)
    if household_id is None:
        return []
    rows = db.session.scalars(select(DeskAction).where(DeskAction.household_id == household_id)
                              .order_by(DeskAction.created_at.desc(), DeskAction.id.desc()).limit(200))
    entries = []
    for row in rows:
        phrase = DESKS.get(row.desk, (None, _l("un accueil du Grand Cahors")))[1]
        when = format_datetime(row.consented_at, _("EEEE d MMMM yyyy 'à' HH:mm"))
        entries.append(HistoryEntry(str(_HISTORY_TEXTS.get(row.kind, _HISTORY_TEXTS[BOOKED])) % {
            "desk": phrase, "when": when}, row.summary.splitlines(), row.consent_given_by))
    return entries


def guardian_names(household: Household) -> list[str]:
    return [m.user.display_name for m in household.members]

