"""Preparation before the first day and individual reception plans.

- A booking of a child needing particular care, with no active plan at the
  site, is held (pending_preparation, the place is kept) and the site's
  directors are told at once.
- The director proposes a meeting (iCalendar invitation to the guardians),
  writes the plan with the family, shares it; when both the parent and the
  director have acknowledged a version it becomes active, and the child's
  held bookings at that site are confirmed.
- An acknowledged version is never edited: a change makes a new draft.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import clock
from app.accounts.access import require
from app.accounts.models import Role, User
from app.booking import preparation as booking_preparation
from app.booking.models import Activity, Booking, BookingStatus, Session, Unit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.formats import email_day, email_moment
from app.inclusion.access import Action, audit, is_guardian
from app.inclusion.models import (
    PLAN_FIELDS,
    PLAN_TEXT_FIELDS,
    MeetingProposal,
    PlanStatus,
    PlanVersion,
    PreparationWaiver,
    ReceptionPlan,
)
from app.notifications import ical
from app.notifications.outbox import notify
from app.sites.models import Site, SiteStaff
from app.transactions import commit, use_case

PARIS = clock.PARIS


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def active_version(child_id: int, site_id: int) -> PlanVersion | None:
    return db.session.scalar(select(PlanVersion).join(ReceptionPlan).where(
        ReceptionPlan.child_id == child_id, ReceptionPlan.site_id == site_id,
        PlanVersion.status == PlanStatus.ACTIVE))


def site_directors(site_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(SiteStaff, SiteStaff.user_id == User.id).where(
        SiteStaff.site_id == site_id, User.role == Role.DIRECTOR, User.active.is_(True)).order_by(User.id)))


def guardians(child: Child) -> list[User]:
    return [m.user for m in child.household.members if m.user.active]


# ---------------------------------------------------------------- the admission check

def preparation_check(child, session):
    """Booking's admission check: HOLD a child needing particular care without an active plan here.

    Tells the site's directors once per child and site (dedup key), in the booking's transaction.
    Never refuses: preparing the welcome is never a reason to turn a child away.
    """
    from app.booking.admission import CONFIRM, HOLD, foreseeing
    from app.notifications.models import OutboxMessage

    if not child.needs_particular_care:
        return CONFIRM
    site_id = session.unit.activity.site_id
    if active_version(child.id, site_id) is not None:
        return CONFIRM
    if foreseeing():
        return HOLD  # the directors are told when the booking is written
    site = db.session.get(Site, site_id)
    for director in site_directors(site_id):
        key = f"inclusion.preparation:{child.id}:{site_id}:{director.id}"
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
            notify("inclusion.meeting_proposal", director,
                   {"child_name": child.full_name, "site_name": site.name, "first_day": email_day(session.day),
                    "url": f"{_base_url()}/inclusion/preparation"}, dedup_key=key)
    return HOLD


# ---------------------------------------------------------------- queue

@dataclass
class WaitingChild:
    child: Child
    site: Site
    first_day: date
    held: int
    meeting: MeetingProposal | None
    plan_status: str | None
    bookings: list[Booking]


def preparation_queue(user: User) -> list[WaitingChild]:
    """Every child with bookings held for preparation at the director's sites, first booked day first."""
    from app.inclusion.access import staff_site_ids

    sites = staff_site_ids(user, Role.DIRECTOR)
    if not sites:
        return []
    rows = db.session.execute(
        select(Booking.child_id, Activity.site_id, func.min(Session.day), func.count(Booking.id))
        .join(Session, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
        .join(Activity, Unit.activity_id == Activity.id)
        .where(Booking.status == BookingStatus.PENDING_PREPARATION, Activity.site_id.in_(sites))
        .group_by(Booking.child_id, Activity.site_id)).all()
    result = []
    for child_id, site_id, first_day, held in rows:
        meeting = db.session.scalar(select(MeetingProposal).where(MeetingProposal.child_id == child_id,
                                                                  MeetingProposal.site_id == site_id))
        plan = db.session.scalar(select(ReceptionPlan).where(ReceptionPlan.child_id == child_id,
                                                             ReceptionPlan.site_id == site_id))
        status = plan.versions[-1].status.value if plan and plan.versions else None
        result.append(WaitingChild(db.session.get(Child, child_id), db.session.get(Site, site_id), first_day, held,
                                   meeting, status, booking_preparation.held_bookings(child_id, site_id)))
    result.sort(key=lambda w: (w.first_day, w.child.last_name))
    return result


# ---------------------------------------------------------------- meeting (iCalendar invitation)

def meeting_uid(meeting: MeetingProposal) -> str:
    """Stable for one meeting (moves keep it); a meeting proposed after a cancellation gets a new one."""
    return ical.uid("inclusion-meeting", meeting.id)


def meeting_ics(meeting: MeetingProposal, child: Child, site: Site, *, method: str = "REQUEST") -> str:
    """The invitation (METHOD:REQUEST) or its cancellation (METHOD:CANCEL, same UID, next SEQUENCE):
    the director as ORGANIZER, the guardians as ATTENDEEs."""
    start = meeting.starts_at.replace(second=0, microsecond=0)
    director = meeting.director
    return ical.build_invitation(
        uid=meeting_uid(meeting), sequence=meeting.sequence, method=method,
        organizer=(director.email, director.display_name), organizer_role="CHAIR",
        attendees=[(g.email, g.display_name) for g in guardians(child)],
        start=start, end=start + timedelta(minutes=meeting.duration_minutes),
        summary=_("Rencontre pour préparer l'accueil de %(name)s", name=child.first_name),
        location=meeting.location or site.full_address,
        description=_("Rencontre entre la famille et la direction de %(site)s pour préparer "
                      "l'accueil de %(name)s.", site=site.name, name=child.first_name))


def cancel_meeting_without_held_bookings(child_id: int, site_id: int, now: datetime | None = None) -> bool:
    """Booking's release hook: once none of the child's bookings at the site is held any more (the
    family or the centre cancelled them), a meeting still to come is cancelled: each guardian gets
    METHOD:CANCEL, so the meeting leaves their calendar. Caller's transaction. Returns True if sent."""
    now = now or utcnow()
    if booking_preparation.held_bookings(child_id, site_id):
        return False
    meeting = db.session.scalar(select(MeetingProposal).where(MeetingProposal.child_id == child_id,
                                                              MeetingProposal.site_id == site_id))
    if meeting is None or _aware(meeting.starts_at) < now:
        return False
    child, site = db.session.get(Child, child_id), db.session.get(Site, site_id)
    meeting.sequence += 1
    ics = meeting_ics(meeting, child, site, method="CANCEL")
    local = meeting.starts_at.astimezone(PARIS)
    for guardian in guardians(child):
        notify("inclusion.meeting_cancelled", guardian,
               {"child_name": child.first_name, "site_name": site.name,
                "when": email_moment(local)},
               attachments=[ical.calendar_attachment(ics, method="CANCEL", filename="annulation.ics")])
    db.session.delete(meeting)
    db.session.flush()
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@use_case
def propose_meeting(user: User, child_id: int, site_id: int, *, starts_at: datetime, duration_minutes: int = 60,
                    location: str = "") -> MeetingProposal:
    """The director proposes (or moves) the preparation meeting; each guardian gets an e-mail with
    an iCalendar invitation (METHOD:REQUEST, stable UID, SEQUENCE bumped on each new proposal).

    `starts_at` is aware (any zone). Raises NotFound, ValidationFailed.
    """
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require(user, Action.MANAGE_AT_SITE, (child, site_id))
    if starts_at.tzinfo is None:
        raise ValidationFailed(_("Heure non valide."), field="starts_at")
    if starts_at < utcnow():
        raise ValidationFailed(_("Choisissez une date à venir."), field="starts_at")
    if not 15 <= int(duration_minutes) <= 240:
        raise ValidationFailed(_("La durée doit être comprise entre 15 minutes et 4 heures."), field="duration")
    site = db.session.get(Site, site_id)
    meeting = db.session.scalar(select(MeetingProposal).where(MeetingProposal.child_id == child.id,
                                                              MeetingProposal.site_id == site_id))
    if meeting is None:
        meeting = MeetingProposal(child_id=child.id, site_id=site_id, sequence=0)
        db.session.add(meeting)
    else:
        meeting.sequence += 1
    meeting.director_id = user.id
    meeting.director = user
    meeting.starts_at = starts_at
    meeting.duration_minutes = int(duration_minutes)
    meeting.location = (location or site.full_address).strip()[:300]
    db.session.flush()
    ics = meeting_ics(meeting, child, site)
    local = starts_at.astimezone(PARIS)
    for guardian in guardians(child):
        notify("inclusion.meeting_invitation", guardian,
               {"child_name": child.first_name, "site_name": site.name, "director_name": user.display_name,
                "when": email_moment(local), "location": meeting.location,
                "url": f"{_base_url()}/inclusion/enfants/{child.id}"},
               attachments=[ical.calendar_attachment(ics)])
    audit(user, child.id, "create", f"meeting:{meeting.id}", local.isoformat())
    return meeting


# ---------------------------------------------------------------- confirming without a plan

def held_booking(user: User, booking_id: int) -> Booking:
    """A booking the director may confirm without a plan (their site). Raises NotFound."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.MANAGE_AT_SITE, (booking.child, booking.session.unit.activity.site_id))
    return booking


@use_case
def confirm_without_plan(user: User, booking_id: int, reason: str) -> Booking:
    """The director confirms a held booking without a plan; the reason is recorded.

    Raises NotFound, ValidationFailed (no reason), Conflict (not held).
    """
    booking = held_booking(user, booking_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(_("Indiquez la raison de cette confirmation."), field="reason")
    if booking.status is not BookingStatus.PENDING_PREPARATION:
        raise Conflict(_("Cette réservation n'est pas en attente de préparation."))
    booking_preparation.confirm_held_booking(booking)
    db.session.add(PreparationWaiver(booking_id=booking.id, director_id=user.id, reason=reason[:2000]))
    audit(user, booking.child_id, "update", f"booking:{booking.id}", "confirmed without plan")
    for guardian in guardians(booking.child):
        notify("inclusion.booking_confirmed", guardian,
               {"child_name": booking.child.first_name, "days": email_day(booking.session.day),
                "url": f"{_base_url()}/accueils/mes-reservations"})
    return booking


# ---------------------------------------------------------------- plans

def get_plan(user: User, child_id: int, site_id: int) -> tuple[Child, ReceptionPlan | None]:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require(user, Action.MANAGE_AT_SITE, (child, site_id))
    plan = db.session.scalar(select(ReceptionPlan).where(ReceptionPlan.child_id == child.id,
                                                         ReceptionPlan.site_id == site_id))
    return child, plan


def plan_for_editing(user: User, child_id: int, site_id: int) -> tuple[Child, ReceptionPlan | None]:
    """The plan and its history for the director's form; the read is audited. Raises NotFound."""
    child, plan = get_plan(user, child_id, site_id)
    if plan is not None and plan.versions:
        latest = plan.versions[-1]
        audit(user, child.id, "read", f"plan_version:{latest.id}", f"v{latest.number}")
        commit()  # a read page: the trail is committed here
    return child, plan


@use_case
def prefill_from_declaration(user: User, child_id: int, site_id: int) -> dict:
    """The first draft of a reception plan, written from what the family declared (needs, PAI, emergency
    protocol, medication, diet, rhythm), so that the director completes it instead of retyping it.

    Only for a plan without any version yet (a later draft starts from the previous version); {} when the
    family declared nothing. The read of the needs is audited. Raises NotFound.
    """
    from app.inclusion.models import ChildNeeds

    child, plan = get_plan(user, child_id, site_id)
    if plan is not None and plan.versions:
        return {}
    needs = db.session.scalar(select(ChildNeeds).where(ChildNeeds.child_id == child.id))
    if needs is None:
        return {}

    def lines(*pairs) -> str:
        return "\n".join(f"{label} : {text.strip()}" for label, text in pairs if (text or "").strip())

    emergency = (needs.emergency_protocol or "").strip()
    if needs.has_pai:
        pai = _("Un projet d'accueil individualisé (PAI) existe : il s'applique (voir les documents du dossier).")
        emergency = f"{pai}\n{emergency}" if emergency else pai
    values = {
        "emergency_protocol": emergency,
        "medication": (needs.medication or "").strip(),
        "adapt_meals": lines((_("Allergies"), needs.allergies), (_("Régime"), needs.diet)),
        "adapt_rhythm": (needs.rhythm or "").strip(),
        "first_meeting_notes": lines((_("Communication"), needs.communication),
                                     (_("Ce qui aide"), needs.what_helps), (_("À éviter"), needs.to_avoid)),
    }
    audit(user, child.id, "read", "needs", "plan prefill")
    return {name: value for name, value in values.items() if value}


def _clean(values: dict) -> dict:
    clean = {}
    for name in PLAN_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in PLAN_TEXT_FIELDS:
            value = (value or "").strip()
        elif name == "extra_staff":
            value = int(value or 0)
            if not 0 <= value <= 5:
                raise ValidationFailed(_("Le renfort doit être compris entre 0 et 5 animateurs."), field=name)
        elif name == "extra_staff_hours":
            try:
                value = Decimal(str(value or "0"))
            except InvalidOperation:
                raise ValidationFailed(_("Nombre d'heures non valide."), field=name) from None
            if not Decimal("0") <= value <= Decimal("12"):
                raise ValidationFailed(_("Le renfort compte au plus 12 heures par séance."), field=name)
        elif name == "professionals_consent":
            value = bool(value)
        clean[name] = value
    if clean.get("professionals") and not clean.get("professionals_consent"):
        raise ValidationFailed(_("Les professionnels qui suivent l'enfant ne figurent au projet qu'avec "
                                 "l'accord de la famille."), field="professionals_consent")
    return clean


@use_case
def save_draft(user: User, child_id: int, site_id: int, **values) -> PlanVersion:
    """Create or update the plan's draft. If the latest version is shared, active or acknowledged,
    a new draft is made from it (that version is never edited).

    Raises NotFound, ValidationFailed.
    """
    child, plan = get_plan(user, child_id, site_id)
    clean = _clean(values)
    if plan is None:
        plan = ReceptionPlan(child_id=child.id, site_id=site_id)
        db.session.add(plan)
        db.session.flush()
    latest = plan.versions[-1] if plan.versions else None
    if latest is not None and latest.editable:
        version = latest
    else:
        version = PlanVersion(plan=plan, number=(latest.number + 1) if latest else 1, created_by_id=user.id)
        if latest is not None:
            for name in PLAN_FIELDS:
                setattr(version, name, getattr(latest, name))
        else:
            version.extra_staff_hours = Decimal("0")
        db.session.add(version)
    for name, value in clean.items():
        setattr(version, name, value)
    version.updated_at = utcnow()
    db.session.flush()
    audit(user, child.id, "update", f"plan_version:{version.id}", f"v{version.number}")
    return version


def _version(user: User, version_id: int, action: str = Action.READ_FILE) -> PlanVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        raise NotFound()
    child = version.plan.child
    if is_guardian(user, child):
        if version.status is PlanStatus.DRAFT:  # the family sees what was shared with them
            raise NotFound()
        return version
    require(user, Action.MANAGE_AT_SITE, (child, version.plan.site_id))
    return version


@use_case
def read_version(user: User, version_id: int) -> PlanVersion:
    """One version, for a guardian (shared ones) or a director of the site; audited. Raises NotFound."""
    version = _version(user, version_id)
    audit(user, version.plan.child_id, "read", f"plan_version:{version.id}", f"v{version.number}")
    return version


@use_case
def share(user: User, version_id: int) -> PlanVersion:
    """The director shares a draft with the family (it can no longer be edited). Raises NotFound, Conflict."""
    version = _version(user, version_id)
    if is_guardian(user, version.plan.child):
        raise NotFound()
    if version.status is not PlanStatus.DRAFT:
        raise Conflict(_("Seul un brouillon peut être partagé."))
    version.status = PlanStatus.SHARED
    version.shared_at = utcnow()
    child = version.plan.child
    site = db.session.get(Site, version.plan.site_id)
    for guardian in guardians(child):
        notify("inclusion.plan_shared", guardian,
               {"child_name": child.first_name, "site_name": site.name, "number": version.number,
                "url": f"{_base_url()}/inclusion/projets/{version.id}"})
    audit(user, child.id, "update", f"plan_version:{version.id}", "shared")
    return version


@use_case
def acknowledge(user: User, version_id: int, now: datetime | None = None) -> PlanVersion:
    """A guardian or the director acknowledges a shared version (timestamped).

    When both have, the version becomes active, the previous active one is
    superseded and the child's held bookings at the site are confirmed.
    Raises NotFound, Conflict (not shared, already acknowledged).
    """
    now = now or utcnow()
    version = _version(user, version_id)
    if version.status is not PlanStatus.SHARED:
        raise Conflict(_("Ce projet n'attend pas d'accusé de réception."))
    if is_guardian(user, version.plan.child):
        if version.parent_ack_at is not None:
            raise Conflict(_("Vous avez déjà pris connaissance de cette version."))
        version.parent_ack_at, version.parent_ack_by_id = now, user.id
    else:
        if version.director_ack_at is not None:
            raise Conflict(_("La direction a déjà validé cette version."))
        version.director_ack_at, version.director_ack_by_id = now, user.id
    audit(user, version.plan.child_id, "acknowledge", f"plan_version:{version.id}", f"v{version.number}")
    if version.parent_ack_at and version.director_ack_at:
        _activate(version, now)
    return version


def _activate(version: PlanVersion, now: datetime) -> None:
    plan = version.plan
    for other in plan.versions:
        if other is not version and other.status is PlanStatus.ACTIVE:
            other.status = PlanStatus.SUPERSEDED
    version.status = PlanStatus.ACTIVE
    version.activated_at = now
    db.session.flush()
    confirmed = booking_preparation.confirm_held_bookings(plan.child_id, plan.site_id, now)
    child = plan.child
    if confirmed:
        days = ", ".join(email_day(day) for day in sorted({b.session.day for b in confirmed}))
        for guardian in guardians(child):
            notify("inclusion.booking_confirmed", guardian,
                   {"child_name": child.first_name, "days": days,
                    "url": f"{_base_url()}/accueils/mes-reservations"})


def child_plans_for_guardian(child_id: int) -> list[PlanVersion]:
    return list(db.session.scalars(select(PlanVersion).join(ReceptionPlan).where(
        ReceptionPlan.child_id == child_id, PlanVersion.status != PlanStatus.DRAFT).order_by(PlanVersion.id)))


def has_active_plan(child, site) -> bool:
    """The draw's "reception_plan" priority: yes or no, never the content of the plan."""
    return active_version(child.id, site.id) is not None
