"""Demo data of the Relais module. Idempotent: every object is looked up by a natural key first.

Assumes the communes of the Grand Cahors are loaded (commune table); relais and
childminders whose commune is missing are skipped, and say so.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.extensions import db
from app.families.models import Commune
from app.ram import availability as av
from app.ram import schedule as sch
from app.ram.models import (
    AvailabilityDeclaration,
    CareContract,
    Childminder,
    DemandStatus,
    FamilyDemand,
    Licence,
    OwnChild,
    Relais,
    RelaisStaff,
    Workshop,
)
from app.ram.services import profile_of, today_local
from app.transactions import use_case

PASSWORD = "Pitchoun-Demo-2026!"

RELAIS = [
    ("Relais Petite Enfance Cahors centre", "10 boulevard Gambetta, 46000 Cahors", "46042"),
    ("Relais Petite Enfance Catus", "Mairie, 46150 Catus", "46064"),
    ("Relais Petite Enfance Saint-Géry-Vers", "Mairie, 46330 Saint-Géry-Vers", "46268"),
    ("Relais Petite Enfance Douelle", "Mairie, 46140 Douelle", "46088"),
    ("Relais Petite Enfance Pradines", "Mairie, 46090 Pradines", "46224"),
    ("Relais Petite Enfance Terre-Rouge", "Quartier de Terre-Rouge, 46000 Cahors", "46042"),
]

# (first name, last name, commune INSEE, relais index)
CHILDMINDERS = [
    ("Sandrine", "Lacombe", "46042", 0), ("Nathalie", "Vayssière", "46042", 5), ("Céline", "Bouscarel", "46042", 0),
    ("Karine", "Delpech", "46042", 5), ("Isabelle", "Moulinié", "46224", 4), ("Virginie", "Cazals", "46224", 4),
    ("Laëtitia", "Roques", "46088", 3), ("Sylvie", "Lagarrigue", "46088", 3), ("Émilie", "Bessou", "46064", 1),
    ("Martine", "Fabre", "46064", 1), ("Stéphanie", "Lafon", "46268", 2), ("Aurélie", "Calmon", "46268", 2),
    ("Patricia", "Marty", "46197", 0), ("Christelle", "Rigal", "46137", 0), ("Sophie", "Couderc", "46264", 1),
    ("Valérie", "Pélissié", "46042", 5), ("Audrey", "Lasfargues", "46224", 4), ("Hélène", "Bru", "46088", 3),
    ("Mélanie", "Carrié", "46268", 2), ("Julie", "Souladié", "46042", 0),
]

WEEKDAY_SCHEDULES = [
    {str(d): [["08:00", "17:30"]] for d in range(5)},
    {str(d): [["07:30", "18:00"]] for d in range(4)},
    {str(d): [["08:30", "16:30"]] for d in (0, 1, 3, 4)},
    {str(d): [["07:00", "13:00"]] for d in range(5)},
    {str(d): [["12:00", "18:30"]] for d in (0, 1, 2)},
]


def _user(email: str, role: Role, first: str, last: str, password_hash: str, created: list[str]) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, password_hash=password_hash, role=role, first_name=first, last_name=last)
        db.session.add(user)
        db.session.flush()
        created.append(f"  {role.value:<12} {email}  /  {PASSWORD}")
    return user


@use_case
def load_demo() -> list[str]:
    lines: list[str] = ["Relais Petite Enfance:"]
    created: list[str] = []
    password_hash = hash_password(PASSWORD)
    communes = {c.insee for c in db.session.scalars(select(Commune))}
    if not communes:
        return ["Relais Petite Enfance: no commune loaded, nothing created (load the communes first)."]
    today = today_local()
    rng = random.Random(46)

    relais_rows = []
    for name, address, insee in RELAIS:
        relais = db.session.scalar(select(Relais).where(Relais.name == name))
        if relais is None:
            relais = Relais(name=name, address=address, commune_insee=insee if insee in communes else None)
            db.session.add(relais)
            db.session.flush()
        relais_rows.append(relais)

    staff = _user("ram1@demo.pitchoun.fr", Role.RAM_STAFF, "Claire", "Delmas", password_hash, created)
    if db.session.scalar(select(RelaisStaff).where(RelaisStaff.user_id == staff.id)) is None:
        db.session.add(RelaisStaff(user_id=staff.id, relais_id=relais_rows[0].id))

    made = 0
    for n, (first, last, insee, relais_index) in enumerate(CHILDMINDERS, start=1):
        if insee not in communes:
            lines.append(f"  skipped childminder {first} {last}: commune {insee} not loaded")
            continue
        user = _user(f"childminder{n}@demo.pitchoun.fr", Role.CHILDMINDER, first, last, password_hash, created)
        if db.session.scalar(select(Childminder).where(Childminder.user_id == user.id)) is not None:
            continue
        made += 1
        max_children = rng.choice([3, 4, 4, 4])
        cm = Childminder(user=user, commune_insee=insee, relais_id=relais_rows[relais_index].id,
                         address=f"{rng.randint(1, 40)} rue des Écoles", show_address=rng.random() < 0.4,
                         offers_meals=rng.random() < 0.6, offers_school_pickup=rng.random() < 0.4,
                         hours_before_8=rng.random() < 0.5, hours_after_18=rng.random() < 0.35,
                         works_saturday=rng.random() < 0.15, works_sunday=False, works_nights=rng.random() < 0.05,
                         # Some agree to show their phone or e-mail to families (not drawn: the draws stay put).
                         show_phone=n % 3 == 0, show_email=n % 4 == 0)
        start = date(today.year - rng.randint(1, 8), rng.randint(1, 12), 1)
        cm.licences.append(Licence(reference=f"46-AM-{1000 + n}", max_children=max_children,
                                   max_under_3=min(max_children, rng.choice([2, 3, 4])), valid_from=start,
                                   valid_until=date(start.year + 10, start.month, 1) - timedelta(days=1)))
        if rng.random() < 0.3:
            cm.own_children.append(OwnChild(first_name="Tom", birth_date=today - timedelta(days=rng.randint(400,
                                                                                                          3500))))
        for _k in range(rng.randint(0, max_children - 1)):
            contract = CareContract(
                child_first_name=rng.choice(["Léa", "Hugo", "Jade", "Louis", "Inès", "Gabin", "Alice", "Noé"]),
                birth_date=today - timedelta(days=rng.randint(120, 1300)),
                schedule=rng.choice(WEEKDAY_SCHEDULES), start_date=today - timedelta(days=rng.randint(30, 500)),
                end_date=today + timedelta(days=rng.randint(60, 700)) if rng.random() < 0.5 else None)
            # Only contracts that fit the licence and the legal limits, as the pages enforce.
            wanted = sch.to_mask(contract.schedule)
            if av.covered_mask(profile_of(cm), wanted, contract.start_date, contract.birth_date) == wanted:
                cm.contracts.append(contract)
        stale = n % 7 == 0
        declared_on = today - timedelta(days=400 if stale else rng.randint(5, 60))
        cm.declarations.append(AvailabilityDeclaration(
            declared_at=datetime.combine(declared_on, time(10), UTC), valid_from=declared_on))
        db.session.add(cm)
    if made:
        lines.append(f"  {made} childminders created with licences, children and availability")

    demands = [
        ("Bessières", "Emma", 300, "46088", {str(d): [["07:30", "17:30"]] for d in range(4)}, 8),
        ("Garrigues", "Théo", 500, "46042", {str(d): [["08:30", "17:00"]] for d in range(5)}, 5),
        ("Lafage", "Rose", -60, "46224", {"0": [["08:00", "18:00"]], "2": [["08:00", "12:30"]]}, 10),
        ("Vidal", "Nolan", 900, "46268", {str(d): [["06:30", "19:30"]] for d in range(5)}, 3),
    ]
    for family, child, age_days, insee, schedule, km in demands:
        if insee not in communes or db.session.scalar(select(FamilyDemand).where(
                FamilyDemand.family_name == family, FamilyDemand.child_first_name == child)) is not None:
            continue
        birth = today - timedelta(days=age_days)
        db.session.add(FamilyDemand(
            family_name=family, child_first_name=child, child_birth_date=birth, birth_expected=age_days < 0,
            start_date=max(today, birth) + timedelta(days=75), schedule=schedule, commune_insee=insee,
            max_distance_km=km, relais_id=relais_rows[0].id, created_by_id=staff.id, status=DemandStatus.OPEN,
            atypical_hours=any(a < "08:00" or b > "18:00" for iv in schedule.values() for a, b in iv),
            contact_phone="05 65 00 00 00"))
        lines.append(f"  demand of the {family} family ({child})")

    theme = "Éveil musical"
    if db.session.scalar(select(Workshop).where(Workshop.relais_id == relais_rows[0].id,
                                                Workshop.theme == theme)) is None:
        db.session.add(Workshop(relais_id=relais_rows[0].id, theme=theme, day=today + timedelta(days=14),
                                start_time=time(9, 30), end_time=time(11, 0),
                                place="Relais Cahors centre, 10 boulevard Gambetta", capacity=15,
                                description="Comptines et petites percussions, pour les enfants de 1 à 3 ans."))
        lines.append(f"  workshop « {theme} »")
    if created:
        lines.append("  accounts:")
        lines.extend(created[:3])
        if len(created) > 3:
            lines.append(f"  ... and {len(created) - 3} more childminder accounts "
                         "(childminderN@demo.pitchoun.fr, same password)")
    if len(lines) == 1:
        lines.append("  already loaded, nothing to do")
    return lines
