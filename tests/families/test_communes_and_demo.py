"""The commune loader and the demo families."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role, User
from app.accounts.passwords import verify_password
from app.extensions import db
from app.families.communes import DEFAULT_COMMUNES_CSV, load_communes
from app.families.demo import DEMO_PASSWORD, demo_birth_date, load_demo
from app.families.models import (
    AuthorisedPickup,
    Child,
    Commune,
    EmergencyContact,
    Household,
    HouseholdMember,
)
from tests.families.factories import make_household, make_parent

MODELS = (User, Commune, Household, HouseholdMember, Child, AuthorisedPickup, EmergencyContact)
DEMO_EMAILS = [f"parent{n}@demo.pitchoun.fr" for n in range(1, 7)]


def counts() -> dict:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_the_app_ships_the_36_communes():
    with DEFAULT_COMMUNES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 36 and {"insee", "name", "lat", "lon"} <= set(rows[0])
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "grand-cahors-communes.csv"
    if shared.exists():  # the copy in the app must stay the reference file
        assert shared.read_text(encoding="utf-8") == DEFAULT_COMMUNES_CSV.read_text(encoding="utf-8")


def test_load_communes_is_idempotent():
    assert load_communes() == 36
    assert load_communes(DEFAULT_COMMUNES_CSV) == 36
    assert counts()["Commune"] == 36
    cahors = db.session.get(Commune, "46042")
    assert (cahors.name, cahors.latitude, cahors.longitude) == ("Cahors", 44.451, 1.441)


def test_load_communes_updates_in_place_and_keeps_households(tmp_path):
    load_communes()
    household = make_household(make_parent(), commune_insee="46224")
    changed = tmp_path / "communes.csv"
    changed.write_text("insee,name,lat,lon\n46224,Pradines (Lot),44.466,1.390\n", encoding="utf-8")
    assert load_communes(changed) == 1
    db.session.expire_all()
    pradines = db.session.get(Commune, "46224")
    assert (pradines.name, pradines.latitude) == ("Pradines (Lot)", 44.466)
    assert counts()["Commune"] == 36  # communes missing from the file are kept
    assert db.session.get(Household, household.id).commune_insee == "46224"


@pytest.mark.parametrize("content", [
    "insee,name,lat,lon\n46042,Cahors,44.451,1.441\n4604,Trop court,44,1\n",
    "insee,name,lat,lon\n46042,Cahors,44.451,1.441\n46224,Pradines,nord,1.389\n",
])
def test_a_malformed_file_loads_nothing(tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError):
        load_communes(bad)
    assert counts()["Commune"] == 0


def test_load_demo_twice_changes_nothing():
    lines = load_demo()
    first = counts()
    again = load_demo()
    assert counts() == first
    assert first["Commune"] == 36 and first["Household"] == 6 and first["HouseholdMember"] == 6
    for email in DEMO_EMAILS:
        assert any(email in line and DEMO_PASSWORD in line for line in lines), email
        assert any(email in line for line in again)


def test_demo_families_are_realistic():
    today = clock.today()
    load_demo()
    parents = db.session.scalars(select(User).where(User.email.in_(DEMO_EMAILS))).all()
    assert len(parents) == 6 and all(p.role == Role.PARENT for p in parents)
    assert verify_password(parents[0].password_hash, DEMO_PASSWORD)
    households = db.session.scalars(select(Household)).all()
    assert sum(1 for h in households if h.commune_insee is None) == 1
    assert {h.commune.name for h in households if h.commune} >= {"Cahors", "Pradines", "Douelle", "Catus"}
    for household in households:
        assert 1 <= len(household.children) <= 3
        assert household.pickup_persons and household.emergency_contacts
        assert household.family_quotient and household.family_quotient_valid_until >= today
    children = db.session.scalars(select(Child)).all()
    assert all(3 <= c.age_on(today) <= 11 for c in children)
    assert sum(1 for c in children if c.needs_particular_care) == 1


def test_demo_completes_a_partly_loaded_family():
    load_demo()
    first = counts()
    db.session.delete(db.session.scalar(select(Child).where(Child.first_name == "Sami")))
    db.session.commit()
    load_demo()
    assert counts() == first


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2028, 2, 29), date(2027, 12, 31)])
def test_demo_ages_hold_whatever_the_day(today):
    for years, days in ((3, 120), (11, 80), (8, 97), (6, 15)):
        birth = demo_birth_date(years, days, today)
        child = Child(first_name="x", last_name="y", birth_date=birth)
        assert child.age_on(today) == years
