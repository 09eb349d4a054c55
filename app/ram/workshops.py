"""Workshops (ateliers d'éveil): creation by a relais's staff, registrations by childminders, iCalendar.

Each public function commits once. Capacity counts the children and the
adults (one per registration); it is checked with the workshop row locked.
"""
from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.notifications import ical
from app.ram import access as perm
from app.ram.models import Relais, Workshop, WorkshopRegistration
from app.ram.services import childminder_of, today_local
from app.transactions import use_case

PARIS = clock.PARIS
MAX_CHILDREN_BROUGHT = 6


class WorkshopFull(Conflict):
    code = "workshop_full"


def list_workshops(*, relais_id: int | None = None, upcoming_only: bool = True) -> list[Workshop]:
    query = select(Workshop).options(selectinload(Workshop.relais), selectinload(Workshop.registrations)).order_by(
        Workshop.day, Workshop.start_time)
    if relais_id:
        query = query.where(Workshop.relais_id == relais_id)
    if upcoming_only:
        query = query.where(Workshop.day >= today_local())
    return list(db.session.scalars(query))


def get_workshop(workshop_id: int) -> Workshop:
    workshop = db.session.scalar(select(Workshop).where(Workshop.id == workshop_id).options(
        selectinload(Workshop.relais), selectinload(Workshop.registrations)))
    if workshop is None:
        raise NotFound()
    return workshop


@use_case
def create_workshop(user: User, *, relais_id: int, theme: str, day: date, start_time: time, end_time: time,
                    place: str, capacity: int, description: str = "") -> Workshop:
    """Create a workshop of one of the staff member's relais. Raises Forbidden, ValidationFailed."""
    require(user, perm.Action.MANAGE_WORKSHOP, relais_id)
    if db.session.get(Relais, relais_id) is None:
        raise ValidationFailed(_("Relais inconnu."), field="relais_id")
    if end_time <= start_time:
        raise ValidationFailed(_("L'heure de fin doit suivre l'heure de début."), field="end_time")
    if not 2 <= capacity <= 200:
        raise ValidationFailed(_("Le nombre de places (enfants et adultes) va de 2 à 200."), field="capacity")
    if day < today_local():
        raise ValidationFailed(_("La date est passée."), field="day")
    workshop = Workshop(relais_id=relais_id, theme=theme.strip(), day=day, start_time=start_time,
                        end_time=end_time, place=place.strip(), capacity=capacity, description=description.strip())
    db.session.add(workshop)
    return workshop


def _lock(workshop_id: int) -> Workshop:
    workshop = db.session.scalar(select(Workshop).where(Workshop.id == workshop_id).with_for_update())
    if workshop is None:
        raise NotFound()
    db.session.refresh(workshop)
    return workshop


@use_case
def register(user: User, workshop_id: int, children: list[str]) -> WorkshopRegistration:
    """Register the childminder with the children they bring (first names).

    Raises Forbidden (not a childminder), NotFound, Conflict (past, cancelled,
    already registered), WorkshopFull (children + adult beyond the capacity).
    """
    require(user, perm.Action.REGISTER_WORKSHOP)
    childminder = childminder_of(user)
    children = [c.strip()[:100] for c in children if c and c.strip()]
    if len(children) > MAX_CHILDREN_BROUGHT:
        raise ValidationFailed(_("Au plus %(n)d enfants par inscription.", n=MAX_CHILDREN_BROUGHT),
                               field="children")
    workshop = _lock(workshop_id)
    if workshop.cancelled or workshop.day < today_local():
        raise Conflict(_("Les inscriptions à cet atelier sont closes."))
    if any(r.childminder_id == childminder.id for r in workshop.registrations):
        raise Conflict(_("Vous êtes déjà inscrite à cet atelier."), code="already_registered")
    wanted = 1 + len(children)
    if workshop.persons_registered + wanted > workshop.capacity:
        raise WorkshopFull(ngettext("Il reste %(num)d place (enfants et adultes comptés) : il en faut %(n)d.",
                                      "Il reste %(num)d places (enfants et adultes comptés) : il en faut %(n)d.",
                                      workshop.places_left, n=wanted))
    registration = WorkshopRegistration(workshop=workshop, childminder_id=childminder.id, children=children)
    db.session.add(registration)
    return registration


@use_case
def cancel_registration(user: User, workshop_id: int) -> None:
    """Withdraw the childminder's registration; the places free at once. Raises NotFound."""
    require(user, perm.Action.REGISTER_WORKSHOP)
    childminder = childminder_of(user)
    workshop = _lock(workshop_id)
    registration = next((r for r in workshop.registrations if r.childminder_id == childminder.id), None)
    if registration is None:
        raise NotFound()
    db.session.delete(registration)


def ical_feed(relais_id: int) -> bytes:
    """The relais's workshops (from 60 days ago) as an iCalendar feed. Raises NotFound."""
    relais = db.session.get(Relais, relais_id)
    if relais is None:
        raise NotFound()
    calendar = ical.new_calendar(f"Ateliers – {relais.name}")
    since = date.fromordinal(today_local().toordinal() - 60)
    workshops = db.session.scalars(select(Workshop).where(Workshop.relais_id == relais_id, Workshop.day >= since)
                                   .order_by(Workshop.day, Workshop.start_time))
    for workshop in workshops:
        calendar.add_component(ical.new_event(
            uid=ical.uid("workshop", workshop.id), summary=workshop.theme + (" (annulé)" if workshop.cancelled else ""),
            start=clock.to_utc(datetime.combine(workshop.day, workshop.start_time)),
            end=clock.to_utc(datetime.combine(workshop.day, workshop.end_time)),
            stamp=workshop.updated_at, sequence=workshop.sequence, location=workshop.place,
            description=workshop.description or None,
            status="CANCELLED" if workshop.cancelled else "CONFIRMED"))
    return ical.to_bytes(calendar)
