"""Inviting a second guardian into a household.

A guardian creates an invitation for one e-mail address; its link (or the
code at its end) carries a token signed with the application's secret. Only
an account with that very address, verified (the owner opened a link sent to
it), can redeem it and join the household: a link forwarded to, or
intercepted by, someone else opens nothing, and shows nothing of the
household. The row behind the token makes it expiring
(FAMILIES_INVITATION_MAX_AGE seconds, 7 days by default), single-use and
revocable; a new invitation cancels the previous pending one. Only a guardian
whose own address is verified can invite, and a household sends at most
`families.invitations_per_day` invitations a day (a dated rule).
"""
from __future__ import annotations

import re
import secrets
from datetime import time, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app import clock, rules
from app.accounts.access import require
from app.accounts.models import User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.access import Action
from app.families.models import Household, HouseholdInvitation, HouseholdMember
from app.families.services import _as_id, _commit, household_id_of, require_household, use_case
from app.notifications.outbox import notify

DEFAULT_INVITATION_MAX_AGE = 7 * 24 * 3600
DEFAULT_MAX_GUARDIANS = 2
_SALT = "household-invitation"
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidInvitation(ValidationFailed):
    code = "invalid_invitation"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _("Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet, ou "
                                      "demandez une nouvelle invitation à l'autre parent."), **kwargs)


class InvitationExpired(InvalidInvitation):
    code = "invitation_expired"

    def __init__(self):
        super().__init__(_("Cette invitation a expiré. Demandez à l'autre parent de vous en envoyer une nouvelle "
                           "depuis « Mon foyer »."))


class InvitationUsed(InvalidInvitation):
    code = "invitation_used"

    def __init__(self):
        super().__init__(_("Cette invitation a déjà été utilisée. Une invitation ne sert qu'une fois : "
                           "demandez-en une nouvelle à l'autre parent si besoin."))


class InvitationRevoked(InvalidInvitation):
    code = "invitation_revoked"

    def __init__(self):
        super().__init__(_("Cette invitation a été annulée par le foyer qui l'avait envoyée."))


class AlreadyInHousehold(Conflict):
    code = "already_in_household"

    def __init__(self):
        super().__init__(_("Votre compte est déjà rattaché à un foyer : un compte ne peut appartenir qu'à un "
                           "seul foyer. Si vous devez changer de foyer, contactez le service familles du "
                           "Grand Cahors."))


class HouseholdFull(Conflict):
    code = "household_full"

    def __init__(self, limit: int):
        super().__init__(_("Ce foyer compte déjà %(n)d responsables : il n'est pas possible d'en ajouter un autre.",
                           n=limit))


INVITATIONS_PER_DAY = rules.define(
    "families.invitations_per_day", kind=int, default=3, minimum=1,
    label="Invitations d'un second responsable qu'un foyer peut envoyer par jour",
    source="Délibération du conseil communautaire (protection contre l'envoi d'e-mails en nombre)",
    unit="invitations par jour")


class InvitationForAnotherAddress(Forbidden):
    code = "invitation_for_another_address"

    def __init__(self):
        super().__init__(_("Cette invitation a été envoyée à une autre adresse e-mail que celle de votre compte. "
                           "Elle ne peut être acceptée que par le compte Pitchoun de la personne invitée : "
                           "demandez à l'autre parent de vous inviter avec l'adresse de votre compte."))


class EmailNotVerified(Forbidden):
    code = "email_not_verified"

    def __init__(self):
        super().__init__(_("Confirmez d'abord l'adresse e-mail de votre compte (lien reçu à l'inscription) : "
                           "les invitations entre parents demandent une adresse vérifiée."))


class TooManyInvitations(Conflict):
    code = "too_many_invitations"

    def __init__(self, limit: int):
        super().__init__(_("Votre foyer a déjà envoyé %(n)d invitations aujourd'hui. Réessayez demain.", n=limit),
                         field="email")


def plain_label(text: str, limit: int = 80) -> str:
    """A name typed by a person, made safe to quote in an e-mail to someone else: one line, no
    control characters, short, and nothing a mail client would turn into a link."""
    text = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    text = " ".join(text.split())[:limit]
    text = re.sub(r"(?i)(https?|ftp|javascript|data):/*|www\.|://", "", text)
    text = re.sub(r"(\w)\.(?=[A-Za-z]{2,}\b)", r"\1[.]", text)  # "evil.example" -> "evil[.]example"
    return text.replace("<", "‹").replace(">", "›")


def invitation_max_age() -> int:
    return int(current_app.config.get("FAMILIES_INVITATION_MAX_AGE", DEFAULT_INVITATION_MAX_AGE))


def max_guardians() -> int:
    return int(current_app.config.get("FAMILIES_MAX_GUARDIANS", DEFAULT_MAX_GUARDIANS))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def invitation_token(invitation: HouseholdInvitation) -> str:
    """The signed token of `invitation` (the code a parent types or the end of the link)."""
    return _serializer().dumps({"i": invitation.id, "n": invitation.nonce})


def invitation_path(token: str) -> str:
    """The path of the page that redeems `token` (families.join_with_token)."""
    return f"/foyer/rejoindre/{token}"


def invitation_url(token: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + invitation_path(token)


def _guardian_count(household_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(HouseholdMember)
                             .where(HouseholdMember.household_id == household_id))


def pending_invitation(user: User) -> HouseholdInvitation | None:
    """The invitation of `user`'s household still waiting to be used, if any."""
    household_id = household_id_of(user)
    if household_id is None:
        return None
    return db.session.scalar(
        select(HouseholdInvitation)
        .where(HouseholdInvitation.household_id == household_id, HouseholdInvitation.used_at.is_(None),
               HouseholdInvitation.revoked_at.is_(None), HouseholdInvitation.expires_at > utcnow())
        .order_by(HouseholdInvitation.id.desc()).limit(1))


@use_case
def create_invitation(user: User, email: str = "") -> tuple[HouseholdInvitation, str]:
    """Invite a second guardian; returns the invitation and its token.

    Cancels the household's earlier pending invitation. With an e-mail
    address, queues an e-mail carrying the link (sent after commit). Raises
    NoHousehold, HouseholdFull, ValidationFailed (bad or own address).
    """
    household = require_household(user)
    require(user, Action.INVITE_GUARDIAN, household)
    if user.email_verified_at is None:
        raise EmailNotVerified()
    limit = max_guardians()
    if _guardian_count(household.id) >= limit:
        raise HouseholdFull(limit)
    email = (email or "").strip().lower()
    if not email:
        raise ValidationFailed(_("Saisissez l'adresse e-mail de l'autre parent : seul son compte Pitchoun, "
                                 "à cette adresse, pourra accepter l'invitation."), field="email")
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise ValidationFailed(_("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
                               field="email")
    member_emails = {m.user.email.lower() for m in household.members}
    if email in member_emails:
        raise ValidationFailed(_("Cette adresse est celle d'un responsable déjà membre du foyer."),
                               field="email")
    # Lock the household row: two invitations sent at once count one after the other.
    db.session.scalar(select(Household.id).where(Household.id == household.id).with_for_update())
    today = clock.today()
    per_day = INVITATIONS_PER_DAY.value(on=today)
    sent_today = db.session.scalar(
        select(func.count()).select_from(HouseholdInvitation)
        .where(HouseholdInvitation.household_id == household.id,
               HouseholdInvitation.created_at >= clock.at_paris(today, time(0))))
    if sent_today >= per_day:
        raise TooManyInvitations(per_day)
    now = utcnow()
    db.session.execute(
        update(HouseholdInvitation)
        .where(HouseholdInvitation.household_id == household.id, HouseholdInvitation.used_at.is_(None),
               HouseholdInvitation.revoked_at.is_(None))
        .values(revoked_at=now))
    invitation = HouseholdInvitation(household_id=household.id, nonce=secrets.token_hex(16), invited_email=email,
                                     created_by_user_id=user.id, created_at=now,
                                     expires_at=now + timedelta(seconds=invitation_max_age()))
    db.session.add(invitation)
    db.session.flush()
    token = invitation_token(invitation)
    # The names are typed by the sender: quoted as plain, single-line labels (and escaped in HTML).
    notify("families.invitation", email, {
        "inviter_name": plain_label(user.display_name) + f" ({user.email})",
        "household_name": plain_label(household.name),
        "invitation_url": invitation_url(token), "days": max(1, invitation_max_age() // 86400)})
    _commit()
    return invitation, token


@use_case
def revoke_invitation(user: User, invitation_id) -> None:
    """Cancel a pending invitation of `user`'s household. Raises NotFound (another household's, or unknown)."""
    invitation = db.session.get(HouseholdInvitation, _as_id(invitation_id))
    household_id = household_id_of(user)
    if invitation is None or household_id is None or invitation.household_id != household_id:
        raise NotFound()
    require(user, Action.INVITE_GUARDIAN, invitation.household)
    if invitation.used_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    _commit()


def check_invitation(token: str, for_user: User | None = None) -> HouseholdInvitation:
    """The invitation behind `token`, if it can still be used (by `for_user`, when given). Writes nothing.

    Raises InvalidInvitation (forged or truncated), InvitationExpired,
    InvitationUsed, InvitationRevoked; with `for_user`, EmailNotVerified and
    InvitationForAnotherAddress, before anything of the household is shown.
    """
    token = (token or "").strip()
    if "/" in token:  # a whole link pasted where the code was asked
        token = token.rstrip("/").rsplit("/", 1)[-1]
    try:
        data = _serializer().loads(token, max_age=invitation_max_age())
    except SignatureExpired:
        raise InvitationExpired() from None
    except BadSignature:
        raise InvalidInvitation() from None
    if not isinstance(data, dict):
        raise InvalidInvitation()
    invitation = db.session.get(HouseholdInvitation, data.get("i")) if isinstance(data.get("i"), int) else None
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(data.get("n", ""))):
        raise InvalidInvitation()
    if invitation.used_at is not None:
        raise InvitationUsed()
    if invitation.revoked_at is not None:
        raise InvitationRevoked()
    if invitation.expires_at <= utcnow():
        raise InvitationExpired()
    if for_user is not None:
        _check_addressee(invitation, for_user)
    return invitation


def _check_addressee(invitation: HouseholdInvitation, user: User) -> None:
    """Only the verified account of the invited address may use the invitation."""
    if user.email_verified_at is None:
        raise EmailNotVerified()
    invited = (invitation.invited_email or "").strip().lower()
    if not invited or not secrets.compare_digest(invited.encode(), (user.email or "").strip().lower().encode()):
        raise InvitationForAnotherAddress()


@use_case
def redeem_invitation(user: User, token: str, relationship_to_children: str = "") -> Household:
    """Make `user` a guardian of the inviting household and use up the invitation.

    Guarantees the invitation serves once even when two accounts redeem it at
    the same moment (conditional update), and that an account joins at most
    one household. The other guardians are told by e-mail. Raises Forbidden
    (not a parent), InvalidInvitation and its subclasses, AlreadyInHousehold,
    HouseholdFull.
    """
    require(user, Action.JOIN_HOUSEHOLD)
    invitation = check_invitation(token, for_user=user)
    if household_id_of(user) is not None:
        raise AlreadyInHousehold()
    # Lock the household row so that two joins cannot both pass the count.
    household = db.session.scalar(select(Household).where(Household.id == invitation.household_id)
                                  .with_for_update())
    limit = max_guardians()
    if _guardian_count(household.id) >= limit:
        raise HouseholdFull(limit)
    now = utcnow()
    taken = db.session.execute(
        update(HouseholdInvitation)
        .where(HouseholdInvitation.id == invitation.id, HouseholdInvitation.used_at.is_(None),
               HouseholdInvitation.revoked_at.is_(None), HouseholdInvitation.expires_at > now)
        .values(used_at=now, used_by_user_id=user.id)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise InvitationUsed()
    others = [m.user for m in household.members]
    db.session.add(HouseholdMember(household_id=household.id, user_id=user.id,
                                   relationship_to_children=(relationship_to_children or "").strip()[:50]))
    for other in others:
        notify("families.guardian_joined", other, {
            "user": other, "new_guardian_name": user.display_name, "new_guardian_email": user.email,
            "household_name": household.name,
            "household_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/foyer/"})
    _commit(None, AlreadyInHousehold)  # the account may have joined another household meanwhile
    db.session.refresh(household)
    return household
