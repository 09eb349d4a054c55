"""One-line builders for the families tests."""
from __future__ import annotations

from app.accounts.models import Role, User
from app.extensions import db
from app.families.models import AuthorisedPickup, EmergencyContact, Household
from tests.factories import make_child, make_commune, make_household, make_user

__all__ = ["make_child", "make_commune", "make_household", "make_user", "make_family", "make_pickup",
           "make_contact", "make_parent"]


def make_parent(**fields) -> User:
    return make_user(Role.PARENT, **fields)


def make_family(last_name: str = "Martin", *, children: int = 1, **household_fields) -> Household:
    """A parent, their household in Cahors, `children` children, one pick-up person and one emergency contact."""
    parent = make_parent(first_name="Camille", last_name=last_name)
    household = make_household(parent, **household_fields)
    for _index, first_name in zip(range(children), ("Léo", "Jade", "Nino"), strict=False):
        make_child(household, first_name=first_name, commit=False)
    db.session.add(AuthorisedPickup(household=household, full_name=f"Anne {last_name}",
                                    relationship_to_children="grand-mère", phone="06 11 22 33 44"))
    db.session.add(EmergencyContact(household=household, full_name=f"Paul {last_name}",
                                    relationship_to_children="oncle", phone="05 65 00 11 22"))
    db.session.commit()
    return household


def make_pickup(household: Household, full_name: str = "Rose Bouyssou", phone: str = "06 01 02 03 04"):
    person = AuthorisedPickup(household=household, full_name=full_name, phone=phone)
    db.session.add(person)
    db.session.commit()
    return person


def make_contact(household: Household, full_name: str = "Henri Bouyssou", phone: str = "05 65 01 02 03"):
    person = EmergencyContact(household=household, full_name=full_name, phone=phone)
    db.session.add(person)
    db.session.commit()
    return person


def guardian(household: Household) -> User:
    return household.members[0].user
