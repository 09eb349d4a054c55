"""A director's access to a child's health file is bounded: a confirmed or held booking at the
director's site opens it, until a period (a dated rule) after the last booked day; a waitlisted or
cancelled booking opens nothing. The family sees who can read the file and until when. Every read
is audited."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app import rules
from app.accounts.models import Role
from app.booking.models import AgeBand, Booking, BookingStatus
from app.errors import NotFound
from app.extensions import db
from app.inclusion import services
from app.inclusion.access import ACCESS_MONTHS, Reader, file_access_until
from app.inclusion.models import AuditEntry
from tests.booking.factories import WEDNESDAY, make_parent_with_child, make_session, make_site, make_staff
from tests.conftest import login
from tests.inclusion.factories import book, make_morning_unit, make_needs

LAST_DAY = date(2026, 5, 18)  # WEDNESDAY (18 March 2026) + 2 months


def _on(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=UTC), tick=False)


@pytest.fixture
def world():
    site = make_site()
    other = make_site("Accueil de loisirs de Pradines")
    director = make_staff(site, Role.DIRECTOR, first_name="Nadia", last_name="Roux")
    elsewhere = make_staff(other, Role.DIRECTOR)
    parent, _h, child = make_parent_with_child()
    make_needs(child, allergies="Arachide", emergency_protocol="Adrénaline")
    book(parent, child, make_session(make_morning_unit(site)))  # confirmed, 18 March 2026
    return site, director, elsewhere, parent, child


def _reads(user) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.actor_id == user.id,
                                                                     AuditEntry.action == "read"))


def test_access_lasts_until_two_months_after_the_last_booked_day(world):
    site, director, elsewhere, _parent, child = world
    for day in (date(2026, 3, 2), WEDNESDAY, date(2026, 4, 30), LAST_DAY):
        with _on(day):
            assert services.read_file(director, child.id).needs.allergies == "Arachide", day
    assert _reads(director) == 4  # every read is in the trail
    with _on(date(2026, 5, 19)):
        with pytest.raises(NotFound):
            services.read_file(director, child.id)
        with pytest.raises(NotFound):
            services.read_file(elsewhere, child.id)
    with _on(date(2029, 3, 18)):  # not years after one visit
        with pytest.raises(NotFound):
            services.read_file(director, child.id)
    assert _reads(director) == 4


def test_the_period_is_a_dated_rule(world):
    _site, director, _elsewhere, _parent, child = world
    rules.set_value(ACCESS_MONTHS.key, 6, valid_from=date(2026, 5, 1), note="Délibération")
    db.session.commit()
    with _on(date(2026, 5, 19)):
        services.read_file(director, child.id)
    with _on(date(2026, 9, 18)):
        services.read_file(director, child.id)
    with _on(date(2026, 9, 19)), pytest.raises(NotFound):
        services.read_file(director, child.id)


@pytest.mark.parametrize("status, opens", [
    (BookingStatus.CONFIRMED, True),
    (BookingStatus.PENDING_PREPARATION, True),
    (BookingStatus.WAITLISTED, False),
    (BookingStatus.CANCELLED, False),
    (BookingStatus.LATE_CANCELLED, False),
])
def test_only_a_confirmed_or_held_booking_opens_the_file(status, opens):
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    _parent, _h, child = make_parent_with_child()
    make_needs(child, allergies="Arachide")
    session = make_session(make_morning_unit(site), day=date(2026, 6, 17))  # upcoming
    db.session.add(Booking(child_id=child.id, session_id=session.id, status=status, age_band=AgeBand.OVER6,
                           submission_id="test"))
    db.session.commit()
    with _on(date(2026, 6, 1)):
        if opens:
            assert services.read_file(director, child.id).child.id == child.id
            assert file_access_until(child.id) == {site.id: date(2026, 8, 17)}
        else:
            with pytest.raises(NotFound):
                services.read_file(director, child.id)
            assert file_access_until(child.id) == {}


def test_the_family_sees_who_can_read_and_until_when(world, make_client):
    site, director, elsewhere, parent, child = world
    with _on(date(2026, 4, 1)):
        trail = services.consultations_of(parent, child.id)
        assert trail.readers == [Reader("Nadia Roux", site.name, LAST_DAY)]
        client = make_client()
        login(client, parent)
        page = client.get(f"/inclusion/enfants/{child.id}/consultations").get_data(as_text=True)
        assert "Nadia Roux" in page and "18/05/2026" in page
        assert elsewhere.display_name not in page
    with _on(date(2026, 5, 19)):
        assert services.consultations_of(parent, child.id).readers == []
        login(client, parent)
        page = client.get(f"/inclusion/enfants/{child.id}/consultations").get_data(as_text=True)
        assert "Nadia Roux" not in page and "Aucune direction" in page


def test_the_director_is_refused_over_http_the_day_after(world, make_client):
    _site, director, _elsewhere, _parent, child = world
    client = make_client()
    with _on(LAST_DAY):
        login(client, director)
        assert client.get(f"/inclusion/enfants/{child.id}").status_code == 200
    with _on(date(2026, 5, 19)):
        login(client, director)
        assert client.get(f"/inclusion/enfants/{child.id}").status_code == 404
