"""One-line builders for the Relais module's tests."""
from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from pathlib import Path

from app.accounts.models import Role
from app.extensions import db
from app.families.models import Commune
from app.ram.models import (
    AvailabilityDeclaration,
    CareContract,
    Childminder,
    FamilyDemand,
    Licence,
    OwnChild,
    Relais,
    RelaisStaff,
    Workshop,
)
from tests.factories import make_user

# The day the fixed dates below are written for (tests/ram/conftest.py freezes the clock on it).
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)

COMMUNES_CSV = Path("/work/shared/data/grand-cahors-communes.csv")
# A few communes, so tests do not depend on the shared file being present.
COMMUNES = {
    "46042": ("Cahors", 44.451, 1.441), "46224": ("Pradines", 44.465, 1.389),
    "46088": ("Douelle", 44.471, 1.355), "46064": ("Catus", 44.558, 1.341),
    "46268": ("Saint Géry-Vers", 44.489, 1.569), "46197": ("Le Montat", 44.380, 1.455),
}

WEEKDAYS_7H30_17H30 = {str(d): [["07:30", "17:30"]] for d in range(4)}  # Monday to Thursday


def load_communes() -> None:
    rows = COMMUNES
    if COMMUNES_CSV.exists():
        with COMMUNES_CSV.open(encoding="utf-8") as handle:
            rows = {r["insee"]: (r["name"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(handle)}
    for insee, (name, lat, lon) in rows.items():
        if db.session.get(Commune, insee) is None:
            db.session.add(Commune(insee=insee, name=name, latitude=lat, longitude=lon))
    db.session.commit()


def make_relais(name: str = "Relais Cahors centre", insee: str = "46042") -> Relais:
    load_communes()
    existing = db.session.scalar(db.select(Relais).where(Relais.name == name))
    if existing is not None:
        return existing
    relais = Relais(name=name, address="10 boulevard Gambetta", commune_insee=insee)
    db.session.add(relais)
    db.session.commit()
    return relais


def make_staff(relais: Relais | None = None, **kw):
    relais = relais or make_relais()
    user = make_user(Role.RAM_STAFF, **kw)
    db.session.add(RelaisStaff(user_id=user.id, relais_id=relais.id))
    db.session.commit()
    return user


def make_childminder(*, insee: str = "46042", relais: Relais | None = None, max_children: int = 4,
                     max_under_3: int = 4, valid_from: date = date(2020, 1, 1), valid_until: date = date(2035, 1, 1),
                     declared: datetime | None = datetime(2026, 11, 15, 10, tzinfo=UTC),
                     first_name: str = "Sophie", last_name: str = "Delmas", **offers) -> Childminder:
    load_communes()
    user = make_user(Role.CHILDMINDER, first_name=first_name, last_name=last_name)
    cm = Childminder(user=user, commune_insee=insee, relais_id=relais.id if relais else None,
                     address="3 rue des Tilleuls", **offers)
    cm.licences.append(Licence(max_children=max_children, max_under_3=max_under_3, valid_from=valid_from,
                               valid_until=valid_until))
    if declared:
        cm.declarations.append(AvailabilityDeclaration(declared_at=declared, valid_from=declared.date()))
    db.session.add(cm)
    db.session.commit()
    return cm


def add_child(cm: Childminder, birth: date, schedule: dict | None = None, start: date = date(2025, 9, 1),
              end: date | None = None, name: str = "Lou") -> CareContract:
    contract = CareContract(childminder=cm, child_first_name=name, birth_date=birth,
                            schedule=schedule or {str(d): [["08:00", "18:00"]] for d in range(5)},
                            start_date=start, end_date=end)
    db.session.add(contract)
    db.session.commit()
    return contract


def add_own_child(cm: Childminder, birth: date) -> OwnChild:
    child = OwnChild(childminder=cm, first_name="Jules", birth_date=birth)
    db.session.add(child)
    db.session.commit()
    return child


def make_demand(*, insee: str = "46088", birth: date = date(2026, 5, 1), start: date = date(2027, 3, 1),
                schedule: dict | None = None, max_km: int = 15, parent=None, **fields) -> FamilyDemand:
    load_communes()
    demand = FamilyDemand(child_first_name="Emma", child_birth_date=birth, start_date=start,
                          schedule=schedule or WEEKDAYS_7H30_17H30, commune_insee=insee, max_distance_km=max_km,
                          parent_user_id=parent.id if parent else None, family_name="Bessières", **fields)
    db.session.add(demand)
    db.session.commit()
    return demand


def make_workshop(relais: Relais, *, capacity: int = 10, day: date = date(2027, 1, 12)) -> Workshop:
    workshop = Workshop(relais=relais, theme="Peinture propre", day=day, start_time=time(9, 30),
                        end_time=time(11, 0), place="Salle du relais", capacity=capacity)
    db.session.add(workshop)
    db.session.commit()
    return workshop
