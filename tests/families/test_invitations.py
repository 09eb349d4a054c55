"""Inviting a second guardian: valid, expired, used, revoked, forged, already in a household, full."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from app.accounts.models import Role
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families import invitations, services
from app.families.invitations import (
    AlreadyInHousehold,
    HouseholdFull,
    InvalidInvitation,
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationRevoked,
    InvitationUsed,
)
from app.families.models import HouseholdInvitation, HouseholdMember
from app.notifications.models import OutboxMessage
from tests.families.factories import guardian, make_family, make_parent, make_user

JOINER = "second.parent@example.fr"


def members(household) -> int:
    return db.session.scalar(select(func.count()).select_from(HouseholdMember)
                             .where(HouseholdMember.household_id == household.id))


def test_valid_invitation_joins_the_household_and_tells_the_first_guardian():
    household = make_family()
    first = guardian(household)
    second = make_parent(first_name="Yann", last_name="Cayrou", email=JOINER)
    invitation, token = invitations.create_invitation(first, JOINER)
    assert invitations.pending_invitation(first).id == invitation.id
    joined = invitations.redeem_invitation(second, token, "père")
    assert joined.id == household.id and members(household) == 2
    assert services.household_of(second).id == household.id
    # The new guardian now sees the children, like the first one.
    assert services.get_child_for_guardian(second, household.children[0].id)
    db.session.expire_all()
    invitation = db.session.get(HouseholdInvitation, invitation.id)
    assert invitation.used_at is not None and invitation.used_by_user_id == second.id
    assert invitations.pending_invitation(first) is None
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "families.guardian_joined"))
    assert message.to_address == first.email
    assert "Yann Cayrou" in message.body_text and "/foyer/" in message.body_text


def test_invitation_by_email_queues_the_link():
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), " Yann.Cayrou@Example.fr ")
    assert invitation.invited_email == "yann.cayrou@example.fr"
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "families.invitation"))
    assert message.to_address == "yann.cayrou@example.fr"
    assert invitations.invitation_path(token) in message.body_text
    assert "Pourquoi ce message" in message.body_text


@pytest.mark.parametrize("email, message", [
    ("pas-une-adresse", "adresse e-mail valide"),
    ("x" * 250 + "@a.fr", "adresse e-mail valide"),
])
def test_invitation_refuses_bad_addresses(email, message):
    household = make_family()
    with pytest.raises(ValidationFailed) as error:
        invitations.create_invitation(guardian(household), email)
    assert message in error.value.message and error.value.field == "email"
    assert db.session.scalar(select(func.count()).select_from(HouseholdInvitation)) == 0


def test_invitation_refuses_the_guardians_own_address():
    household = make_family()
    with pytest.raises(ValidationFailed) as error:
        invitations.create_invitation(guardian(household), guardian(household).email.upper())
    assert "déjà membre du foyer" in error.value.message


def test_invitation_needs_a_household():
    with pytest.raises(services.NoHousehold):
        invitations.create_invitation(make_parent())


def test_expired_invitation_is_refused():
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), JOINER)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    second = make_parent()
    with pytest.raises(InvitationExpired) as error:
        invitations.redeem_invitation(second, token)
    assert "a expiré" in error.value.message
    assert members(household) == 1


def test_token_older_than_the_maximum_age_is_expired(monkeypatch):
    household = make_family()
    week_ago = int(time.time()) - invitations.DEFAULT_INVITATION_MAX_AGE - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: week_ago)
    _invitation, token = invitations.create_invitation(guardian(household), JOINER)
    monkeypatch.undo()
    with pytest.raises(InvitationExpired):
        invitations.check_invitation(token)


def test_used_invitation_is_refused_to_a_second_account():
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), JOINER)
    invitations.redeem_invitation(make_parent(email=JOINER), token)
    latecomer = make_parent()
    with pytest.raises(InvitationUsed) as error:
        invitations.redeem_invitation(latecomer, token)
    assert "déjà été utilisée" in error.value.message
    assert services.household_of(latecomer) is None


def test_parent_already_in_a_household_cannot_join_another():
    household = make_family()
    other = make_family("Durand")
    invitation, token = invitations.create_invitation(guardian(household), guardian(other).email)
    with pytest.raises(AlreadyInHousehold) as error:
        invitations.redeem_invitation(guardian(other), token)
    assert "déjà rattaché à un foyer" in error.value.message
    db.session.expire_all()
    assert db.session.get(HouseholdInvitation, invitation.id).used_at is None
    assert services.household_of(guardian(other)).id == other.id


def test_a_guardian_cannot_redeem_their_own_invitation():
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), JOINER)
    with pytest.raises((AlreadyInHousehold, InvitationForAnotherAddress)):
        invitations.redeem_invitation(guardian(household), token)


def test_new_invitation_revokes_the_previous_one():
    household = make_family()
    _first, old_token = invitations.create_invitation(guardian(household), JOINER)
    second, new_token = invitations.create_invitation(guardian(household), JOINER)
    with pytest.raises(InvitationRevoked) as error:
        invitations.check_invitation(old_token)
    assert "annulée" in error.value.message
    assert invitations.check_invitation(new_token).id == second.id


def test_revoke_invitation():
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), JOINER)
    invitations.revoke_invitation(guardian(household), invitation.id)
    with pytest.raises(InvitationRevoked):
        invitations.redeem_invitation(make_parent(email=JOINER), token)


def test_revoking_another_households_invitation_is_not_found():
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), JOINER)
    with pytest.raises(NotFound):
        invitations.revoke_invitation(guardian(make_family("Durand")), invitation.id)
    assert invitations.check_invitation(token).id == invitation.id


@pytest.mark.parametrize("token", ["", "n-importe-quoi", "eyJpIjoxfQ.forged.signature"])
def test_forged_tokens_are_invalid(token):
    with pytest.raises(InvalidInvitation) as error:
        invitations.check_invitation(token)
    assert error.value.code == "invalid_invitation"
    assert "n'est pas valide" in error.value.message


def test_token_whose_nonce_does_not_match_is_invalid():
    household = make_family()
    invitation, _token = invitations.create_invitation(guardian(household), JOINER)
    forged = invitations._serializer().dumps({"i": invitation.id, "n": "0" * 32})
    with pytest.raises(InvalidInvitation):
        invitations.check_invitation(forged)


def test_a_pasted_link_is_accepted_as_code():
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), JOINER)
    assert invitations.check_invitation(" " + invitations.invitation_url(token) + " ").id == invitation.id


def test_household_is_limited_to_two_guardians():
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), JOINER)
    invitations.redeem_invitation(make_parent(email=JOINER), token)
    with pytest.raises(HouseholdFull) as error:
        invitations.create_invitation(guardian(household), JOINER)
    assert "déjà 2 responsables" in error.value.message


def test_redeem_refused_when_household_filled_meanwhile():
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), JOINER)
    # Another guardian joined by some other route (e.g. the service desk).
    db.session.add(HouseholdMember(household_id=household.id, user_id=make_parent().id))
    db.session.commit()
    with pytest.raises(HouseholdFull):
        invitations.redeem_invitation(make_parent(email=JOINER), token)


def test_staff_cannot_redeem_an_invitation():
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), JOINER)
    with pytest.raises(Forbidden):
        invitations.redeem_invitation(make_user(Role.ANIMATOR), token)


def test_a_failure_while_inviting_writes_nothing(monkeypatch):
    household = make_family()
    first, first_token = invitations.create_invitation(guardian(household), JOINER)

    def broken_notify(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(invitations, "notify", broken_notify)
    with pytest.raises(RuntimeError):
        invitations.create_invitation(guardian(household), "yann@example.fr")
    # Neither the new invitation nor the revocation of the previous one was kept.
    assert db.session.scalar(select(func.count()).select_from(HouseholdInvitation)) == 1
    assert invitations.check_invitation(first_token).id == first.id


def test_invitation_path_matches_the_route(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("families.join_with_token", token="abc.def") == invitations.invitation_path("abc.def")


def test_two_accounts_redeeming_at_once_only_one_joins(monkeypatch):
    """The race: both passed check_invitation before either wrote. The conditional
    update lets only the first through (control: without it, both would join)."""
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), JOINER)
    invitations.redeem_invitation(make_parent(email=JOINER), token)
    stale = db.session.get(HouseholdInvitation, invitation.id)
    monkeypatch.setattr(invitations, "check_invitation", lambda _token, for_user=None: stale)
    monkeypatch.setattr(invitations, "max_guardians", lambda: 3)
    with pytest.raises(InvitationUsed):
        invitations.redeem_invitation(make_parent(), token)
    assert members(household) == 2
