"""The issue's "done when", as a new user would try it: service level, then through HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.accounts.models import Role
from app.booking import register_cards
from app.booking.models import Booking, BookingStatus
from app.errors import NotFound
from app.extensions import db, utcnow
from app.inclusion import adaptation, plans, services
from app.inclusion import cards as cards_module
from app.inclusion.models import AuditEntry, PlanStatus
from app.notifications.models import OutboxMessage
from tests.booking.factories import make_parent_with_child, make_session, make_site, make_staff
from tests.conftest import get_csrf
from tests.factories import make_user
from tests.inclusion.factories import WEDNESDAYS, book, make_morning_unit, make_template

SHORT_STEPS = [{"label": "Une heure avec un parent", "arrival": "09:30", "pickup": "10:30", "with_parent": True},
               {"label": "Une matinée sans repas", "pickup": "11:45"}]


def _world():
    site = make_site()
    make_template(site)
    director = make_staff(site, Role.DIRECTOR, email="directrice@example.fr")
    animator = make_staff(site, Role.ANIMATOR)
    unit = make_morning_unit(site)
    sessions = [make_session(unit, day=day) for day in WEDNESDAYS]
    parent, household, child = make_parent_with_child()
    return site, director, animator, sessions, parent, child


def test_journey_service_level():
    site, director, animator, sessions, parent, child = _world()
    ram = make_user(Role.RAM_STAFF)

    # A parent declares a PAI for a nut allergy and books three Wednesdays.
    services.declare_needs(parent, child.id, needs_particular_care=True, has_pai=True,
                           allergies="Fruits à coque (noix, noisettes)",
                           emergency_protocol="Stylo d'adrénaline dans la trousse PAI, appeler le 15.",
                           what_helps="Le prévenir des changements d'activité.")
    assert child.needs_particular_care is True
    held = [book(parent, child, s) for s in sessions]
    assert [b.status for b in held] == [BookingStatus.PENDING_PREPARATION] * 3  # the places are kept

    # The director is told at once (once, not three times).
    notices = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "inclusion.meeting_proposal")).all()
    assert [m.to_address for m in notices] == [director.email]
    assert plans.preparation_queue(director)[0].first_day == WEDNESDAYS[0]

    # The director proposes a meeting: the family gets the invitation.
    plans.propose_meeting(director, child.id, site.id, starts_at=utcnow() + timedelta(days=3))
    invitation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "inclusion.meeting_invitation"))
    assert invitation.to_address == parent.email
    assert Calendar.from_ical(invitation.attachments[0]["content"])["METHOD"] == "REQUEST"

    # The plan, with an adaptation of two short steps; both acknowledge it.
    version = plans.save_draft(director, child.id, site.id, referent="Inès", emergency_protocol="Adrénaline, 15.",
                               adapt_meals="Panier repas fourni par la famille, aucune noix.")
    adaptation.set_child_steps(director, child.id, site.id, SHORT_STEPS)
    plans.share(director, version.id)
    plans.acknowledge(parent, version.id)
    assert db.session.get(Booking, held[0].id).status is BookingStatus.PENDING_PREPARATION
    plans.acknowledge(director, version.id)
    assert version.status is PlanStatus.ACTIVE
    assert {db.session.get(Booking, b.id).status for b in held} == {BookingStatus.CONFIRMED}

    # The first two days are the short steps.
    schedule = adaptation.schedule(child.id, site.id)
    assert [(s.label, s.day) for s in schedule] == [("Une heure avec un parent", WEDNESDAYS[0]),
                                                     ("Une matinée sans repas", WEDNESDAYS[1])]

    # The animator sees the card in the register (through booking's provider registry).
    cards = register_cards.cards_for(animator, sessions[0], [child.id])
    lines = dict(cards[child.id][0].lines)
    assert "Adrénaline" in lines["Protocole d'urgence"] and "Fruits à coque" in lines["Repas et régime"]
    _session, today = cards_module.today_cards(animator, sessions[0].id)
    assert [c.child.id for c in today] == [child.id]

    # A Relais account cannot open any of it.
    with pytest.raises(NotFound):
        services.read_file(ram, child.id)
    with pytest.raises(NotFound):
        plans.read_version(ram, version.id)
    with pytest.raises(NotFound):
        cards_module.today_cards(ram, sessions[0].id)
    assert register_cards.cards_for(ram, sessions[0], [child.id]) == {}

    # The family sees who read the file.
    services.read_file(director, child.id)
    readers = {(e.actor_id, e.action) for e in services.consultations(parent, child.id)}
    assert (director.id, "read") in readers and (animator.id, "read") in readers
    assert ram.id not in {actor for actor, _a in readers}


def test_journey_through_http(login_as):
    site, director, animator, sessions, parent, child = _world()
    ram = make_user(Role.RAM_STAFF)
    family = login_as(parent)
    token = get_csrf(family, "/accueil")
    response = family.post(f"/inclusion/enfants/{child.id}/besoins", data={
        "csrf_token": token, "needs_particular_care": "yes", "has_pai": "y",
        "allergies": "Fruits à coque", "emergency_protocol": "Adrénaline puis 15", "what_helps": "Un coin calme"})
    assert response.status_code == 302
    page = family.get(f"/inclusion/enfants/{child.id}/besoins").get_data(as_text=True)
    assert "RGPD" in page and "Relais Petite Enfance" in page  # who sees what, and why
    held = [book(parent, child, s) for s in sessions]
    assert {b.status for b in held} == {BookingStatus.PENDING_PREPARATION}
    next_steps = family.get(f"/inclusion/enfants/{child.id}").get_data(as_text=True)
    assert "Ce qui va se passer" in next_steps and "la place est réservée" in next_steps

    office = login_as(director)
    queue = office.get("/inclusion/preparation").get_data(as_text=True)
    assert child.full_name in queue and WEDNESDAYS[0].strftime("%d/%m/%Y") in queue
    token = get_csrf(office, "/accueil")
    start = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    response = office.post(f"/inclusion/enfants/{child.id}/accueils/{site.id}/rencontre",
                           data={"csrf_token": token, "starts_at": start, "duration": "60", "location": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "inclusion.meeting_invitation"))
    response = office.post(f"/inclusion/enfants/{child.id}/accueils/{site.id}/projet", data={
        "csrf_token": token, "referent": "Inès", "emergency_protocol": "Adrénaline puis 15",
        "adapt_meals": "Sans fruits à coque", "extra_staff": "0", "extra_staff_hours": "0"})
    assert response.status_code == 302
    version_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = office.post(f"/inclusion/enfants/{child.id}/accueils/{site.id}/adaptation", data={
        "csrf_token": token, "steps-0-title": "Une heure avec un parent", "steps-0-arrival": "09:30",
        "steps-0-pickup": "10:30", "steps-0-with_parent": "y", "steps-1-title": "Une matinée sans repas",
        "steps-1-pickup": "11:45"})
    assert response.status_code == 302
    assert office.post(f"/inclusion/projets/{version_id}/partager", data={"csrf_token": token}).status_code == 302
    token = get_csrf(family, "/accueil")
    assert family.post(f"/inclusion/projets/{version_id}/accuse", data={"csrf_token": token}).status_code == 302
    token = get_csrf(office, "/accueil")
    assert office.post(f"/inclusion/projets/{version_id}/accuse", data={"csrf_token": token}).status_code == 302
    assert {db.session.get(Booking, b.id).status for b in held} == {BookingStatus.CONFIRMED}

    file_page = family.get(f"/inclusion/enfants/{child.id}").get_data(as_text=True)
    assert "mercredi 18 mars 2026" in file_page and "Une heure avec un parent" in file_page

    card = login_as(animator).get(f"/inclusion/seances/{sessions[0].id}/a-savoir")
    assert card.status_code == 200 and "Adrénaline puis 15" in card.get_data(as_text=True)

    relais = login_as(ram)
    for url in (f"/inclusion/enfants/{child.id}", f"/inclusion/projets/{version_id}",
                f"/inclusion/seances/{sessions[0].id}/a-savoir", "/inclusion/preparation"):
        assert relais.get(url).status_code in (403, 404), url

    trail = family.get(f"/inclusion/enfants/{child.id}/consultations").get_data(as_text=True)
    assert director.display_name in trail and animator.display_name in trail
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.actor_id == animator.id,
                                                         AuditEntry.target == "card"))
