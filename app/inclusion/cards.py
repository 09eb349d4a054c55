"""The short "what to know today" card for the animators of a child's sessions, and the extra
staff (renfort) that active reception plans add to a session's staffing need.

Both are plugged into booking through its registries (see app/composition.py); booking never imports them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import User
from app.booking.models import PLACE_STATUSES, Booking, Session
from app.errors import NotFound
from app.extensions import db
from app.families.models import Child
from app.inclusion.access import Action, audit, works_at_sites
from app.inclusion.models import PlanStatus, PlanVersion, ReceptionPlan
from app.inclusion.plans import active_version
from app.transactions import commit, use_case


@dataclass
class TodayCard:
    child: Child
    emergency_protocol: str
    diet: str
    what_helps: str
    medication: str


@use_case
def today_cards(user: User, session_id: int) -> tuple[Session, list[TodayCard]]:
    """The short "what to know today" cards of a session's children who need particular care,
    for the animators and directors of the session's site; each card shown is audited.
    Raises NotFound.
    """
    from app.inclusion.access import staff_site_ids
    from app.inclusion.services import needs_of

    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound()
    site_id = session.unit.activity.site_id
    if not works_at_sites(user) or site_id not in staff_site_ids(user, user.role):
        raise NotFound()
    children = db.session.scalars(select(Child).join(Booking, Booking.child_id == Child.id).where(
        Booking.session_id == session.id, Booking.status.in_(PLACE_STATUSES),
        Child.needs_particular_care.is_(True)).order_by(Child.last_name, Child.first_name)).all()
    cards = [card for child in children if (card := _card(user, child, session, needs_of, audit_it=True))]
    return session, cards


def _card(user, child, session, needs_of, audit_it: bool) -> TodayCard | None:
    needs = needs_of(child.id)
    plan = active_version(child.id, session.unit.activity.site_id)
    if needs is None and plan is None:
        return None
    emergency = (plan.emergency_protocol if plan and plan.emergency_protocol else (needs.emergency_protocol if needs else ""))
    diet = " ".join(filter(None, [needs.allergies if needs else "", needs.diet if needs else "",
                                  plan.adapt_meals if plan else ""]))
    helps = " ".join(filter(None, [needs.what_helps if needs else "", plan.adapt_rhythm if plan else ""]))
    medication = plan.medication if plan and plan.medication else (needs.medication if needs else "")
    if audit_it:
        audit(user, child.id, "read", "card", f"session {session.id}")
    return TodayCard(child, emergency, diet, helps, medication)


def register_card_provider(user, session, child_ids):
    """Booking's register-card hook: the short card for each allowed child (each read audited and
    committed)."""
    from app.accounts.access import can
    from app.booking.register_cards import RegisterCard
    from app.inclusion.services import needs_of

    result = {}
    for child in db.session.scalars(select(Child).where(Child.id.in_(child_ids),
                                                        Child.needs_particular_care.is_(True))):
        if not can(user, Action.READ_CARD, (child, session)):
            continue
        card = _card(user, child, session, needs_of, audit_it=True)
        if card is None:
            continue
        lines = tuple((label, text) for label, text in (
            (_("Protocole d'urgence"), card.emergency_protocol), (_("Repas et régime"), card.diet),
            (_("Médicaments"), card.medication), (_("Ce qui aide"), card.what_helps)) if text)
        result[child.id] = [RegisterCard(_("À savoir aujourd'hui"), lines,
                                         f"/inclusion/seances/{session.id}/a-savoir")]
    if result:
        # The register page is a plain read: the trail must be committed here or it would be lost.
        commit()
    return result


def child_alerts(needs) -> list[str]:
    """The short alerts of a child's declared needs (one source for the registers and occasional care's
    day view): a severe allergy (an allergy with a PAI), an allergy, a PAI."""
    if needs is None:
        return []
    allergies = (needs.allergies or "").strip()
    if allergies and needs.has_pai:
        return [_("Allergie sévère (PAI) : %(text)s", text=allergies)]
    alerts = []
    if allergies:
        alerts.append(_("Allergie : %(text)s", text=allergies))
    if needs.has_pai:
        alerts.append(_("PAI : protocole à suivre"))
    return alerts


def alert_provider(user, child_ids, detail):
    """Booking's alert hook: the short alerts of the children `user` cares for today (the caller's access
    rule chose them: a session's register, occasional care's day view), for animators and directors only.
    Each alert shown is a read of health data: it is audited and committed here (the page is a read)."""
    from app.inclusion.models import ChildNeeds

    if not works_at_sites(user) or not child_ids:
        return {}
    result = {}
    for needs in db.session.scalars(select(ChildNeeds).where(ChildNeeds.child_id.in_(child_ids))
                                    .order_by(ChildNeeds.child_id)):
        alerts = child_alerts(needs)
        if alerts:
            result[needs.child_id] = alerts
            audit(user, needs.child_id, "read", "alert", detail)
    if result:
        commit()
    return result


def extra_staff_for_session(session: Session) -> int:
    """Extra animators (renfort) the active plans of the session's children ask for."""
    site_id = session.unit.activity.site_id
    rows = db.session.scalars(
        select(PlanVersion.extra_staff).join(ReceptionPlan)
        .join(Booking, Booking.child_id == ReceptionPlan.child_id)
        .where(Booking.session_id == session.id, Booking.status.in_(PLACE_STATUSES),
               ReceptionPlan.site_id == site_id, PlanVersion.status == PlanStatus.ACTIVE))
    return sum(rows)


def children_with_plan(session: Session) -> int:
    site_id = session.unit.activity.site_id
    return db.session.scalar(
        select(func.count(func.distinct(Booking.child_id))).join(ReceptionPlan, ReceptionPlan.child_id == Booking.child_id)
        .join(PlanVersion, PlanVersion.plan_id == ReceptionPlan.id)
        .where(Booking.session_id == session.id, Booking.status.in_(PLACE_STATUSES),
               ReceptionPlan.site_id == site_id, PlanVersion.status == PlanStatus.ACTIVE)) or 0
