"""Authorised pick-up persons and emergency contacts."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.families import contacts
from app.families.contacts import PersonData
from app.families.models import AuthorisedPickup, EmergencyContact
from app.families.services import NoHousehold, normalise_phone
from tests.families.factories import guardian, make_family, make_parent


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("raw, expected", [
    ("0612345678", "06 12 34 56 78"),
    ("06.12.34.56.78", "06 12 34 56 78"),
    ("06-12-34-56-78", "06 12 34 56 78"),
    (" 05 65 20 88 00 ", "05 65 20 88 00"),
    ("+33612345678", "+33 6 12 34 56 78"),
    ("+33 (0)6 12 34 56 78", "+33 6 12 34 56 78"),
    ("0033612345678", "+33 6 12 34 56 78"),
    ("+32 470 12 34 56", "+32470123456"),
])
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "Indiquez un numéro de téléphone."),
    ("   ", "Indiquez un numéro de téléphone."),
    ("061234567", "n'est pas valide"),
    ("06123456789", "n'est pas valide"),
    ("0012", "n'est pas valide"),
    ("appelez-moi", "n'est pas valide"),
])
def test_invalid_phone_numbers_are_refused(raw, message):
    with pytest.raises(ValidationFailed) as error:
        normalise_phone(raw)
    assert message in error.value.message and error.value.field == "phone"


@pytest.mark.parametrize("model, add, update, remove", [
    (AuthorisedPickup, contacts.add_pickup, contacts.update_pickup, contacts.remove_pickup),
    (EmergencyContact, contacts.add_emergency_contact, contacts.update_emergency_contact,
     contacts.remove_emergency_contact),
])
def test_add_edit_remove_people(model, add, update, remove):
    household = make_family()
    parent = guardian(household)
    person = add(parent, PersonData(full_name=" Rose Bouyssou ", phone="0601020304",
                                    relationship_to_children="voisine"))
    assert (person.full_name, person.phone, person.household_id) == ("Rose Bouyssou", "06 01 02 03 04",
                                                                     household.id)
    update(parent, person.id, PersonData(full_name="Rose Bouyssou", phone="+33 6 01 02 03 05"))
    db.session.expire_all()
    assert db.session.get(model, person.id).phone == "+33 6 01 02 03 05"
    remove(parent, person.id)
    assert db.session.get(model, person.id) is None
    assert count(model) == 1  # the factory's own person stays


@pytest.mark.parametrize("add", [contacts.add_pickup, contacts.add_emergency_contact])
@pytest.mark.parametrize("data, field, message", [
    (PersonData(full_name="", phone="0601020304"), "full_name", "Indiquez le prénom et le nom de la personne."),
    (PersonData(full_name="Rose", phone="12"), "phone", "n'est pas valide"),
    (PersonData(full_name="Rose", phone="0601020304", relationship_to_children="x" * 81),
     "relationship_to_children", "trop long"),
])
def test_people_refusals(add, data, field, message):
    household = make_family()
    before = count(AuthorisedPickup) + count(EmergencyContact)
    with pytest.raises(ValidationFailed) as error:
        add(guardian(household), data)
    assert error.value.field == field and message in error.value.message
    assert count(AuthorisedPickup) + count(EmergencyContact) == before


def test_people_need_a_household():
    with pytest.raises(NoHousehold):
        contacts.add_pickup(make_parent(), PersonData(full_name="Rose", phone="0601020304"))


@pytest.mark.parametrize("model, getter, update, remove", [
    (AuthorisedPickup, contacts.get_pickup, contacts.update_pickup, contacts.remove_pickup),
    (EmergencyContact, contacts.get_emergency_contact, contacts.update_emergency_contact,
     contacts.remove_emergency_contact),
])
def test_another_households_people_are_not_found(model, getter, update, remove):
    household = make_family()
    intruder = guardian(make_family("Durand"))
    person = db.session.scalar(select(model).where(model.household_id == household.id))
    with pytest.raises(NotFound):
        getter(intruder, person.id)
    with pytest.raises(NotFound):
        update(intruder, person.id, PersonData(full_name="Pirate", phone="0601020304"))
    with pytest.raises(NotFound):
        remove(intruder, person.id)
    with pytest.raises(NotFound):
        getter(make_parent(), person.id)  # a parent without household
    db.session.expire_all()
    assert db.session.get(model, person.id).full_name != "Pirate"
