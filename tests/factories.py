"""One-line builders of realistic objects, committed to the test database."""
from __future__ import annotations

import itertools
from datetime import date

from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.extensions import db
from app.families.models import Child, Commune, Household, HouseholdMember

DEFAULT_PASSWORD = "Cahors-Lot-Riviere-2026"
_counter = itertools.count(1)
_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


def make_user(role: Role = Role.PARENT, *, email: str | None = None, password: str = DEFAULT_PASSWORD,
              first_name: str = "Camille", last_name: str = "Martin", commit: bool = True, **fields) -> User:
    n = next(_counter)
    user = User(email=email or f"{role.value}{n}@example.fr", password_hash=_hash(password), role=role,
                first_name=first_name, last_name=last_name, **fields)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def make_commune(insee: str = "46042", name: str = "Cahors", lat: float = 44.451, lon: float = 1.441) -> Commune:
    commune = db.session.get(Commune, insee)
    if commune is None:
        commune = Commune(insee=insee, name=name, latitude=lat, longitude=lon)
        db.session.add(commune)
        db.session.commit()
    return commune


def make_household(guardian: User | None = None, *, commune_insee: str | None = "46042",
                   family_quotient: int | None = 800, commit: bool = True, **fields) -> Household:
    if commune_insee == "46042":
        make_commune()
    guardian = guardian or make_user(Role.PARENT)
    household = Household(name=f"Foyer {guardian.last_name}", commune_insee=commune_insee,
                          family_quotient=family_quotient, **fields)
    household.members.append(HouseholdMember(user=guardian))
    db.session.add(household)
    if commit:
        db.session.commit()
    return household


def make_child(household: Household | None = None, *, first_name: str = "Léo", last_name: str | None = None,
               birth_date: date = date(2018, 5, 14), commit: bool = True, **fields) -> Child:
    household = household or make_household()
    child = Child(household=household, first_name=first_name,
                  last_name=last_name or household.members[0].user.last_name, birth_date=birth_date, **fields)
    db.session.add(child)
    if commit:
        db.session.commit()
    return child
