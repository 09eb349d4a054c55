"""Desk mode (issue 19): a staff member acts for a family present, with its consent, through the
family's own booking rules; the family sees it in its history."""
from __future__ import annotations

import re

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.booking.models import Booking, BookingStatus
from app.desk import services as desk
from app.desk.models import DeskAction
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.families import services as families
from app.families.models import Household
from app.notifications.models import OutboxMessage
from tests.booking.factories import NOW, make_parent_with_child, make_session, make_site, make_staff, make_unit
from tests.conftest import get_csrf
from tests.factories import make_commune, make_user

YES = desk.Consent("Marie Dupont", True)


def _guardian(**kw):
    values = {"first_name": "Marie", "last_name": "Dupont", "email": "", "phone": ""}
    values.update(kw)
    return families.GuardianData(**values)


def _household_data():
    make_commune()
    return families.HouseholdData(address="3 place de l'Église", commune_insee="46042")


# ---------------------------------------------------------------- the right

@pytest.mark.parametrize("role", [Role.PARENT, Role.ANIMATOR, Role.DIRECTOR, Role.CHILDMINDER])
def test_without_the_desk_right_every_use_case_is_refused(role):
    staff = make_user(role)
    parent, household, child = make_parent_with_child()
    session = make_session()
    with pytest.raises(Forbidden):
        desk.search(staff, "Martin")
    with pytest.raises(Forbidden):
        desk.open_household(staff, household.id, "fs_catus")
    with pytest.raises(Forbidden):
        desk.book(staff, "fs_catus", household.id, [(child.id, session.id)], YES, now=NOW)
    with pytest.raises(Forbidden):
        desk.create_household(staff, "fs_catus", _guardian(), _household_data(), YES)
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    assert db.session.scalar(select(func.count(DeskAction.id))) == 0


@pytest.mark.parametrize("role", [Role.ANIMATOR, Role.DIRECTOR, Role.PARENT])
def test_desk_pages_answer_403_without_the_right(login_as, role):
    client = login_as(make_user(role))
    assert client.get("/guichet").status_code == 403
    assert client.get("/guichet/nouveau-foyer").status_code == 403


# ---------------------------------------------------------------- search

def test_search_by_name_email_or_phone_shows_names_only():
    staff = make_user(Role.RAM_STAFF)
    parent, household, child = make_parent_with_child(first_name="Inès")
    parent.phone = "06 12 34 56 78"
    parent.email = "famille.martin@example.fr"
    db.session.commit()
    for query in ("martin", "FAMILLE.MARTIN@", "0612345678", "06 12 34", "Inès"):
        found = desk.search(staff, query)
        assert [h.id for h in found] == [household.id], query
    assert desk.search(staff, "x") == []  # too short to search
    assert desk.search(staff, "inconnu") == []
    entry = desk.search(staff, "martin")[0]
    assert entry.children == ["Inès"] and entry.guardians == ["Camille Martin"]
    assert not hasattr(entry, "needs_particular_care") and not hasattr(entry, "emergency_contacts")


# ---------------------------------------------------------------- consent

def test_consent_is_required_for_every_desk_action():
    staff = make_user(Role.RAM_STAFF)
    parent, household, child = make_parent_with_child()
    session = make_session()
    for consent in (desk.Consent("Marie Dupont", False), desk.Consent("  ", True)):
        with pytest.raises(ValidationFailed):
            desk.book(staff, "fs_catus", household.id, [(child.id, session.id)], consent, now=NOW)
        with pytest.raises(ValidationFailed):
            desk.create_household(staff, "fs_catus", _guardian(), _household_data(), consent)
        with pytest.raises(ValidationFailed):
            desk.add_child(staff, "fs_catus", household.id, families.ChildData("Lou", "Martin", None), consent)
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    assert db.session.scalar(select(func.count(Household.id))) == 1
    assert db.session.scalar(select(func.count(DeskAction.id))) == 0


def test_unknown_desk_is_refused():
    staff = make_user(Role.ADMIN)
    parent, household, child = make_parent_with_child()
    with pytest.raises(ValidationFailed):
        desk.open_household(staff, household.id, "ailleurs")


# ---------------------------------------------------------------- booking and cancelling

def test_desk_books_through_the_engine_and_the_family_sees_it():
    staff = make_user(Role.RAM_STAFF, first_name="Sophie", last_name="Agent")
    parent, household, child = make_parent_with_child(first_name="Léo")
    session = make_session()
    result = desk.book(staff, "fs_catus", household.id, [(child.id, session.id)], YES, now=NOW)
    assert [item.status for item in result.items] == ["confirmed"]
    booking = db.session.get(Booking, result.items[0].booking_id)
    assert booking.booked_by_id == staff.id
    # The family's own e-mail, as if it had booked itself.
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking.submitted"))
    assert mail.to_address == parent.email
    action = db.session.scalar(select(DeskAction))
    assert (action.kind, action.staff_id, action.household_id, action.desk) == ("booked", staff.id, household.id,
                                                                                  "fs_catus")
    assert action.consent_given_by == "Marie Dupont" and action.consented_at is not None
    assert "réserve" in action.consent_text and "Léo" in action.summary
    history = desk.history_for_family(parent)
    assert len(history) == 1
    assert history[0].text.startswith("Réservé par l'accueil France Services de Catus, avec votre accord, le ")
    assert "Léo" in history[0].details[0]
    # Another family sees nothing of it.
    other, _h, _c = make_parent_with_child()
    assert desk.history_for_family(other) == []


def test_desk_booking_follows_the_same_rules_as_the_family():
    staff = make_user(Role.ADMIN)
    parent, household, child = make_parent_with_child()
    full = make_session(under6=0, over6=0)
    result = desk.book(staff, "relais", household.id, [(child.id, full.id)], YES, now=NOW)
    parent_result_item = result.items[0]
    assert parent_result_item.status in ("waitlisted", "refused")
    # The same submission by the family gives the same answer (one engine, no copy of the rules).
    other_parent, other_household, other_child = make_parent_with_child()
    from app.booking import services as booking

    own = booking.book(other_parent, [(other_child.id, full.id)], now=NOW).items[0]
    assert own.status == parent_result_item.status


def test_desk_cannot_book_for_a_child_of_another_household():
    staff = make_user(Role.RAM_STAFF)
    parent, household, child = make_parent_with_child()
    _other, other_household, other_child = make_parent_with_child()
    session = make_session()
    with pytest.raises(NotFound):
        desk.book(staff, "fs_catus", household.id, [(other_child.id, session.id)], YES, now=NOW)
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    assert db.session.scalar(select(func.count(DeskAction.id))) == 0


def test_desk_cancels_with_consent_and_the_family_sees_it():
    staff = make_user(Role.RAM_STAFF)
    parent, household, child = make_parent_with_child()
    session = make_session()
    booking_id = desk.book(staff, "fs_saint_gery", household.id, [(child.id, session.id)], YES,
                           now=NOW).items[0].booking_id
    with pytest.raises(ValidationFailed):
        desk.cancel(staff, "fs_saint_gery", household.id, booking_id, desk.Consent("Marie", False), now=NOW)
    assert db.session.get(Booking, booking_id).status is BookingStatus.CONFIRMED
    _other, other_household, _c = make_parent_with_child()
    with pytest.raises(NotFound):  # the booking is not the open household's
        desk.cancel(staff, "fs_saint_gery", other_household.id, booking_id, YES, now=NOW)
    desk.cancel(staff, "fs_saint_gery", household.id, booking_id, YES, now=NOW)
    assert db.session.get(Booking, booking_id).status is BookingStatus.CANCELLED
    texts = [entry.text for entry in desk.history_for_family(parent)]
    assert texts[0].startswith("Annulé par l'accueil France Services de Saint-Géry-Vers, avec votre accord")
    assert texts[1].startswith("Réservé par l'accueil France Services de Saint-Géry-Vers")


# ---------------------------------------------------------------- creating a household

def test_desk_creates_a_household_with_an_account_and_a_password_link():
    staff = make_user(Role.RAM_STAFF)
    household = desk.create_household(staff, "fs_catus", _guardian(email="Marie.Dupont@example.fr",
                                                                   phone="0612345678"), _household_data(), YES)
    user = db.session.scalar(select(User).where(User.email == "marie.dupont@example.fr"))
    assert user.role is Role.PARENT and user.email_verified_at is None and user.phone == "06 12 34 56 78"
    assert [m.user_id for m in household.members] == [user.id]
    assert household.commune_insee is None  # the declared commune waits for an administrator's check
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.desk_welcome"))
    assert mail.to_address == user.email and re.search(r"/reinitialiser/\S+", mail.body_text)
    child = desk.add_child(staff, "fs_catus", household.id, families.ChildData(
        "Lou", "Dupont", NOW.date().replace(year=2019)), YES)
    assert child.household_id == household.id
    kinds = [a.kind for a in db.session.scalars(select(DeskAction).order_by(DeskAction.id))]
    assert kinds == ["household_created", "child_added"]
    history = desk.history_for_family(user)
    assert history[0].text.startswith("Enfant ajouté par l'accueil France Services de Catus")
    assert history[1].text.startswith("Foyer créé par l'accueil France Services de Catus")


def test_desk_creates_a_household_without_email():
    staff = make_user(Role.ADMIN)
    household = desk.create_household(staff, "relais", _guardian(), _household_data(), YES)
    assert household.members == [] and household.name == "Foyer Dupont"
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_an_email_already_used_writes_nothing():
    staff = make_user(Role.RAM_STAFF)
    make_user(Role.PARENT, email="pris@example.fr")
    with pytest.raises(Exception) as taken:
        desk.create_household(staff, "fs_catus", _guardian(email="pris@example.fr"), _household_data(), YES)
    assert taken.value.code == "email_taken"
    assert db.session.scalar(select(func.count(Household.id))) == 0
    assert db.session.scalar(select(func.count(DeskAction.id))) == 0


# ---------------------------------------------------------------- pages

@time_machine.travel(NOW, tick=False)
def test_desk_journey_through_the_pages(login_as):
    staff = make_user(Role.RAM_STAFF)
    parent, household, child = make_parent_with_child(first_name="Léo")
    site = make_site()
    session = make_session(make_unit())
    client = login_as(staff)
    page = client.get("/guichet?q=martin&desk=fs_catus").get_data(as_text=True)
    assert "Foyers trouvés" in page and "Léo" in page
    token = get_csrf(client, "/guichet?q=martin")
    response = client.post("/guichet/ouvrir", data={"csrf_token": token, "household_id": household.id,
                                                    "desk": "fs_catus"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/guichet/foyer")
    page = client.get("/guichet/foyer").get_data(as_text=True)
    assert "France Services de Catus" in page and "Léo" in page
    url = f"/guichet/foyer/reserver?site={site.id}&month=2026-03"
    page = client.get(url).get_data(as_text=True)
    assert f'value="{session.id}"' in page
    form = {"csrf_token": get_csrf(client, url), "child_id": str(child.id), "session": [str(session.id)],
            "consent_given_by": "Camille Martin", "submission_key": "k1"}
    refused = client.post(url, data=form)  # no consent box
    assert refused.status_code == 422 and "accord" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    done = client.post(url, data={**form, "consent": "y"})
    assert done.status_code == 200 and "Confirmée" in done.get_data(as_text=True)
    booking = db.session.scalar(select(Booking))
    cancel_url = f"/guichet/foyer/annuler/{booking.id}"
    assert client.get(cancel_url).status_code == 200
    response = client.post(cancel_url, data={"csrf_token": get_csrf(client, cancel_url), "consent": "y",
                                             "consent_given_by": "Camille Martin"})
    assert response.status_code == 302
    assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED
    # Ending the desk session hides the household.
    client.post("/guichet/terminer", data={"csrf_token": get_csrf(client, "/guichet/foyer")})
    assert client.get("/guichet/foyer").status_code == 302
    # The family reads what was done for it.
    family = login_as(parent)
    assert "/foyer/aides-de-l-accueil" in family.get("/foyer/").get_data(as_text=True)
    history = family.get("/foyer/aides-de-l-accueil").get_data(as_text=True)
    assert "Réservé par l&#39;accueil France Services de Catus, avec votre accord, le" in history
    assert "Annulé par l&#39;accueil France Services de Catus" in history


@time_machine.travel(NOW, tick=False)
def test_desk_session_of_another_staff_member_is_not_reused(login_as):
    staff = make_user(Role.RAM_STAFF)
    client = login_as(staff)
    assert client.get("/guichet/foyer").status_code == 302  # nothing opened yet
    assert client.get("/guichet/foyer/reserver").status_code == 302


def test_staff_at_a_site_is_not_given_the_desk(login_as):
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    assert login_as(director).get("/guichet/foyer").status_code == 403
