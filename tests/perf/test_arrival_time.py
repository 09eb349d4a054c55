"""A booking made through the API records when its request arrived (used by bench/rush.py for fairness)."""
from __future__ import annotations

from datetime import timedelta

from app.booking.models import Booking
from app.extensions import db, utcnow
from tests.api.support import bearer, today
from tests.booking.factories import make_parent_with_child, make_session


def test_api_booking_stores_its_arrival_time(client):
    session = make_session(day=today() + timedelta(days=20), under6=0, over6=1)
    parent, _household, child = make_parent_with_child()
    before = utcnow()
    response = client.post("/api/v1/bookings", headers=bearer(parent),
                           json={"child_id": child.id, "session_id": session.id})
    assert response.status_code == 201, response.get_data(as_text=True)
    booking = db.session.get(Booking, response.get_json()["id"])
    assert booking.requested_at is not None
    assert before <= booking.requested_at <= booking.created_at <= utcnow()
