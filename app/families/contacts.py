"""Authorised pick-up persons and emergency contacts of a household.

Same rules as app.families.services: one transaction per use case, another
household's people raise NotFound.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.accounts.access import require
from app.accounts.models import User
from app.errors import NotFound
from app.extensions import db
from app.families.access import Action
from app.families.models import AuthorisedPickup, EmergencyContact
from app.families.services import (
    _as_id,
    _commit,
    _text,
    household_id_of,
    normalise_phone,
    require_household,
    use_case,
)


@dataclass
class PersonData:
    full_name: str
    phone: str
    relationship_to_children: str = ""


def _validated_person(data: PersonData) -> dict:
    return {
        "full_name": _text(data.full_name, 150, "full_name", _("Indiquez le prénom et le nom de la personne.")),
        "phone": normalise_phone(data.phone),
        "relationship_to_children": _text(data.relationship_to_children, 80, "relationship_to_children"),
    }


def _get_person(model, user: User, person_id):
    person = db.session.get(model, _as_id(person_id))
    household_id = household_id_of(user)
    if person is None or household_id is None or person.household_id != household_id:
        raise NotFound()
    require(user, Action.MANAGE_CONTACTS, person.household)
    return person


def _add_person(model, user: User, data: PersonData):
    household = require_household(user)
    require(user, Action.MANAGE_CONTACTS, household)
    person = model(household_id=household.id, **_validated_person(data))
    db.session.add(person)
    _commit()
    return person


def _update_person(model, user: User, person_id, data: PersonData):
    person = _get_person(model, user, person_id)
    for key, value in _validated_person(data).items():
        setattr(person, key, value)
    _commit()
    return person


def _remove_person(model, user: User, person_id) -> None:
    db.session.delete(_get_person(model, user, person_id))
    _commit()


def get_pickup(user: User, pickup_id) -> AuthorisedPickup:
    """An authorised pick-up person of `user`'s household; NotFound otherwise."""
    return _get_person(AuthorisedPickup, user, pickup_id)


@use_case
def add_pickup(user: User, data: PersonData) -> AuthorisedPickup:
    """Authorise a person to collect the children. Raises NoHousehold, ValidationFailed."""
    return _add_person(AuthorisedPickup, user, data)


@use_case
def update_pickup(user: User, pickup_id, data: PersonData) -> AuthorisedPickup:
    """Change an authorised pick-up person. Raises NotFound, ValidationFailed."""
    return _update_person(AuthorisedPickup, user, pickup_id, data)


@use_case
def remove_pickup(user: User, pickup_id) -> None:
    """Withdraw a person's authorisation to collect the children. Raises NotFound."""
    _remove_person(AuthorisedPickup, user, pickup_id)


def get_emergency_contact(user: User, contact_id) -> EmergencyContact:
    """An emergency contact of `user`'s household; NotFound otherwise."""
    return _get_person(EmergencyContact, user, contact_id)


@use_case
def add_emergency_contact(user: User, data: PersonData) -> EmergencyContact:
    """Add a person to call in an emergency. Raises NoHousehold, ValidationFailed."""
    return _add_person(EmergencyContact, user, data)


@use_case
def update_emergency_contact(user: User, contact_id, data: PersonData) -> EmergencyContact:
    """Change an emergency contact. Raises NotFound, ValidationFailed."""
    return _update_person(EmergencyContact, user, contact_id, data)


@use_case
def remove_emergency_contact(user: User, contact_id) -> None:
    """Remove an emergency contact. Raises NotFound."""
    _remove_person(EmergencyContact, user, contact_id)

