"""Pages with the test client, CSRF on: the parent's request, pattern, Relais; the coordinator's queue and day."""
from datetime import date, time, timedelta

from sqlalchemy import select

from app import clock
from app.accounts.models import Role
from app.extensions import db
from app.occasional import services
from app.occasional.models import OccasionalBooking, RelaisTransmission, RequestStatus
from tests.conftest import csrf_token_from, get_csrf
from tests.factories import make_user
from tests.occasional.factories import make_coordinator, make_family, make_provider


def _next_monday(weeks: int = 2) -> date:
    today = clock.today()
    return today + timedelta(days=7 - today.weekday() + 7 * (weeks - 1))


def _request_form(client, **values):
    page = client.get("/garde-ponctuelle/").get_data(as_text=True)
    token = csrf_token_from(page)
    import re

    key = re.search(r'id="submission_key" name="submission_key" type="hidden" value="([^"]+)"', page)
    data = {"csrf_token": token, "submission_key": key.group(1) if key else "k-" + str(values)}
    data.update(values)
    return client.post("/garde-ponctuelle/demander", data=data)


def test_parent_requests_a_range_and_sees_it(login_as):
    provider = make_provider()
    parent, _h, child = make_family()
    client = login_as(parent)
    day = _next_monday()
    response = _request_form(client, child_id=child.id, provider_id=provider.id, day=day.isoformat(),
                             start="05:30", end="07:30")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Confirmée" in page
    mine = client.get("/garde-ponctuelle/mes-demandes").get_data(as_text=True)
    assert "05:30–07:30" in mine and provider.name in mine


def test_unaligned_range_is_refused_in_french(login_as):
    provider = make_provider()
    parent, _h, child = make_family()
    client = login_as(parent)
    response = _request_form(client, child_id=child.id, provider_id=provider.id, day=_next_monday().isoformat(),
                             start="05:15", end="07:30")
    assert response.status_code == 422
    assert "demi-heure" in response.get_data(as_text=True)


def test_full_range_offers_waitlist_and_relais(login_as):
    provider = make_provider(walking=1)
    make_provider("Multi-accueil Les Petits Loups", periods=((time(5, 0), time(19, 0)),))
    day = _next_monday()
    first, _h, child1 = make_family()
    services.request_care(first, child1.id, provider.id, day, "06:00", "07:00")
    parent, _h, child = make_family()
    client = login_as(parent)
    page = _request_form(client, child_id=child.id, provider_id=provider.id, day=day.isoformat(),
                         start="06:00", end="07:00").get_data(as_text=True)
    assert "Complet" in page and "06:00, 06:30" in page
    assert "Multi-accueil Les Petits Loups : 06:00–07:00" in page
    assert "Rejoindre la liste d&#39;attente" in page or "Rejoindre la liste d'attente" in page
    token = get_csrf(client, "/garde-ponctuelle/mes-demandes")
    response = client.post("/garde-ponctuelle/demander", data={
        "csrf_token": token, "submission_key": "wl-1", "child_id": child.id, "provider_id": provider.id,
        "day": day.isoformat(), "start": "06:00", "end": "07:00", "join_waitlist": "1"})
    assert "Liste d&#39;attente, position 1" in response.get_data(as_text=True) or \
        "Liste d'attente, position 1" in response.get_data(as_text=True)
    booking = db.session.scalar(select(OccasionalBooking).where(OccasionalBooking.child_id == child.id))
    response = client.post(f"/garde-ponctuelle/demandes/{booking.id}/relais", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OccasionalBooking, booking.id).status is RequestStatus.TRANSMITTED
    assert db.session.scalar(select(RelaisTransmission)).atypical_hours


def test_pattern_page_submits_a_four_week_rotation(login_as):
    provider = make_provider()
    parent, _h, child = make_family()
    client = login_as(parent)
    page = client.get("/garde-ponctuelle/rythme").get_data(as_text=True)
    token = csrf_token_from(page)
    data = {"csrf_token": token, "submission_key": "pattern-1", "child_id": child.id, "provider_id": provider.id,
            "mode": "alternating", "first_day": _next_monday().isoformat(), "weeks": "4",
            "weekdays": ["0", "1", "2", "3", "4"], "early_start": "05:30", "early_end": "08:00",
            "late_start": "18:00", "late_end": "21:30", "early_first": "y", "start": "05:30", "end": "08:00"}
    response = client.post("/garde-ponctuelle/rythme", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("Confirmée") == 20
    again = client.post("/garde-ponctuelle/rythme", data=data).get_data(as_text=True)
    assert "déjà été envoyée" in again
    assert len(services.household_requests(parent)) == 20


def test_coordinator_accepts_an_urgent_request_for_tomorrow_evening(login_as):
    tomorrow = clock.today() + timedelta(days=1)
    provider = make_provider(weekdays=range(7))
    coordinator = make_coordinator(provider)
    parent, _h, child = make_family()
    answer = services.request_care(parent, child.id, provider.id, tomorrow, "18:00", "20:00").answers[0]
    assert answer.status == "urgent_pending"
    parent_page = login_as(parent).get("/garde-ponctuelle/mes-demandes").get_data(as_text=True)
    assert "en attente de la coordinatrice" in parent_page
    client = login_as(coordinator)
    page = client.get("/garde-ponctuelle/coordination").get_data(as_text=True)
    assert child.first_name in page
    response = client.post(f"/garde-ponctuelle/urgences/{answer.booking_id}/accepter",
                           data={"csrf_token": csrf_token_from(page), "note": "À demain"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OccasionalBooking, answer.booking_id).status is RequestStatus.CONFIRMED
    day_page = client.get(f"/garde-ponctuelle/structures/{provider.id}/journee?date={tomorrow.isoformat()}")
    assert day_page.status_code == 200 and "Adultes nécessaires" in day_page.get_data(as_text=True)
    response = client.post(f"/garde-ponctuelle/demandes/{answer.booking_id}/presence",
                           data={"csrf_token": csrf_token_from(page), "arrived_at": "18:05", "left_at": "19:50"})
    assert response.status_code == 302
    db.session.expire_all()
    assert str(db.session.get(OccasionalBooking, answer.booking_id).attended_hours) == "1.75"


def test_permissions_on_pages(login_as):
    provider = make_provider()
    other = make_provider("Autre")
    parent, _h, child = make_family()
    booking_id = services.request_care(parent, child.id, provider.id, _next_monday(), "05:00", "06:00").answers[0].booking_id
    stranger, _h2, _c = make_family()
    stranger_client = login_as(stranger)
    token = get_csrf(stranger_client, "/garde-ponctuelle/")
    assert stranger_client.post(f"/garde-ponctuelle/demandes/{booking_id}/annuler",
                                data={"csrf_token": token}).status_code == 404
    for role in (Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER, Role.ADMIN):
        assert login_as(make_user(role)).get("/garde-ponctuelle/").status_code == 403
    assert login_as(parent).get("/garde-ponctuelle/coordination").status_code == 403
    outsider = login_as(make_coordinator(other))
    assert outsider.get(f"/garde-ponctuelle/structures/{provider.id}/journee").status_code == 404
    animator = login_as(make_coordinator(provider, Role.ANIMATOR))
    assert animator.post(f"/garde-ponctuelle/urgences/{booking_id}/accepter",
                         data={"csrf_token": get_csrf(animator, "/garde-ponctuelle/coordination")}).status_code == 403


MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]


def test_answers_requests_and_emails_write_dates_in_french_long_form(login_as):
    from app.notifications.models import OutboxMessage

    provider = make_provider()
    coordinator = make_coordinator(provider)
    parent, _h, child = make_family()
    client = login_as(parent)
    day = _next_monday()
    long = f"lundi {day.day} {MONTHS_FR[day.month - 1]} {day.year}"
    page = _request_form(client, child_id=child.id, provider_id=provider.id, day=day.isoformat(),
                         start="05:30", end="07:30").get_data(as_text=True)
    assert f'<th scope="row">{long}</th>' in page
    mine = client.get("/garde-ponctuelle/mes-demandes").get_data(as_text=True)
    assert long in mine and f">{day.isoformat()}<" not in mine
    body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "occasional.submitted"))
    assert f"{long} 05:30–07:30" in body and day.isoformat() not in body
    # An urgent request: the coordinator's e-mail and queue say the date the same way.
    tomorrow = clock.today() + timedelta(days=1)
    services.request_care(parent, child.id, provider.id, tomorrow, "18:00", "19:00")
    urgent = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "occasional.urgent_requested"))
    if urgent is not None:  # tomorrow may be a closed day (Sunday)
        assert f"{tomorrow.day} {MONTHS_FR[tomorrow.month - 1]} {tomorrow.year} de 18:00 à 19:00" in urgent
        queue = login_as(coordinator).get("/garde-ponctuelle/coordination").get_data(as_text=True)
        assert f"{tomorrow.day} {MONTHS_FR[tomorrow.month - 1]} {tomorrow.year}" in queue


def test_attendance_post_by_a_stranger_or_on_an_unknown_booking_is_404(login_as):
    """Issue 17, item 10: a director of another provider was sent to the provider's day (its id and
    the day in the Location), whether the form was valid or not; an unknown id answered 500."""
    provider = make_provider()
    other = make_provider("Autre structure")
    parent, _h, child = make_family()
    booking_id = services.request_care(parent, child.id, provider.id, _next_monday(), "05:00", "06:00").answers[0].booking_id
    stranger = login_as(make_coordinator(other))
    token = get_csrf(stranger, "/garde-ponctuelle/coordination")
    for data in ({"csrf_token": token, "arrived_at": "05:00", "left_at": "06:00"},
                 {"csrf_token": token, "arrived_at": "pas une heure"}):
        response = stranger.post(f"/garde-ponctuelle/demandes/{booking_id}/presence", data=data)
        assert response.status_code == 404, (data, response.status_code)
        assert "Location" not in response.headers
        response = stranger.post("/garde-ponctuelle/demandes/999999/presence", data=data)
        assert response.status_code == 404, (data, response.status_code)
    db.session.expire_all()
    assert db.session.get(OccasionalBooking, booking_id).arrived_at is None
    own = login_as(make_coordinator(provider))
    token = get_csrf(own, "/garde-ponctuelle/coordination")
    response = own.post(f"/garde-ponctuelle/demandes/{booking_id}/presence",
                        data={"csrf_token": token, "arrived_at": "pas une heure"})
    assert response.status_code == 302 and f"/structures/{provider.id}/journee" in response.headers["Location"]
