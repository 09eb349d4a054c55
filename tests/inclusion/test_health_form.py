"""The fiche sanitaire de liaison: health data read by the guardians and the staff of the sites where
the child is booked (within the access period), never by others; every read audited; DT-Polio (and
the 11 vaccinations from 2018) required; the PAI answer shared with the inclusion file; purged with
the file; and the alerts the register shows."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.inclusion import health, services
from app.inclusion.models import AuditEntry, ChildNeeds, HealthForm
from tests.booking.factories import WEDNESDAY, make_parent_with_child, make_session, make_site, make_staff
from tests.conftest import login
from tests.factories import make_user
from tests.inclusion.factories import book, make_morning_unit
from tests.ram.factories import make_staff as make_relais_staff

DTP = {"dtp": date(2025, 6, 1)}


def _on(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=UTC), tick=False)


@pytest.fixture
def world(app):
    site = make_site()
    other = make_site("Accueil de loisirs de Pradines")
    director = make_staff(site, Role.DIRECTOR)
    animator = make_staff(site, Role.ANIMATOR)
    elsewhere = make_staff(other, Role.DIRECTOR)
    other_animator = make_staff(other, Role.ANIMATOR)
    parent, _h, child = make_parent_with_child()
    book(parent, child, make_session(make_morning_unit(site)))  # confirmed, 18 March 2026
    with app.test_request_context("/"):
        yield dict(site=site, director=director, animator=animator, elsewhere=elsewhere,
                   other_animator=other_animator, parent=parent, child=child)


def _fill(user, child, **kw):
    values = dict(vaccinations=dict(DTP), has_pai=False, emergency_care_authorised=True,
                  authorisation_signed_by="Camille Martin", doctor_name="Dr Bach", doctor_phone="05 65 11 22 33",
                  food_allergies="Arachide", severe_allergy=True, allergy_conduct="Stylo d'adrénaline, appeler le 15")
    values.update(kw)
    return health.save_health_form(user, child.id, **values)


def _count(**where) -> int:
    query = select(func.count(AuditEntry.id))
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return db.session.scalar(query)


def test_guardian_fills_the_form_and_the_staff_of_the_booked_site_read_it(world):
    child, parent = world["child"], world["parent"]
    eleven = {code: date(2025, 6, 1) for code in health.mandatory_vaccines(child.birth_date)}
    form = _fill(parent, child, vaccinations=eleven)
    assert form.authorisation_signed_on == date(2026, 3, 2) and form.authorisation_signed_by_id == parent.id
    for reader in (parent, world["director"], world["animator"]):
        view = health.read_health_form(reader, child.id)
        assert view.form.food_allergies == "Arachide" and view.missing_mandatory == []
    assert _count(child_id=child.id, action="read", target="health_form") == 3
    assert _count(child_id=child.id, action="create", target="health_form") == 1


def test_nobody_else_reads_it_and_access_ends_with_the_period(world):
    child, parent = world["child"], world["parent"]
    _fill(parent, child, vaccinations={code: date(2025, 6, 1) for code in health.mandatory_vaccines(child.birth_date)})
    strangers = [world["elsewhere"], world["other_animator"], make_user(Role.PARENT), make_user(Role.ADMIN),
                 make_relais_staff(), make_user(Role.CHILDMINDER)]
    for user in strangers:
        with pytest.raises(NotFound):
            health.read_health_form(user, child.id)
        assert health.health_alerts_for(child, WEDNESDAY, viewer=user) == []
    for user in (world["director"], world["animator"], make_user(Role.PARENT)):
        with pytest.raises(NotFound):
            _fill(user, child)  # only a guardian writes it
    with _on(date(2026, 5, 18)):  # the last day of access: 2 months after the booked day
        health.read_health_form(world["director"], child.id)
    with _on(date(2026, 5, 19)):
        with pytest.raises(NotFound):
            health.read_health_form(world["animator"], child.id)
        health.read_health_form(parent, child.id)  # the family always


def test_mandatory_vaccinations_and_dates_are_checked(world):
    child, parent = world["child"], world["parent"]
    with pytest.raises(ValidationFailed, match="DT-Polio"):
        _fill(parent, child, vaccinations={})
    with pytest.raises(ValidationFailed, match="futur"):
        _fill(parent, child, vaccinations={"dtp": date(2026, 3, 3)})
    with pytest.raises(ValidationFailed, match="naissance"):
        _fill(parent, child, vaccinations={"dtp": date(child.birth_date.year - 1, 1, 1)})
    with pytest.raises(ValidationFailed, match="signature"):
        _fill(parent, child, vaccination_exemption="Certificat du Dr Bach", authorisation_signed_by=" ")
    assert db.session.scalar(select(func.count(HealthForm.id))) == 0  # nothing half-written
    # A contra-indication stands in for the dates; 2018 law: 11 vaccinations for children born since.
    _fill(parent, child, vaccinations={}, vaccination_exemption="Certificat du Dr Bach")
    assert health.mandatory_vaccines(date(2017, 12, 31)) == ("dtp",)
    assert len(health.mandatory_vaccines(date(2018, 1, 1))) == 7


def test_pai_answer_is_the_inclusion_files_and_alerts_for_the_register(world):
    child, parent, animator = world["child"], world["parent"], world["animator"]
    eleven = {code: date(2025, 6, 1) for code in health.mandatory_vaccines(child.birth_date)}
    _fill(parent, child, vaccinations=eleven, has_pai=True, asthma=True, treatments="Ventoline",
          emergency_care_authorised=False)
    assert db.session.scalar(select(ChildNeeds.has_pai).where(ChildNeeds.child_id == child.id)) is True
    before = _count(child_id=child.id, target="health_alerts")
    alerts = health.health_alerts_for(child, WEDNESDAY, viewer=animator)
    db.session.commit()
    labels = [a.label for a in alerts]
    assert labels[:3] == ["Allergie sévère", "Asthme", "PAI"] and {a.level for a in alerts[:3]} == {"severe"}
    assert "Traitement en cours" in labels and "Soins d'urgence" in labels
    assert "Arachide" in alerts[0].text and "adrénaline" in alerts[0].text
    assert _count(child_id=child.id, target="health_alerts") == before + 1
    # Un-ticking PAI on the form changes the file's answer (one source).
    _fill(parent, child, vaccinations=eleven, has_pai=False)
    assert db.session.scalar(select(ChildNeeds.has_pai).where(ChildNeeds.child_id == child.id)) is False
    # After the access period, the register shows nothing to the site's staff.
    assert health.health_alerts_for(child, date(2026, 5, 19), viewer=animator) == []


def test_health_form_is_purged_with_the_file_and_exported_to_the_family(world):
    child, parent = world["child"], world["parent"]
    _fill(parent, child, vaccinations={"dtp": date(2025, 6, 1)}, vaccination_exemption="Certificat")
    data = services.export_child_data(parent, child.id)
    assert data["health_form"]["food_allergies"] == "Arachide"
    assert services.purge(date(2028, 3, 1)) == 0  # recent: kept
    assert services.purge(date(2030, 1, 1)) == 1  # 3 years after the last contact
    assert db.session.scalar(select(func.count(HealthForm.id))) == 0


def test_pages_guardian_form_and_staff_read_view(world, make_client):
    child, parent = world["child"], world["parent"]
    client = make_client()
    login(client, parent)
    url = f"/inclusion/enfants/{child.id}/fiche-sanitaire"
    page = client.get(url)
    assert page.status_code == 200 and "Diphtérie" in page.get_data(as_text=True)
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    refused = client.post(url, data={"csrf_token": token, "doctor_name": "Dr Bach"})
    assert refused.status_code == 422 and "Vaccination obligatoire" in refused.get_data(as_text=True)
    fields = {"csrf_token": token, "vaccination_exemption": "Certificat", "food_allergies": "Arachide",
              "severe_allergy": "y", "emergency_care_authorised": "y", "authorisation_signed_by": "Camille Martin"}
    assert client.post(url, data=fields).status_code == 302
    staff = make_client()
    login(staff, world["animator"])
    view = staff.get(url)
    assert view.status_code == 200 and "Allergie sévère" in view.get_data(as_text=True)
    assert "<form" not in view.get_data(as_text=True).split("<main", 1)[-1].split("</main>")[0]
    outsider = make_client()
    login(outsider, world["elsewhere"])
    assert outsider.get(url).status_code == 404
