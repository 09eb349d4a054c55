"""Families use cases: a parent's household, children, pick-up persons, emergency contacts.

Each public use case is one transaction: it validates everything first,
writes, commits once, and rolls back on any error, so nothing is ever half
written. Access is decided by the named actions registered below
("families.*"); another household's objects raise NotFound, never
Forbidden, so their existence is not confirmed.

Other domains use the helpers `household_of`, `require_household`,
`children_of`, `get_child_for_guardian` and `is_guardian`. Pick-up persons
and emergency contacts live in app.families.contacts, the second guardian's
invitation in app.families.invitations.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import clock, registries
from app.accounts.access import policy, require
from app.accounts.models import User
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.families import access, declarations
from app.families.communes import list_communes, load_communes  # noqa: F401  (part of this module's API)
from app.families.models import (
    BenefitScheme,
    Child,
    Commune,
    Household,
    HouseholdMember,
    SchoolLevel,
)
from app.transactions import commit as _commit
from app.transactions import use_case as use_case  # part of this module's API

# Pitchoun serves minors: leisure centres up to 17, the Relais from birth.
MAX_CHILD_AGE = 17
MAX_FAMILY_QUOTIENT = 9999
# A CAF attestation is valid for a year; two years ahead is surely a typo.
MAX_QUOTIENT_VALIDITY_YEARS = 2


class NoHousehold(Conflict):
    code = "no_household"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message or _("Vous n'avez pas encore créé votre foyer. Commencez par « Mon foyer »."),
                         **kwargs)


class HouseholdExists(Conflict):
    code = "household_exists"


class ChildNotRemovable(Conflict):
    code = "child_not_removable"


# ---------------------------------------------------------------- look-ups for every domain

_is_parent = access.is_parent


def household_id_of(user: User | None) -> int | None:
    if not _is_parent(user):
        return None
    return db.session.scalar(select(HouseholdMember.household_id).where(HouseholdMember.user_id == user.id))


def household_of(user: User | None) -> Household | None:
    """The household `user` is a guardian of, or None (staff accounts have none)."""
    household_id = household_id_of(user)
    return db.session.get(Household, household_id) if household_id is not None else None


def require_household(user: User | None) -> Household:
    """The household of `user`. Raises NoHousehold (409) when the parent has not created one yet."""
    household = household_of(user)
    if household is None:
        raise NoHousehold()
    return household


def children_of(user: User | None) -> list[Child]:
    """The children of `user`'s household, eldest first; empty without a household."""
    household_id = household_id_of(user)
    if household_id is None:
        return []
    return list(db.session.scalars(
        select(Child).where(Child.household_id == household_id).order_by(Child.birth_date, Child.id)))


def is_guardian(user: User | None, child: Child | None) -> bool:
    """True when `user` is a guardian account of `child`'s household."""
    if child is None or not _is_parent(user):
        return False
    return bool(db.session.scalar(select(exists().where(
        HouseholdMember.household_id == child.household_id, HouseholdMember.user_id == user.id))))


def get_child_for_guardian(user: User | None, child_id: object) -> Child:
    """The child `child_id` if `user` is one of its guardians; NotFound otherwise (never Forbidden)."""
    return _child(user, access.Action.VIEW_CHILD, child_id)


def _child(user: User | None, action: str, child_id: object) -> Child:
    """The child `child_id` if `user` may do `action` on it; NotFound otherwise."""
    child = db.session.get(Child, _as_id(child_id))
    require(user, action, child)
    if child is None:  # require() already refused it; this tells the type checker
        raise NotFound()
    return child


def household_page(user: User | None) -> Household | None:
    """`user`'s household with everything "Mon foyer" shows, loaded in a fixed number of queries."""
    household_id = household_id_of(user)
    if household_id is None:
        return None
    return db.session.scalar(
        select(Household).where(Household.id == household_id).options(
            selectinload(Household.members).selectinload(HouseholdMember.user),
            selectinload(Household.children),
            selectinload(Household.pickup_persons),
            selectinload(Household.emergency_contacts),
            selectinload(Household.commune),
        ))


def _as_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# ---------------------------------------------------------------- permissions

def _member_of(user: User | None, household: Household | None) -> bool:
    return household is not None and household.id is not None and household_id_of(user) == household.id


# Desk mode (France Services desks in Catus and Saint-Géry-Vers, the Relais, app.desk): a staff member
# creates a household and books or cancels for a family present, with its consent. Administrators
# and Relais staff have it; directors and animators do not (they act on their sites' sessions, not
# for families; a family at a leisure centre is sent to a desk). Refused with 403: the desk pages
# are not secret.
@policy(access.Action.ACT_AT_DESK, hide=False)
def _can_act_at_desk(user: User, _obj: object = None) -> bool:
    return access.acts_at_desk(user)


@policy(access.Action.CREATE_HOUSEHOLD, hide=False)
def _can_create_household(user: User, _obj: object = None) -> bool:
    return access.is_parent(user)


@policy(access.Action.VIEW_HOUSEHOLD)
def _can_view_household(user: User, household: Household | None) -> bool:
    return _member_of(user, household)


@policy(access.Action.EDIT_HOUSEHOLD)
def _can_edit_household(user: User, household: Household | None) -> bool:
    return _member_of(user, household)


@policy(access.Action.VIEW_CHILD)
def _can_view_child(user: User, child: Child | None) -> bool:
    return is_guardian(user, child)


@policy(access.Action.EDIT_CHILD)
def _can_edit_child(user: User, child: Child | None) -> bool:
    return is_guardian(user, child)


@policy(access.Action.ADD_CHILD)
def _can_add_child(user: User, household: Household | None) -> bool:
    return _member_of(user, household)


@policy(access.Action.MANAGE_CONTACTS)
def _can_manage_contacts(user: User, household: Household | None) -> bool:
    return _member_of(user, household)


@policy(access.Action.INVITE_GUARDIAN)
def _can_invite_guardian(user: User, household: Household | None) -> bool:
    return _member_of(user, household)


@policy(access.Action.JOIN_HOUSEHOLD, hide=False)
def _can_join_household(user: User, _obj: object = None) -> bool:
    return access.is_parent(user)


# ---------------------------------------------------------------- validation helpers

def has_control_characters(value: str) -> bool:
    """True when `value` holds a line break, a tab or any other control or format character."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in "\u200d\ufe0f"
               for char in value)


def _text(value: str | None, max_length: int, field: str, required_message: str | None = None) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise ValidationFailed(required_message, field=field)
    if has_control_characters(value):
        # A name travels into e-mail subjects, CSV cells and calendar lines: one line of text only.
        raise ValidationFailed(_("Ce texte contient des caractères non autorisés (retour à la ligne, tabulation "
                                 "ou caractère de contrôle) : écrivez-le sur une seule ligne."), field=field)
    if len(value) > max_length:
        raise ValidationFailed(_("Ce texte est trop long (%(n)d caractères au plus).", n=max_length), field=field)
    return value


_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")


def normalise_phone(raw: str | None, field: str = "phone") -> str:
    """A French or international phone number, written the usual way ("06 12 34 56 78").

    Raises ValidationFailed with a French message on anything else.
    """
    digits = _PHONE_SEPARATORS.sub("", raw or "")
    if not digits:
        raise ValidationFailed(_("Indiquez un numéro de téléphone."), field=field)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+330"):  # "+33 (0)6 ..." as often written
        digits = "+33" + digits[4:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+33[1-9]\d{8}", digits):
        national = digits[3:]
        return "+33 " + national[0] + " " + " ".join(national[i:i + 2] for i in range(1, 9, 2))
    if re.fullmatch(r"\+(?!33)[1-9]\d{6,14}", digits):
        return digits
    raise ValidationFailed(_("Ce numéro de téléphone n'est pas valide. Exemples : 06 12 34 56 78 "
                             "ou +33 6 12 34 56 78."), field=field)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_birth_date(birth_date: date | None, today: date | None = None) -> date:
    """Refuse a missing, future or implausible birth date (French messages, field "birth_date")."""
    today = today or clock.today()
    if birth_date is None:
        raise ValidationFailed(_("Indiquez la date de naissance de l'enfant."), field="birth_date")
    if birth_date > today:
        raise ValidationFailed(_("La date de naissance ne peut pas être dans le futur."), field="birth_date")
    if birth_date <= _add_years(today, -(MAX_CHILD_AGE + 1)):
        raise ValidationFailed(_("Cette date de naissance semble erronée : Pitchoun concerne les enfants "
                                 "de moins de %(n)d ans. Vérifiez l'année.", n=MAX_CHILD_AGE + 1),
                               field="birth_date")
    return birth_date


# ---------------------------------------------------------------- household

@dataclass
class HouseholdData:
    """What a parent says about the household. `commune_insee` None means outside the agglomeration."""

    address: str
    commune_insee: str | None
    family_quotient: int | None = None
    family_quotient_valid_until: date | None = None
    benefit_scheme: BenefitScheme | str = BenefitScheme.CAF_GENERAL
    name: str = ""
    # About the guardian filling in the form (their own membership).
    guardian_relationship: str = ""
    guardian_works: bool = False
    # The attestation CAF / avis d'imposition backing a declared change (app.families.declarations.Proof).
    proof: declarations.Proof | None = None


def _validated_household(data: HouseholdData, current: Household | None, today: date) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _text(data.name, 150, "name"),
        "address": _text(data.address, 300, "address", _("Indiquez l'adresse du foyer.")),
    }
    insee = (data.commune_insee or "").strip() or None
    if insee is not None and db.session.get(Commune, insee) is None:
        raise ValidationFailed(_("Choisissez votre commune dans la liste, ou « Hors agglomération »."),
                               field="commune_insee")
    values["commune_insee"] = insee
    try:
        values["benefit_scheme"] = BenefitScheme(data.benefit_scheme)
    except ValueError:
        raise ValidationFailed(_("Choisissez votre régime de prestations dans la liste."),
                               field="benefit_scheme") from None
    quotient, valid_until = data.family_quotient, data.family_quotient_valid_until
    if quotient is not None and not (0 <= quotient <= MAX_FAMILY_QUOTIENT):
        raise ValidationFailed(_("Le quotient familial est un nombre entier entre 0 et %(max)d.",
                                 max=MAX_FAMILY_QUOTIENT), field="family_quotient")
    if quotient is not None and valid_until is None:
        raise ValidationFailed(_("Indiquez jusqu'à quand votre quotient familial est valable "
                                 "(la date figure sur votre attestation CAF ou MSA)."),
                               field="family_quotient_valid_until")
    if quotient is None and valid_until is not None:
        raise ValidationFailed(_("Indiquez le montant de votre quotient familial, ou laissez aussi "
                                 "sa date de validité vide."), field="family_quotient")
    changed = current is None or (current.family_quotient, current.family_quotient_valid_until) != (
        quotient, valid_until)
    if changed and current is not None:
        from app.families.declarations import pending_declaration

        pending = pending_declaration(current.id)
        changed = pending is None or (pending.family_quotient, pending.family_quotient_valid_until) != (
            quotient, valid_until)
    # A quotient that expired since it was entered must not block an address
    # change; only a newly entered quotient has to be current.
    if valid_until is not None and changed:
        if valid_until < today:
            raise ValidationFailed(_("Cette date de validité est déjà passée : indiquez le quotient familial "
                                     "de votre dernière attestation."), field="family_quotient_valid_until")
        if valid_until > _add_years(today, MAX_QUOTIENT_VALIDITY_YEARS):
            raise ValidationFailed(_("Cette date de validité semble erronée : une attestation de quotient "
                                     "familial vaut au plus un an. Vérifiez l'année."),
                                   field="family_quotient_valid_until")
    values["family_quotient"] = quotient
    values["family_quotient_valid_until"] = valid_until
    return values


def _declared(values: dict[str, Any]) -> tuple[str | None, int | None, date | None]:
    """Take the commune and QF out of `values`: they become a declaration for staff to check."""
    return (values.pop("commune_insee"), values.pop("family_quotient"), values.pop("family_quotient_valid_until"))


@use_case
def create_household(user: User, data: HouseholdData, *, today: date | None = None) -> Household:
    """Create `user`'s household with `user` as its first guardian.

    The commune and quotient familial given are a declaration for staff to
    check: until validated, the household counts as non-resident without QF.

    A parent account belongs to at most one household. Raises Forbidden (not
    a parent), HouseholdExists (already has one, or joined one meanwhile),
    ValidationFailed (with the field concerned).
    """
    require(user, access.Action.CREATE_HOUSEHOLD)
    if household_id_of(user) is not None:
        raise HouseholdExists(_("Votre compte est déjà rattaché à un foyer : modifiez-le plutôt que d'en "
                                "créer un second."))
    values = _validated_household(data, None, today or clock.today())
    if not values["name"]:
        values["name"] = _("Foyer %(name)s", name=user.last_name).strip() if user.last_name else _("Mon foyer")
    declared = _declared(values)
    # Until a staff member checks them, the commune and QF do not count: non-resident, highest band.
    household = Household(**values)
    household.members.append(HouseholdMember(
        user_id=user.id, relationship_to_children=_text(data.guardian_relationship, 50, "guardian_relationship"),
        works=bool(data.guardian_works)))
    db.session.add(household)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise HouseholdExists(_("Votre compte est déjà rattaché à un foyer.")) from None
    if declared != (None, None, None):
        declarations.record(user, household, *declared, proof=data.proof)
    _commit(_("Votre compte est déjà rattaché à un foyer."), HouseholdExists)
    return household


@use_case
def update_household(user: User, data: HouseholdData, *, today: date | None = None) -> Household:
    """Change the household's address, scheme and the guardian's own details; declare commune and QF.

    A different commune or quotient familial is recorded as a declaration that
    waits for a staff check (app.families.declarations); until then the
    validated values keep setting the price and the priority.

    Raises NoHousehold, ValidationFailed.
    """
    household = require_household(user)
    require(user, access.Action.EDIT_HOUSEHOLD, household)
    values = _validated_household(data, household, today or clock.today())
    if not values["name"]:
        values["name"] = household.name
    relationship = _text(data.guardian_relationship, 50, "guardian_relationship")
    declared = _declared(values)
    for key, value in values.items():
        setattr(household, key, value)
    declarations.record(user, household, *declared, proof=data.proof)
    member = db.session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == user.id))
    if member is None:  # require_household found the membership in this transaction
        raise NoHousehold()
    member.relationship_to_children = relationship
    member.works = bool(data.guardian_works)
    _commit()
    return household


# ---------------------------------------------------------------- children

@dataclass
class ChildData:
    first_name: str
    last_name: str
    birth_date: date | None
    school_level: SchoolLevel | str = SchoolLevel.NONE
    school_name: str = ""
    consent_image: bool = False
    consent_outings: bool = False
    needs_particular_care: bool = False


def _validated_child(data: ChildData, today: date) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_name": _text(data.first_name, 100, "first_name", _("Indiquez le prénom de l'enfant.")),
        "last_name": _text(data.last_name, 100, "last_name", _("Indiquez le nom de famille de l'enfant.")),
        "birth_date": check_birth_date(data.birth_date, today),
        "school_name": _text(data.school_name, 150, "school_name"),
        "consent_image": bool(data.consent_image),
        "consent_outings": bool(data.consent_outings),
        "needs_particular_care": bool(data.needs_particular_care),
    }
    try:
        values["school_level"] = SchoolLevel(data.school_level or SchoolLevel.NONE)
    except ValueError:
        raise ValidationFailed(_("Choisissez la classe de l'enfant dans la liste."), field="school_level") from None
    return values


@use_case
def add_child(user: User, data: ChildData, *, today: date | None = None) -> Child:
    """Add a child to `user`'s household. Raises NoHousehold, ValidationFailed."""
    household = require_household(user)
    require(user, access.Action.ADD_CHILD, household)
    child = Child(household_id=household.id, **_validated_child(data, today or clock.today()))
    db.session.add(child)
    _commit()
    return child


@use_case
def update_child(user: User, child_id: int, data: ChildData, *, today: date | None = None) -> Child:
    """Change a child's details. Raises NotFound (not a child of `user`'s household), ValidationFailed."""
    child = _child(user, access.Action.EDIT_CHILD, child_id)
    for key, value in _validated_child(data, today or clock.today()).items():
        setattr(child, key, value)
    _commit()
    return child


# Other domains may refuse a removal (e.g. booking: "has sessions booked"):
# each check returns a French reason, or None to allow it.
ChildRemovalCheck = Callable[[Child], "str | None"]


@dataclass
class FamiliesRegistry:
    """What other domains plug into families, one per application (app/composition.py)."""

    child_removal_checks: list[ChildRemovalCheck] = dataclass_field(default_factory=list)


def register_child_removal_check(check: ChildRemovalCheck) -> None:
    checks = registries.current(FamiliesRegistry).child_removal_checks
    if check not in checks:
        checks.append(check)


@use_case
def remove_child(user: User, child_id: int) -> None:
    """Remove a child from `user`'s household.

    Raises NotFound (not a child of the household), ChildNotRemovable when
    another domain still holds records about the child (bookings, a reception
    plan); nothing is deleted then.
    """
    child = _child(user, access.Action.EDIT_CHILD, child_id)
    for check in list(registries.current(FamiliesRegistry).child_removal_checks):
        reason = check(child)
        if reason:
            raise ChildNotRemovable(reason)
    db.session.delete(child)
    _commit(_("Impossible de retirer %(name)s du foyer : des réservations ou un dossier d'accueil "
              "le ou la concernent encore. Contactez l'accueil de loisirs.", name=child.first_name),
            ChildNotRemovable)


@use_case
def add_child_creating_household(user: User, data: ChildData, *, today: date | None = None) -> Child:
    """Add a child to `user`'s household, creating a bare household first if the parent has none.

    For clients that only know the child (the JSON API): the household is
    created without an address or commune (hence not resident until the
    parent completes "Mon foyer"). Child and household are written in one
    transaction. Raises Forbidden (not a parent), ValidationFailed.
    """
    require(user, access.Action.CREATE_HOUSEHOLD)
    values = _validated_child(data, today or clock.today())
    household = household_of(user)
    if household is None:
        name = _("Foyer %(name)s", name=user.last_name).strip() if user.last_name else _("Mon foyer")
        household = Household(name=name[:150], address="", commune_insee=None)
        household.members.append(HouseholdMember(user_id=user.id))
        try:
            with db.session.begin_nested():
                db.session.add(household)
        except IntegrityError:
            # Another request created it meanwhile (one household per account): use that one.
            household = require_household(user)
    require(user, access.Action.ADD_CHILD, household)
    child = Child(household_id=household.id, **values)
    db.session.add(child)
    _commit()
    return child


# ---------------------------------------------------------------- desk mode (app.desk calls these)

@dataclass
class DeskHousehold:
    """What a desk shows of a household: names only (no contacts, no health data)."""

    id: int
    name: str
    commune: str
    guardians: list[str]
    children: list[str]


def search_households_at_desk(staff: User, query: str, limit: int = 20) -> list[DeskHousehold]:
    """Households whose name, guardian's name, e-mail or phone, or child's name contains `query`.

    At least 2 characters; at most `limit` results, by name. Raises Forbidden (no desk right).
    """
    require(staff, access.Action.ACT_AT_DESK)
    text = (query or "").strip().lower()[:100]
    if len(text) < 2:
        return []
    digits = re.sub(r"\D", "", text)
    from sqlalchemy import or_

    from app.text_search import contains

    def like(column: Any) -> Any:
        return contains(column, text)

    conditions = [like(Household.name),
                  Household.id.in_(select(HouseholdMember.household_id).join(User, User.id == HouseholdMember.user_id)
                                   .where(or_(like(User.first_name), like(User.last_name), like(User.email),
                                              like(User.phone)))),
                  Household.id.in_(select(Child.household_id).where(or_(like(Child.first_name),
                                                                        like(Child.last_name))))]
    if len(digits) >= 6:  # "06 12 34 56 78" and "0612345678" find the same phone
        spaced = " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))
        conditions.append(Household.id.in_(select(HouseholdMember.household_id)
                                           .join(User, User.id == HouseholdMember.user_id)
                                           .where(User.phone.like(f"%{spaced}%"))))
    rows = db.session.scalars(select(Household).where(or_(*conditions)).order_by(Household.name, Household.id)
                              .limit(limit).options(selectinload(Household.members).selectinload(HouseholdMember.user),
                                                    selectinload(Household.children),
                                                    selectinload(Household.commune)))
    return [DeskHousehold(h.id, h.name, h.commune.name if h.commune else "",
                          [m.user.display_name for m in h.members], [c.first_name for c in h.children])
            for h in rows]


def household_for_desk(staff: User, household_id: Any) -> Household:
    """The household a desk acts for. Raises Forbidden (no desk right), NotFound."""
    require(staff, access.Action.ACT_AT_DESK)
    household = db.session.scalar(select(Household).where(Household.id == _as_id(household_id)).options(
        selectinload(Household.members).selectinload(HouseholdMember.user), selectinload(Household.children),
        selectinload(Household.commune)))
    if household is None:
        raise NotFound()
    return household


@dataclass
class GuardianData:
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""


def create_household_at_desk(staff: User, guardian: GuardianData, data: HouseholdData, *,
                             today: date | None = None) -> Household:
    """Create a household for a family at a desk, in the caller's transaction (app.desk commits).

    With an e-mail address, the guardian gets a parent account (address unproved) and an e-mail
    with a link to choose a password; without one the household has no account yet and the
    family acts through the desk. The commune and quotient familial given are a declaration that
    waits for an administrator's check, as for a family's own household.
    Raises Forbidden, ValidationFailed, EmailTaken.
    """
    from app.accounts import services as accounts

    require(staff, access.Action.ACT_AT_DESK)
    first = _text(guardian.first_name, 100, "first_name", _("Indiquez le prénom du parent."))
    last = _text(guardian.last_name, 100, "last_name", _("Indiquez le nom du parent."))
    phone = normalise_phone(guardian.phone) if (guardian.phone or "").strip() else ""
    values = _validated_household(data, None, today or clock.today())
    if not values["name"]:
        values["name"] = _("Foyer %(name)s", name=last)
    declared = _declared(values)
    household = Household(**values)
    db.session.add(household)
    user = None
    if (guardian.email or "").strip():
        user = accounts.new_family_account(guardian.email, first, last, phone)
        household.members.append(HouseholdMember(user_id=user.id,
                                                 relationship_to_children=_text(data.guardian_relationship, 50,
                                                                                "guardian_relationship")))
    db.session.flush()
    if declared != (None, None, None):
        declarations.record(user or staff, household, *declared, proof=data.proof)
    return household


def add_child_at_desk(staff: User, household_id: Any, data: ChildData, *, today: date | None = None) -> Child:
    """Add a child to the household a desk acts for, in the caller's transaction (app.desk commits).

    Raises Forbidden, NotFound, ValidationFailed.
    """
    household = household_for_desk(staff, household_id)
    child = Child(household_id=household.id, **_validated_child(data, today or clock.today()))
    db.session.add(child)
    db.session.flush()
    return child
