"""Occasional care hands a request nobody could take to the Relais, without either importing the other."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.occasional import relais
from app.ram.models import FamilyDemand
from tests.occasional.factories import make_family
from tests.ram.factories import make_relais


def test_transmitted_range_becomes_a_relais_demand_with_atypical_hours():
    make_relais("Relais Cahors centre", "46042")
    parent, household, child = make_family()
    monday = date(2026, 12, 7)
    record = relais.transmit_range(parent, child.id, monday, "05:30", "08:00", message="Travail à l'hôpital",
                                   today=date(2026, 12, 1))
    demand = db.session.scalar(select(FamilyDemand))
    assert record.relais_reference == f"demande-relais-{demand.id}"
    assert demand.atypical_hours is True
    assert demand.schedule == {"0": [["05:30", "08:00"]]}
    assert demand.start_date == monday and demand.commune_insee == household.commune_insee
    assert demand.child_birth_date == child.birth_date and demand.parent_user_id == parent.id
    assert demand.relais.name == "Relais Cahors centre"
    assert "07/12/2026 05:30–08:00" in demand.notes and "hôpital" in demand.notes


def test_family_outside_the_agglomeration_is_recorded_but_gets_no_relais_demand():
    parent, household, child = make_family()
    household.commune_insee = None
    db.session.commit()
    record = relais.transmit_range(parent, child.id, date(2026, 12, 7), "19:00", "22:00", today=date(2026, 12, 1))
    assert record.relais_reference is None
    assert db.session.scalar(select(FamilyDemand)) is None
