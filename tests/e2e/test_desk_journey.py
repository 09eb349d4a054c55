"""Desk journey, and the administrators' accounts page, in Chromium at 390 px: a France Services agent
creates a family's household, adds a child, books and cancels with the family's consent, and ends the desk
session; the family's history says so. Every screen: one h1, no sideways scroll, valid HTML, axe 0 serious/critical."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.booking.models import Booking, BookingStatus
from app.desk.models import DeskAction
from app.extensions import db
from tests.booking.factories import future_wednesday, make_activity, make_session, make_site, make_unit
from tests.browser_support import PHONE, release_db
from tests.e2e.support import check, follow, keyboard_login, no_dialogs
from tests.factories import make_commune, make_user

pytestmark = pytest.mark.browser

J = "desk"


def test_desk_agent_helps_a_family_book_and_cancel(live_server, page_factory):
    make_commune()
    agent = make_user(Role.RAM_STAFF, first_name="Sophie", last_name="Guichet")
    site = make_site("Accueil de loisirs de Catus")
    day = future_wednesday(3)
    session = make_session(make_unit(make_activity(site)), day=day)
    # Ids read now: touching an expired object later would open a transaction (SQLite's write lock)
    # that the server needs.
    site_id, session_id, agent_id, agent_email = site.id, session.id, agent.id, agent.email
    page = page_factory(PHONE)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, agent_email)
    follow(page, page.get_by_role("link", name="Accueil des familles").first)
    check(page, J, "phone", "start")
    page.select_option("#desk-desk", "fs_catus")
    page.fill("#desk-q", "Dupont")
    follow(page, page.get_by_role("button", name="Chercher"))
    assert "Aucun foyer ne correspond" in page.inner_text("main")
    check(page, J, "phone", "search-none")
    follow(page, page.get_by_role("link", name="Créer le foyer d'une nouvelle famille"))
    check(page, J, "phone", "new-household")
    page.fill("#first_name", "Marie")
    page.fill("#last_name", "Dupont")
    page.fill("#address", "3 place de l'Église")
    page.select_option("#commune_insee", "46042")
    page.fill("#consent_given_by", "Marie Dupont")
    # Without the consent box, nothing is created.
    follow(page, page.get_by_role("button", name="Créer le foyer"))
    assert "accord" in page.inner_text(".error-summary")
    check(page, J, "phone", "new-household-no-consent")
    page.check("#consent")
    follow(page, page.get_by_role("button", name="Créer le foyer"))
    assert "Le foyer est créé" in page.inner_text("main")
    check(page, J, "phone", "household")
    follow(page, page.get_by_role("link", name="Ajouter un enfant"))
    page.fill("#first_name", "Lou")
    page.fill("#last_name", "Dupont")
    page.fill("#birth_date", "2018-05-14")
    page.fill("#consent_given_by", "Marie Dupont")
    page.check("#consent")
    check(page, J, "phone", "child")
    follow(page, page.get_by_role("button", name="Ajouter l'enfant"))
    follow(page, page.get_by_role("button", name="Réserver pour la famille"))
    page.select_option("#desk-site", str(site_id))
    page.fill("#desk-month", day.strftime("%Y-%m"))
    follow(page, page.get_by_role("button", name="Voir les séances"))
    check(page, J, "phone", "book")
    page.locator(f"#session-{session_id}").check()
    page.fill("#consent_given_by", "Marie Dupont")
    page.check("#consent")
    follow(page, page.get_by_role("button", name="Réserver", exact=True))
    assert "Confirmée" in page.inner_text("main")
    check(page, J, "phone", "booked")
    follow(page, page.get_by_role("link", name="Retour au foyer").first)
    follow(page, page.get_by_role("link", name="Annuler", exact=False).first)
    check(page, J, "phone", "cancel")
    page.fill("#consent_given_by", "Marie Dupont")
    page.check("#consent")
    follow(page, page.get_by_role("button", name="Annuler la réservation"))
    assert "La réservation est annulée" in page.inner_text("main")
    follow(page, page.get_by_role("button", name="Terminer l'accueil de cette famille"))
    assert "terminé" in page.inner_text("main")
    check(page, J, "phone", "ended")
    assert dialogs == []
    release_db()
    db.session.expire_all()
    booking = db.session.scalar(select(Booking))
    assert booking.status is BookingStatus.CANCELLED and booking.booked_by_id == agent_id
    kinds = [a.kind for a in db.session.scalars(select(DeskAction).order_by(DeskAction.id))]
    assert kinds == ["household_created", "child_added", "booked", "cancelled"]


def test_administrator_finds_an_account_edits_it_and_sends_a_reset_link(live_server, page_factory):
    boss = make_user(Role.ADMIN, first_name="Aude", last_name="Admin")
    make_site("Accueil de loisirs de Saint-Géry")
    for n in range(30):
        make_user(Role.PARENT, last_name=f"Famille{n:02d}", commit=False)
    target = make_user(Role.ANIMATOR, first_name="Nina", last_name="Roux", email="nina.roux@example.fr")
    boss_email, target_id = boss.email, target.id
    page = page_factory(PHONE)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, boss_email)
    page.goto(f"{live_server}/admin/comptes")
    check(page, "accounts", "phone", "list")
    page.fill("#account-q", "roux")
    page.select_option("#account-role", "animator")
    follow(page, page.get_by_role("button", name="Rechercher"))
    assert "1 compte trouvé" in page.inner_text("main")
    follow(page, page.get_by_role("link", name="Nina Roux"))
    check(page, "accounts", "phone", "edit")
    page.select_option("#role", "director")
    page.get_by_label("Accueil de loisirs de Saint-Géry").check()
    follow(page, page.get_by_role("button", name="Enregistrer"))
    assert "Le compte est modifié" in page.inner_text("main")
    follow(page, page.get_by_role("button", name="Envoyer un lien de réinitialisation"))
    assert "est envoyé par e-mail" in page.inner_text("main")
    assert "/reinitialiser/" not in page.content()
    check(page, "accounts", "phone", "reset-sent")
    assert dialogs == []
    release_db()
    db.session.expire_all()
    from app.accounts.models import User

    assert db.session.get(User, target_id).role is Role.DIRECTOR
