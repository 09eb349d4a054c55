"""Demo families: the communes and six parent accounts with their households.

Idempotent: everything is looked up by natural keys (commune INSEE code,
account e-mail, child first name and birth year, person name) and only what
is missing is created; existing rows are left as they are. Other domains'
demos rely on the e-mails parent1@demo.pitchoun.fr ... parent6@demo.pitchoun.fr.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.extensions import db, utcnow
from app.families.communes import load_communes
from app.families.models import (
    AuthorisedPickup,
    BenefitScheme,
    Child,
    EmergencyContact,
    Household,
    HouseholdMember,
    SchoolLevel,
)
from app.transactions import use_case

DEMO_PASSWORD = "Pitchoun-Demo-2026!"

# (years, days since the last birthday): ages stay right whatever today is.
DEMO_FAMILIES = [
    {
        "email": "parent1@demo.pitchoun.fr", "first_name": "Sophie", "last_name": "Delmas", "phone": "06 12 48 73 05",
        "relationship": "mère", "works": True,
        "address": "14 rue Wilson", "commune": "46042", "qf": 620, "scheme": BenefitScheme.CAF_GENERAL,
        "children": [
            ("Léa", 8, 97, SchoolLevel.CE2, "École Lucie-Aubrac, Cahors", True, True, False),
            ("Hugo", 5, 210, SchoolLevel.GS, "École maternelle de la Croix-de-Fer, Cahors", True, True, False),
        ],
        "pickups": [("Martine Delmas", "grand-mère", "06 71 22 90 14")],
        "contacts": [("Bernard Delmas", "grand-père", "05 65 35 12 88")],
    },
    {
        "email": "parent2@demo.pitchoun.fr", "first_name": "Karim", "last_name": "Benali", "phone": "06 33 19 57 42",
        "relationship": "père", "works": True,
        "address": "3 chemin de la Plaine", "commune": "46224", "qf": 1150, "scheme": BenefitScheme.CAF_GENERAL,
        "children": [
            ("Inès", 10, 45, SchoolLevel.CM2, "École Marie-Curie, Pradines", True, True, False),
            ("Yanis", 6, 300, SchoolLevel.CP, "École Marie-Curie, Pradines", False, True, False),
            ("Sami", 3, 120, SchoolLevel.PS, "École maternelle de Pradines", True, False, False),
        ],
        "pickups": [("Nadia Benali", "tante", "07 68 41 20 93"), ("Paul Ferrand", "voisin", "06 59 03 77 21")],
        "contacts": [("Fatima Benali", "grand-mère", "05 65 22 41 67")],
    },
    {
        "email": "parent3@demo.pitchoun.fr", "first_name": "Julie", "last_name": "Lacombe", "phone": "06 84 25 16 90",
        "relationship": "mère", "works": False,
        "address": "Lieu-dit Le Port", "commune": "46088", "qf": 480, "scheme": BenefitScheme.MSA,
        "children": [
            # Needs particular care: only the flag lives here; details belong to inclusion.
            ("Mathis", 7, 60, SchoolLevel.CE1, "École de Douelle", True, True, True),
        ],
        "pickups": [("Jean-Pierre Lacombe", "grand-père", "06 25 87 34 10")],
        "contacts": [("Anne Vidal", "marraine", "06 47 90 12 36")],
    },
    {
        "email": "parent4@demo.pitchoun.fr", "first_name": "Thomas", "last_name": "Rigal", "phone": "07 81 64 29 53",
        "relationship": "père", "works": True,
        "address": "8 place de la Mairie", "commune": "46064", "qf": 900, "scheme": BenefitScheme.CAF_GENERAL,
        "children": [
            ("Manon", 9, 150, SchoolLevel.CM1, "École de Catus", True, True, False),
        ],
        "pickups": [("Claire Rigal", "tante", "06 38 52 71 04")],
        "contacts": [("Claire Rigal", "tante", "06 38 52 71 04")],
    },
    {
        "email": "parent5@demo.pitchoun.fr", "first_name": "Élodie", "last_name": "Marty", "phone": "06 90 11 47 28",
        "relationship": "mère", "works": True,
        "address": "22 route de Figeac", "commune": "46268", "qf": 1420, "scheme": BenefitScheme.CAF_GENERAL,
        "children": [
            ("Louise", 4, 30, SchoolLevel.MS, "École de Saint-Géry", True, True, False),
            ("Gabriel", 11, 80, SchoolLevel.CM2, "École de Saint-Géry", True, True, False),
        ],
        "pickups": [("Sylvie Marty", "grand-mère", "05 65 31 44 02")],
        "contacts": [("Sylvie Marty", "grand-mère", "05 65 31 44 02"), ("Marc Marty", "oncle", "06 02 58 39 71")],
    },
    {
        "email": "parent6@demo.pitchoun.fr", "first_name": "Nicolas", "last_name": "Fabre", "phone": "06 77 35 82 16",
        "relationship": "père", "works": True,
        # Lives outside the agglomeration (Lalbenque), works in Cahors.
        "address": "5 rue des Truffes, 46230 Lalbenque", "commune": None, "qf": 760,
        "scheme": BenefitScheme.CAF_GENERAL,
        "children": [
            ("Chloé", 6, 15, SchoolLevel.CP, "École de Lalbenque", True, False, False),
        ],
        "pickups": [("Isabelle Fabre", "grand-mère", "06 14 63 27 85")],
        "contacts": [("Isabelle Fabre", "grand-mère", "06 14 63 27 85")],
    },
]


def demo_birth_date(years: int, days: int, today: date | None = None) -> date:
    """A birth date making the child `years` old today, with the last birthday `days` ago (< 365)."""
    today = today or clock.today()
    last_birthday = today - timedelta(days=days)
    try:
        return last_birthday.replace(year=last_birthday.year - years)
    except ValueError:  # 29 February
        return last_birthday.replace(year=last_birthday.year - years, day=28)


def _user(family: dict, password_hash: str) -> tuple[User, bool]:
    user = db.session.scalar(select(User).where(func.lower(User.email) == family["email"]))
    if user is not None:
        return user, False
    user = User(email=family["email"], password_hash=password_hash, role=Role.PARENT,
                first_name=family["first_name"], last_name=family["last_name"], phone=family["phone"],
                password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user, True


def _household(user: User, family: dict, today: date) -> Household:
    member = db.session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == user.id))
    if member is not None:
        return member.household
    household = Household(
        name=f"Foyer {family['last_name']}", address=family["address"], commune_insee=family["commune"],
        family_quotient=family["qf"], family_quotient_valid_until=date(today.year, 12, 31),
        benefit_scheme=family["scheme"])
    household.members.append(HouseholdMember(user_id=user.id, relationship_to_children=family["relationship"],
                                             works=family["works"]))
    db.session.add(household)
    db.session.flush()
    return household


def _children(household: Household, family: dict, today: date) -> None:
    existing = {c.first_name for c in db.session.scalars(select(Child).where(Child.household_id == household.id))}
    for first_name, years, days, level, school, image, outings, care in family["children"]:
        if first_name in existing:
            continue
        db.session.add(Child(household_id=household.id, first_name=first_name, last_name=family["last_name"],
                             birth_date=demo_birth_date(years, days, today), school_level=level,
                             school_name=school, consent_image=image, consent_outings=outings,
                             needs_particular_care=care))


def _people(model, household: Household, people: list[tuple[str, str, str]]) -> None:
    existing = set(db.session.scalars(select(model.full_name).where(model.household_id == household.id)))
    for full_name, relationship, phone in people:
        if full_name not in existing:
            db.session.add(model(household_id=household.id, full_name=full_name,
                                 relationship_to_children=relationship, phone=phone))


@use_case
def load_demo(today: date | None = None) -> list[str]:
    """Load the communes and the six demo families (idempotent); return lines to print."""
    today = today or clock.today()
    commune_count = load_communes()
    lines = [f"Communes du Grand Cahors : {commune_count}.", "Familles de démonstration (rôle parent) :"]
    password_hash = None
    for family in DEMO_FAMILIES:
        exists_already = db.session.scalar(
            select(User.id).where(func.lower(User.email) == family["email"])) is not None
        if not exists_already and password_hash is None:
            password_hash = hash_password(DEMO_PASSWORD)
        user, created = _user(family, password_hash or "")
        household = _household(user, family, today)
        _children(household, family, today)
        _people(AuthorisedPickup, household, family["pickups"])
        _people(EmergencyContact, household, family["contacts"])
        where = household.commune.name if household.commune else "hors agglomération"
        lines.append(f"  {family['email']} / {DEMO_PASSWORD}  ({family['first_name']} {family['last_name']}, "
                     f"{where}{', créé' if created else ''})")
    return lines
