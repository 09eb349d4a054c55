"""POST, GET and DELETE /bookings: statuses, refusals, idempotency, other households."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role
from app.booking import admission
from app.booking.models import Booking, BookingStatus, IdempotencyKey, Session
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.api.support import bearer, error_of, today
from tests.booking.factories import make_activity, make_parent_with_child, make_session, make_unit
from tests.factories import make_user


def _future_session(**fields) -> Session:
    return make_session(day=fields.pop("day", today() + timedelta(days=20)), **fields)


def _book(client, parent, child, session, **headers):
    return client.post("/api/v1/bookings", headers={**bearer(parent), **headers},
                       json={"child_id": child.id, "session_id": session.id})


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_booking_is_confirmed_then_waitlisted_with_positions(client):
    session = _future_session(under6=0, over6=1)
    answers = []
    for name in ("Léo", "Lina", "Noah"):
        parent, _h, child = make_parent_with_child(first_name=name)
        response = _book(client, parent, child, session)
        assert response.status_code == 201
        answers.append(response.get_json())
    assert [a["status"] for a in answers] == ["confirmed", "waitlisted", "waitlisted"]
    assert [a["waitlist_position"] for a in answers] == [None, 1, 2]
    first = db.session.get(Booking, answers[0]["id"])
    assert first.status is BookingStatus.CONFIRMED and answers[0]["session_id"] == session.id


def test_admission_hold_gives_pending_preparation(client):
    session = _future_session()
    parent, _h, child = make_parent_with_child()

    def hold(_child, _session):
        return admission.HOLD

    admission.register_check(hold)
    try:
        response = _book(client, parent, child, session)
    finally:
        admission.unregister_check(hold)
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending_preparation"
    assert response.get_json()["waitlist_position"] is None


@pytest.mark.parametrize("setup, code, message", [
    ("not_open", "booking_not_open", "Les réservations ouvrent le"),
    ("closed", "booking_closed", "La date limite de réservation était le"),
    ("cancelled", "session_cancelled", "Cette séance est annulée."),
    ("age", "age_out_of_range", "cette activité accueille les enfants de 3 à 5 ans"),
])
def test_refusals_give_409_with_stable_codes(client, setup, code, message):
    if setup == "not_open":
        session = _future_session(opens_at=clock.now() + timedelta(days=2))
    elif setup == "closed":
        session = _future_session(day=today() + timedelta(days=1))  # deadline: 2 days before at noon
    elif setup == "cancelled":
        session = _future_session(cancelled=True)
    else:
        session = _future_session(unit=make_unit(make_activity(min_age=3, max_age=5)))
    parent, _h, child = make_parent_with_child()
    response = _book(client, parent, child, session)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == code and message in error["message"]
    assert _count(Booking) == 0


def test_already_booked_gives_409(client):
    session = _future_session()
    parent, _h, child = make_parent_with_child()
    assert _book(client, parent, child, session).status_code == 201
    response = _book(client, parent, child, session)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "already_booked" and error["message"] == "Cet enfant est déjà inscrit à cette séance."
    assert _count(Booking) == 1


def test_another_households_child_gives_404(client):
    session = _future_session()
    parent, _h, _child = make_parent_with_child()
    _other, _h2, their_child = make_parent_with_child()
    response = _book(client, parent, their_child, session)
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Cette page ou cet élément n'existe pas."}
    assert _count(Booking) == 0


def test_unknown_session_gives_404(client):
    parent, _h, child = make_parent_with_child()
    response = client.post("/api/v1/bookings", headers=bearer(parent),
                           json={"child_id": child.id, "session_id": 987654})
    assert response.status_code == 404 and error_of(response)["code"] == "session_not_found"


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN, Role.CHILDMINDER, Role.RAM_STAFF])
def test_bookings_are_for_parents_only(client, role):
    session = _future_session()
    _parent, _h, child = make_parent_with_child()
    headers = bearer(make_user(role))
    responses = [client.post("/api/v1/bookings", headers=headers,
                             json={"child_id": child.id, "session_id": session.id}),
                 client.get("/api/v1/bookings", headers=headers),
                 client.delete("/api/v1/bookings/1", headers=headers)]
    for response in responses:
        assert response.status_code == 403 and error_of(response)["code"] == "parent_only"
    assert _count(Booking) == 0


@pytest.mark.parametrize("body, field, message", [
    ({"session_id": 1}, "child_id", "Le champ « child_id » est obligatoire."),
    ({"child_id": "1", "session_id": 1}, "child_id", "doit être un nombre entier"),
    ({"child_id": 1, "session_id": 0}, "session_id", "doit être compris entre 1 et"),
    ({"child_id": 1, "session_id": 2**31}, "session_id", "doit être compris entre 1 et"),
    ({"child_id": 1, "session_id": [1]}, "session_id", "doit être un nombre entier"),
])
def test_malformed_booking_gives_422(client, body, field, message):
    parent, _h, _child = make_parent_with_child()
    response = client.post("/api/v1/bookings", headers=bearer(parent), json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid" and error["field"] == field and message in error["message"]


# ---------------------------------------------------------------- idempotency

def test_same_idempotency_key_returns_the_first_answer_and_books_once(client):
    session = _future_session(under6=0, over6=1)
    parent, _h, child = make_parent_with_child()
    first = _book(client, parent, child, session, **{"Idempotency-Key": "cle-1"})
    # Meanwhile another family takes the waiting list, which must not change the replay.
    other, _h2, other_child = make_parent_with_child()
    assert _book(client, other, other_child, session).get_json()["status"] == "waitlisted"
    second = _book(client, parent, child, session, **{"Idempotency-Key": "cle-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data()
    assert first.get_json()["status"] == "confirmed"
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.child_id == child.id)) == 1
    # Without the key, the retry is a new request: already booked.
    assert error_of(_book(client, parent, child, session))["code"] == "already_booked"


def test_idempotent_refusal_is_replayed_too(client):
    session = _future_session(cancelled=True)
    parent, _h, child = make_parent_with_child()
    first = _book(client, parent, child, session, **{"Idempotency-Key": "refus"})
    db.session.get(Session, session.id).cancelled = False
    db.session.commit()
    second = _book(client, parent, child, session, **{"Idempotency-Key": "refus"})
    assert first.status_code == second.status_code == 409
    assert first.get_data() == second.get_data()
    assert error_of(second)["code"] == "session_cancelled" and _count(Booking) == 0


def test_idempotency_key_reused_for_another_request_gives_422(client):
    one = _future_session()
    two = make_session(one.unit, day=one.day + timedelta(days=1))
    parent, _h, child = make_parent_with_child()
    assert _book(client, parent, child, one, **{"Idempotency-Key": "k"}).status_code == 201
    response = _book(client, parent, child, two, **{"Idempotency-Key": "k"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "idempotency_key_reused" and "déjà servi" in error["message"]
    assert _count(Booking) == 1


def test_idempotency_keys_are_per_account(client):
    session = _future_session()
    parent, _h, child = make_parent_with_child()
    other, _h2, other_child = make_parent_with_child()
    assert _book(client, parent, child, session, **{"Idempotency-Key": "same"}).status_code == 201
    response = _book(client, other, other_child, session, **{"Idempotency-Key": "same"})
    assert response.status_code == 201 and response.get_json()["child_id"] == other_child.id
    assert _count(Booking) == 2 and _count(IdempotencyKey) == 2


@pytest.mark.parametrize("key", ["", "x" * 101, "avec espace", "clé"])
def test_bad_idempotency_key_gives_422(client, key):
    session = _future_session()
    parent, _h, child = make_parent_with_child()
    response = client.post("/api/v1/bookings", json={"child_id": child.id, "session_id": session.id},
                           headers={**bearer(parent), "Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    assert response.status_code == 422
    assert error_of(response)["field"] == "Idempotency-Key" and _count(Booking) == 0


# ---------------------------------------------------------------- listing and cancelling

def test_list_shows_the_households_bookings_only(client):
    session = _future_session(under6=0, over6=1)
    parent, household, child = make_parent_with_child()
    from tests.factories import make_child

    sister = make_child(household, first_name="Jade", birth_date=child.birth_date)
    other, _h, other_child = make_parent_with_child()
    _book(client, other, other_child, session)
    mine = [_book(client, parent, c, session).get_json()["id"] for c in (child, sister)]
    response = client.get("/api/v1/bookings", headers=bearer(parent))
    assert response.status_code == 200
    bookings = response.get_json()["bookings"]
    assert sorted(b["id"] for b in bookings) == sorted(mine)
    by_child = {b["child_id"]: b for b in bookings}
    assert by_child[child.id]["status"] == "waitlisted" and by_child[child.id]["waitlist_position"] == 1
    assert by_child[sister.id]["waitlist_position"] == 2
    assert by_child[child.id]["date"] == session.day.isoformat()
    assert by_child[child.id]["site_id"] == session.unit.activity.site_id


def test_cancel_promotes_the_waiting_list_and_tells_the_family(client):
    session = _future_session(under6=0, over6=1)
    parent, _h, child = make_parent_with_child()
    waiting_parent, _h2, waiting_child = make_parent_with_child(first_name="Sacha")
    booking_id = _book(client, parent, child, session).get_json()["id"]
    waiting_id = _book(client, waiting_parent, waiting_child, session).get_json()["id"]
    response = client.delete(f"/api/v1/bookings/{booking_id}", headers=bearer(parent))
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled" and response.get_json()["id"] == booking_id
    db.session.expire_all()
    assert db.session.get(Booking, waiting_id).status is BookingStatus.CONFIRMED
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "booking.promoted", OutboxMessage.to_address == waiting_parent.email)) == 1
    listed = client.get("/api/v1/bookings", headers=bearer(waiting_parent)).get_json()["bookings"]
    assert listed[0]["status"] == "confirmed" and listed[0]["waitlist_position"] is None
    # Twice: already cancelled.
    again = client.delete(f"/api/v1/bookings/{booking_id}", headers=bearer(parent))
    assert again.status_code == 409
    assert error_of(again) == {"code": "not_cancellable", "message": "Cette réservation est déjà annulée."}


def test_late_cancellation_is_recorded_as_such(client):
    session = _future_session(day=today() + timedelta(days=1))
    parent, _h, child = make_parent_with_child()
    booking = Booking(child_id=child.id, session_id=session.id, status=BookingStatus.CONFIRMED,
                      age_band="over6", submission_id="s")
    session.taken_over6 = 1
    db.session.add(booking)
    db.session.commit()
    response = client.delete(f"/api/v1/bookings/{booking.id}", headers=bearer(parent))
    assert response.status_code == 200 and response.get_json()["status"] == "late_cancelled"


@pytest.mark.parametrize("path", ["/api/v1/bookings/{other}", "/api/v1/bookings/999999",
                                  "/api/v1/bookings/99999999999"])
def test_cancel_another_households_booking_gives_404(client, path):
    session = _future_session()
    parent, _h, _child = make_parent_with_child()
    other, _h2, other_child = make_parent_with_child()
    other_id = _book(client, other, other_child, session).get_json()["id"]
    response = client.delete(path.format(other=other_id), headers=bearer(parent))
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert db.session.get(Booking, other_id).status is BookingStatus.CONFIRMED
