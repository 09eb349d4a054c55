from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking import services
from app.booking.models import Booking, BookingStatus, Session
from app.extensions import db
from app.families.models import AuthorisedPickup
from app.sites.models import Site
from tests.booking.factories import (
    future_wednesday,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.conftest import csrf_token_from, get_csrf
from tests.factories import make_child, make_user


@pytest.fixture
def setup():
    site = make_site()
    unit = make_unit(make_activity(site), price=Decimal("6.20"))
    day = future_wednesday()
    session = make_session(unit, day=day, under6=0, over6=1)
    parent, household, child = make_parent_with_child()
    return site, unit, session, parent, household, child


def _book_via_page(client, session, child, key="k-1"):
    page = client.get(f"/accueils/reserver?month={session.day:%Y-%m}")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/accueils/reserver", data={"csrf_token": token, "item": [f"{child.id}:{session.id}"],
                                                   "submission_key": key})


def test_parent_calendar_shows_price_places_and_books(setup, login_as):
    site, unit, session, parent, household, child = setup
    client = login_as(parent)
    page = client.get(f"/accueils/reserver?month={session.day:%Y-%m}&child={child.id}").get_data(as_text=True)
    assert "6,20 €" in page and "1 place" in page and f'value="{child.id}:{session.id}"' in page
    # A month calendar of one site, week by week, each checkbox labelled by its session.
    assert site.name in page and "<legend>Semaine du" in page and f'for="item-{child.id}-{session.id}"' in page
    response = _book_via_page(client, session, child)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Confirmée" in body
    again = _book_via_page(client, session, child)  # double click: same submission key
    assert "déjà été envoyée" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_full_session_waitlists_with_position_and_cancel_promotes(setup, login_as):
    site, unit, session, parent, household, child = setup
    other, _oh, other_child = make_parent_with_child()
    first = login_as(parent)
    _book_via_page(first, session, child, key="a")
    second = login_as(other)
    page = second.get(f"/accueils/reserver?month={session.day:%Y-%m}").get_data(as_text=True)
    assert "Complet" in page
    body = _book_via_page(second, session, other_child, key="b").get_data(as_text=True)
    assert "Liste d'attente, position 1" in body
    assert "Liste d'attente, position 1" in second.get("/accueils/mes-reservations").get_data(as_text=True)
    booking = db.session.scalar(select(Booking).where(Booking.child_id == child.id))
    token = get_csrf(first, "/accueils/mes-reservations")
    response = first.post(f"/accueils/reservations/{booking.id}/annuler", data={"csrf_token": token})
    assert response.status_code == 302
    promoted = db.session.scalar(select(Booking).where(Booking.child_id == other_child.id))
    assert promoted.status is BookingStatus.CONFIRMED


def test_parent_cannot_touch_another_household(setup, login_as):
    site, unit, session, parent, household, child = setup
    other, _oh, _oc = make_parent_with_child()
    item = services.book(parent, [(child.id, session.id)]).items[0]
    client = login_as(other)
    assert client.get(f"/accueils/reserver?child={child.id}").status_code == 404
    token = get_csrf(client, "/accueils/mes-reservations")
    assert client.post(f"/accueils/reservations/{item.booking_id}/annuler",
                       data={"csrf_token": token}).status_code == 404
    response = client.post("/accueils/reserver", data={"csrf_token": token, "item": f"{child.id}:{session.id}"})
    assert response.status_code == 404


def test_post_without_csrf_is_refused(setup, login_as):
    site, unit, session, parent, household, child = setup
    client = login_as(parent)
    response = client.post("/accueils/reserver", data={"item": f"{child.id}:{session.id}"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER])
def test_parent_pages_forbidden_to_other_roles(role, login_as):
    site = make_site()
    user = make_staff(site, role) if role in (Role.DIRECTOR, Role.ANIMATOR) else make_user(role)
    client = login_as(user)
    assert client.get("/accueils/reserver").status_code == 403
    assert client.get("/accueils/mes-reservations").status_code == 403


@pytest.mark.parametrize("role", [Role.PARENT, Role.RAM_STAFF, Role.CHILDMINDER])
def test_staff_pages_forbidden_to_other_roles(role, login_as):
    site = make_site()
    client = login_as(make_user(role))
    assert client.get("/accueils/sites").status_code == 403
    assert client.get(f"/accueils/sites/{site.id}").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accueils/reserver")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_director_manages_own_site_only(setup, login_as):
    site, unit, session, parent, household, child = setup
    other_site = make_site("Centre social de Pradines")
    director = make_staff(site)
    client = login_as(director)
    assert site.name in client.get("/accueils/sites").get_data(as_text=True)
    assert client.get(f"/accueils/sites/{other_site.id}").status_code == 404
    assert client.get(f"/accueils/sites/{other_site.id}/seances").status_code == 404
    page = client.get(f"/accueils/sites/{site.id}")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(f"/accueils/sites/{site.id}/activites", data={
        "csrf_token": token, "activity-name": "Vacances d'hiver", "activity-kind": "extrascolaire",
        "activity-min_age": "3", "activity-max_age": "12", "activity-regime": "extrascolaire",
        "activity-booking_deadline_days": "7", "activity-booking_deadline_time": "12:00",
        "activity-cancel_deadline_days": "7", "activity-cancel_deadline_time": "12:00"})
    assert response.status_code == 302
    activity_url = response.headers["Location"]
    token = csrf_token_from(client.get(activity_url).get_data(as_text=True))
    response = client.post(activity_url, data={"csrf_token": token, "unit-label": "Journée", "unit-kind": "whole_day",
                                               "unit-start_time": "08:30", "unit-end_time": "17:30",
                                               "unit-with_meal": "y"})
    assert response.status_code == 302
    page = client.get(activity_url).get_data(as_text=True)
    assert "Journée (08:30–17:30" in page
    other_activity = make_activity(other_site)
    assert client.get(f"/accueils/activites/{other_activity.id}").status_code == 404


@time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=UTC), tick=False)
def test_director_generates_sessions_from_a_period(login_as):
    from tests.booking.factories import make_zone_c_holidays

    make_zone_c_holidays()
    site = make_site()
    unit = make_unit(make_activity(site))
    client = login_as(make_staff(site))
    url = f"/accueils/activites/{unit.activity_id}/generer"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "units": str(unit.id), "weekdays": "2",
                                      "first_day": "2026-02-01", "last_day": "2026-03-31", "mode": "school_weeks",
                                      "capacity_under6": "8", "capacity_over6": "12", "animators_planned": "2"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    days = db.session.scalars(select(Session.day).order_by(Session.day)).all()
    # Wednesdays of February and March 2026 outside the winter holidays (21/02 - 08/03).
    assert days == [date(2026, 2, 4), date(2026, 2, 11), date(2026, 2, 18), date(2026, 3, 11), date(2026, 3, 18),
                    date(2026, 3, 25)]
    assert "6 séances créées" in body and "vacances scolaires" in body


@time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False)  # 2 March, 00:30 in Paris
def test_generation_refuses_a_period_that_starts_before_today_like_the_api(login_as):
    """Issue 17, item 10: the period form created sessions in the past; the API refused them."""
    from tests.booking.factories import make_zone_c_holidays

    make_zone_c_holidays()
    site = make_site()
    unit = make_unit(make_activity(site))
    client = login_as(make_staff(site))
    url = f"/accueils/activites/{unit.activity_id}/generer"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "units": str(unit.id), "weekdays": "0", "last_day": "2026-03-31",
            "mode": "all", "capacity_under6": "8", "capacity_over6": "12"}
    response = client.post(url, data={**data, "first_day": "2026-03-01"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "01/03/2026 est déjà passé" in body
    assert 'aria-invalid="true"' in body
    assert db.session.scalar(select(func.count(Session.id))) == 0
    response = client.post(url, data={**data, "first_day": "2026-03-02"})  # today in Paris
    assert db.session.scalars(select(Session.day).order_by(Session.day)).all()[0] == date(2026, 3, 2)


def test_session_page_register_staffing_and_attendance_by_animator(setup, login_as, request):
    site, unit, session, parent, household, child = setup
    child.needs_particular_care = True
    household.pickup_persons.append(AuthorisedPickup(full_name="Mamie Odette", relationship_to_children="grand-mère",
                                                     phone="0600000000"))
    db.session.commit()
    item = services.book(parent, [(child.id, session.id)]).items[0]
    animator = make_staff(site, Role.ANIMATOR)
    # Attendance is recorded on the session's day (issue 17, item 7).
    traveller = time_machine.travel(datetime.combine(session.day, time(9, 0), tzinfo=UTC), tick=False)
    traveller.start()
    request.addfinalizer(traveller.stop)
    client = login_as(animator)
    page = client.get(f"/accueils/seances/{session.id}").get_data(as_text=True)
    assert "Mamie Odette" in page and "attention particulière nécessaire" in page
    # One child, no animator planned: the director is the one required animator (R227-17).
    assert "il manque" not in page and "La direction compte parmi les animateurs requis" in page
    token = csrf_token_from(page)
    response = client.post(f"/accueils/seances/{session.id}/presences",
                           data={"csrf_token": token, f"status-{item.booking_id}": "present",
                                 f"late-{item.booking_id}": "1"})
    assert response.status_code == 302
    booking = db.session.get(Booking, item.booking_id)
    assert booking.attendance.status.value == "present" and booking.attendance.late_departure
    # Animators may not change capacities.
    assert client.post(f"/accueils/seances/{session.id}/modifier", data={"csrf_token": token, "capacity_under6": "5",
                                                               "capacity_over6": "5",
                                                               "animators_planned": "1"}).status_code == 403
    register = client.get(f"/accueils/sites/{site.id}/registre?date={session.day.isoformat()}").get_data(as_text=True)
    assert "Mamie Odette" in register and "print.css" in register
    other = make_staff(make_site("Centre social de Pradines"), Role.ANIMATOR)
    assert login_as(other).get(f"/accueils/seances/{session.id}").status_code == 404


def test_director_raises_capacity_and_waiting_child_is_promoted(setup, login_as):
    site, unit, session, parent, household, child = setup
    other, _oh, other_child = make_parent_with_child()
    services.book(parent, [(child.id, session.id)])
    waiting = services.book(other, [(other_child.id, session.id)]).items[0]
    client = login_as(make_staff(site))
    token = get_csrf(client, f"/accueils/seances/{session.id}")
    response = client.post(f"/accueils/seances/{session.id}/modifier", data={"csrf_token": token,
                                                                            "capacity_under6": "0",
                                                                   "capacity_over6": "2", "animators_planned": "1"})
    assert response.status_code == 302
    assert db.session.get(Booking, waiting.booking_id).status is BookingStatus.CONFIRMED


def test_session_list_shows_staffing(setup, login_as):
    site, unit, session, parent, household, child = setup
    client = login_as(make_staff(site))
    page = client.get(f"/accueils/sites/{site.id}/seances?month={session.day:%Y-%m}").get_data(as_text=True)
    assert "0 / 1" in page and "Animateurs requis" in page


def test_admin_creates_a_site_and_sees_every_site(login_as):
    from tests.factories import make_commune

    make_commune()
    existing = make_site("Centre social de Pradines")
    admin = login_as(make_user(Role.ADMIN))
    page = admin.get("/accueils/sites").get_data(as_text=True)
    assert existing.name in page
    response = admin.post("/accueils/sites/nouveau", data={"csrf_token": csrf_token_from(page), "name": "ALSH de Catus",
                                                   "address": "Place de la Mairie", "commune_insee": "46042"})
    assert response.status_code == 302
    assert db.session.scalar(select(Site).where(Site.name == "ALSH de Catus")) is not None
    director = login_as(make_staff(existing))
    token = get_csrf(director, "/accueils/sites")
    assert director.post("/accueils/sites/nouveau", data={"csrf_token": token, "name": "X", "address": "Y",
                                                  "commune_insee": "46042"}).status_code == 403


def test_calendar_page_query_count_does_not_grow_with_sessions(setup, login_as):
    from sqlalchemy import event

    site, unit, session, parent, household, child = setup
    make_child(household, first_name="Jade", birth_date=date(2016, 1, 2))
    client = login_as(parent)
    url = f"/accueils/reserver?month={session.day:%Y-%m}"

    def count_queries():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    few = count_queries()
    other_unit = make_unit(unit.activity, label="Matin", start=time(8, 30), end=time(12, 0), with_meal=False)
    for offset in (0, 7):
        make_session(other_unit, day=session.day + timedelta(days=offset))
    assert count_queries() == few


def test_director_edits_rules_and_adds_a_tariff(login_as):
    from app.booking.models import Activity, Tariff

    site = make_site()
    unit = make_unit(make_activity(site), tariffs=False)
    client = login_as(make_staff(site))
    url = f"/accueils/activites/{unit.activity_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="12:00"' in page
    token = csrf_token_from(page)
    response = client.post(url, data={
        "csrf_token": token, "activity-name": "Mercredis", "activity-kind": "periscolaire",
        "activity-min_age": "3", "activity-max_age": "11", "activity-regime": "pedt_short",
        "activity-opens_at": "2026-06-01T08:00", "activity-booking_deadline_days": "5",
        "activity-booking_deadline_time": "18:00", "activity-cancel_deadline_days": "3",
        "activity-cancel_deadline_time": "12:00"})
    assert response.status_code == 302
    activity = db.session.get(Activity, unit.activity_id)
    db.session.refresh(activity)
    assert activity.booking_deadline_days == 5 and activity.booking_deadline_time == time(18, 0)
    assert activity.opens_at.isoformat() == "2026-06-01T06:00:00+00:00"  # 08:00 in Paris, summer time
    assert 'value="2026-06-01T08:00"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "unit_id": str(unit.id), "tariff-qf_min": "0",
                                      "tariff-qf_max": "600", "tariff-resident": "y", "tariff-price": "4.50",
                                      "tariff-valid_from": "2026-09-01"})
    assert response.status_code == 302
    tariff = db.session.scalar(select(Tariff).where(Tariff.unit_id == unit.id))
    assert tariff.price == Decimal("4.50") and tariff.qf_max == 600
    # Invalid age range is answered in the form, in French.
    response = client.post(url, data={
        "csrf_token": token, "activity-name": "Mercredis", "activity-kind": "periscolaire",
        "activity-min_age": "9", "activity-max_age": "4", "activity-regime": "pedt_short",
        "activity-booking_deadline_days": "5", "activity-booking_deadline_time": "18:00",
        "activity-cancel_deadline_days": "3", "activity-cancel_deadline_time": "12:00"})
    assert response.status_code == 200 and "La tranche d" in response.get_data(as_text=True)


def test_attendance_is_recorded_only_from_the_sessions_day(setup, login_as):
    """Issue 17, item 7: "present" was recorded six days ahead; the CAF report counted it at once and
    the family could no longer send a medical certificate."""
    from datetime import datetime as dt
    from io import BytesIO

    from app.billing import caf, certificates
    from app.booking import attendance
    from app.booking.models import Attendance
    from app.clock import PARIS
    from app.errors import Conflict
    from tests.inclusion.factories import PDF

    site, unit, session, parent, household, child = setup
    item = services.book(parent, [(child.id, session.id)]).items[0]
    director = make_staff(site)
    six_days_before = dt.combine(session.day - timedelta(days=6), time(10, 0), tzinfo=UTC)
    # The evening before, 23:30 in Paris (21:30 or 22:30 UTC, by the season): still the day before.
    evening_before = dt.combine(session.day - timedelta(days=1), time(23, 30), tzinfo=PARIS)
    for moment in (six_days_before, evening_before):
        with pytest.raises(Conflict) as refused:
            attendance.mark_attendance(director, item.booking_id, "present", now=moment)
        assert refused.value.code == "attendance_too_early"
        with time_machine.travel(moment, tick=False):
            client = login_as(director)
            page = client.get(f"/accueils/seances/{session.id}").get_data(as_text=True)
            assert "pourront être notées à partir du" in page and 'name="status-' not in page
            response = client.post(f"/accueils/seances/{session.id}/presences",
                                   data={"csrf_token": csrf_token_from(page), f"status-{item.booking_id}": "present"})
            assert response.status_code == 302
            assert "pourront être notées" in client.get(response.headers["Location"]).get_data(as_text=True)
            assert caf.site_report(director, site.id, session.day.replace(day=1)).total.hours == 0
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    # On the day (00:30 in Paris, still the day before in UTC): the child is absent, the family sends a certificate.
    on_the_day = dt.combine(session.day, time(0, 30), tzinfo=PARIS)
    attendance.mark_attendance(director, item.booking_id, "absent", now=on_the_day)
    with time_machine.travel(on_the_day + timedelta(hours=10), tick=False):
        certificate = certificates.upload_certificate(parent, item.booking_id, BytesIO(PDF), "certificat.pdf")
        assert certificate.booking_id == item.booking_id


def test_the_caf_report_never_counts_attendance_dated_ahead(setup):
    """A record written ahead before the rule (or by hand) is not declared until its day has come."""
    from app.billing import caf
    from app.booking.models import Attendance, AttendanceStatus

    site, unit, session, parent, household, child = setup
    item = services.book(parent, [(child.id, session.id)]).items[0]
    db.session.add(Attendance(booking_id=item.booking_id, status=AttendanceStatus.PRESENT))
    db.session.commit()
    admin = make_user(Role.ADMIN)
    first = session.day.replace(day=1)
    assert caf.site_report(admin, site.id, first, today=session.day - timedelta(days=6)).total.hours == 0
    assert caf.site_report(admin, site.id, first, today=session.day).total.hours > 0
