"""Issue #17 item 5: a household invitation is bound to the invited address, verified.

The reported attack: an outsider who obtained a link sent to another address redeemed it,
joined the household and read the children's health file.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app import rules
from app.extensions import db
from app.families import invitations
from app.families.invitations import EmailNotVerified, InvitationForAnotherAddress, TooManyInvitations
from app.families.models import HouseholdInvitation, HouseholdMember
from app.notifications.models import OutboxMessage
from tests.conftest import get_csrf
from tests.families.factories import guardian, make_family, make_parent

INVITED = "yann.cayrou@example.fr"


def _members(household) -> int:
    return db.session.scalar(select(func.count()).select_from(HouseholdMember)
                             .where(HouseholdMember.household_id == household.id))


def test_an_outsider_with_the_link_can_neither_join_nor_read_the_childrens_file(login_as):
    from tests.inclusion.factories import make_needs

    household = make_family("Martin")
    child = household.children[0]
    make_needs(child, allergies="Arachide : stylo d'adrénaline dans le sac")
    db.session.commit()
    first = login_as(guardian(household))
    first.post("/foyer/invitation", data={"csrf_token": get_csrf(first, "/foyer/invitation"), "email": INVITED})
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "families.invitation"))
    path = re.search(r"https?://\S+?(/foyer/rejoindre/\S+)", message.body_text).group(1)

    outsider = login_as(make_parent(email="curieux@example.fr", first_name="Max", last_name="Dehors"))
    page = outsider.get(path)
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "autre adresse e-mail" in html
    assert "Foyer Martin" not in html and "Camille" not in html  # nothing of the household is shown
    response = outsider.post(path, data={"csrf_token": get_csrf(outsider, "/accueil"),
                                         "relationship_to_children": "père"})
    assert response.status_code == 403
    code = path.rsplit("/", 1)[-1]
    response = outsider.post("/foyer/rejoindre", data={"csrf_token": get_csrf(outsider, "/foyer/rejoindre"),
                                                       "code": code})
    assert response.status_code in (403, 422) and "autre adresse e-mail" in response.get_data(as_text=True)
    assert _members(household) == 1
    assert outsider.get(f"/inclusion/enfants/{child.id}").status_code in (403, 404)
    assert "adrénaline" not in outsider.get(f"/inclusion/enfants/{child.id}").get_data(as_text=True)
    # The invitation is still there for the right person.
    invited = login_as(make_parent(email=INVITED.upper(), first_name="Yann", last_name="Cayrou"))
    assert "Foyer Martin" in invited.get(path).get_data(as_text=True)
    assert invited.post(path, data={"csrf_token": get_csrf(invited, "/accueil")}).status_code == 302
    assert invited.get(f"/inclusion/enfants/{child.id}").status_code == 200


def test_an_unverified_account_with_the_invited_address_cannot_redeem():
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), INVITED)
    squatter = make_parent(email=INVITED)
    squatter.email_verified_at = None  # registered with someone else's address, never confirmed
    db.session.commit()
    with pytest.raises(EmailNotVerified):
        invitations.check_invitation(token, for_user=squatter)
    with pytest.raises(EmailNotVerified):
        invitations.redeem_invitation(squatter, token)
    assert _members(household) == 1


def test_an_invitation_needs_an_address_and_a_verified_inviter():
    household = make_family()
    with pytest.raises(Exception) as error:
        invitations.create_invitation(guardian(household), "")
    assert error.value.field == "email"
    inviter = guardian(household)
    inviter.email_verified_at = None
    db.session.commit()
    with pytest.raises(EmailNotVerified):
        invitations.create_invitation(inviter, INVITED)
    assert db.session.scalar(select(func.count()).select_from(HouseholdInvitation)) == 0


def test_invitations_per_household_per_day_are_limited_by_a_dated_rule():
    household = make_family()
    first = guardian(household)
    # 23:30 in Paris on 30 March 2026 (summer time): 21:30 UTC.
    with time_machine.travel(datetime(2026, 3, 30, 21, 30, tzinfo=UTC), tick=False):
        for n in range(3):
            invitations.create_invitation(first, f"p{n}@example.fr")
        with pytest.raises(TooManyInvitations) as error:
            invitations.create_invitation(first, "p9@example.fr")
        assert "3 invitations aujourd'hui" in error.value.message
    # Past midnight in Paris (22:00 UTC), a new day.
    with time_machine.travel(datetime(2026, 3, 30, 22, 0, 1, tzinfo=UTC), tick=False):
        invitations.create_invitation(first, "p9@example.fr")
        rules.set_value("families.invitations_per_day", 1, valid_from=datetime(2026, 3, 31).date(), note="test")
        with pytest.raises(TooManyInvitations):
            invitations.create_invitation(first, "p10@example.fr")


def test_the_invitation_email_carries_no_sender_text_unescaped():
    household = make_family()
    household.name = "Foyer <b>Martin</b>\nhttps://evil.example/gagner"
    first = guardian(household)
    first.first_name = "Camille\r\nBcc: everyone@example.fr"
    first.last_name = "<a href='http://evil.example'>clic</a>"
    db.session.commit()
    invitations.create_invitation(first, INVITED)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "families.invitation"))
    everything = message.subject + message.body_text + (message.body_html or "")
    assert "evil.example" not in everything
    assert "<a href='http" not in everything and "<b>" not in everything
    assert "\nBcc:" not in everything and "Bcc: everyone" in message.body_text  # quoted on one line, inert
    assert first.email in message.body_text  # the verified address of the inviter is named


def test_registration_then_confirmation_then_join(client, make_client):
    """The whole journey of the invited parent: register with the invited address, confirm it, join."""
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), INVITED)
    password = "Quercy-Vignes-Ete-2026"
    client.post("/inscription", data={"first_name": "Yann", "last_name": "Cayrou", "email": INVITED, "phone": "",
                                      "password": password, "password_confirm": password,
                                      "csrf_token": get_csrf(client, "/inscription")})
    from app.accounts.services import find_user_by_email

    new = find_user_by_email(INVITED)
    with pytest.raises(EmailNotVerified):
        invitations.redeem_invitation(new, token)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.verify_email"))
    path = re.search(r"https?://\S+?(/inscription/confirmer/\S+)", message.body_text).group(1)
    client.post(path, data={"csrf_token": get_csrf(client, path)})
    response = client.post(f"/foyer/rejoindre/{token}", data={"csrf_token": get_csrf(client, "/accueil")})
    assert response.status_code == 302
    assert _members(household) == 2


def test_wrong_address_error_is_a_refusal_not_a_conflict():
    assert InvitationForAnotherAddress().http_status == 403
