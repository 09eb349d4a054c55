"""/api/v1/occasional: availability and bookings, error format, idempotency, permissions."""
from datetime import date, timedelta

from app import clock
from app.accounts.models import Role
from app.api.auth import issue_token
from app.occasional import services
from tests.factories import make_user
from tests.occasional.factories import make_family, make_provider


def _monday() -> date:
    today = clock.today()
    return today + timedelta(days=14 - today.weekday())


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def test_availability_per_block_and_band(client):
    provider = make_provider(walking=3, not_walking=2)
    parent, _h, child = make_family()
    services.request_care(parent, child.id, provider.id, _monday(), "05:00", "06:00")
    response = client.get(f"/api/v1/occasional/availability?provider_id={provider.id}&date={_monday().isoformat()}",
                          headers=_auth(parent))
    assert response.status_code == 200
    blocks = response.get_json()["blocks"]
    assert blocks[0] == {"start": "05:00", "end": "05:30", "capacity": {"not_walking": 2, "walking": 3},
                         "free": {"not_walking": 2, "walking": 2}}
    assert blocks[2]["free"] == {"not_walking": 2, "walking": 3}
    assert len(blocks) == 14  # 05:00-08:00 and 18:00-22:00


def test_availability_errors(client):
    parent, _h, _c = make_family()
    assert client.get("/api/v1/occasional/availability?provider_id=1&date=2026-03-16").status_code == 401
    response = client.get("/api/v1/occasional/availability?provider_id=999&date=2026-03-16", headers=_auth(parent))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "provider_not_found"
    provider = make_provider()
    response = client.get(f"/api/v1/occasional/availability?provider_id={provider.id}&date=demain",
                          headers=_auth(parent))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "date"


def test_booking_created_replayed_full_and_errors(client):
    provider = make_provider(walking=1)
    parent, _h, child = make_family()
    body = {"child_id": child.id, "provider_id": provider.id, "date": _monday().isoformat(),
            "start": "05:30", "end": "07:00"}
    headers = {**_auth(parent), "Idempotency-Key": "abc"}
    first = client.post("/api/v1/occasional/bookings", json=body, headers=headers)
    assert first.status_code == 201 and first.get_json()["status"] == "confirmed"
    again = client.post("/api/v1/occasional/bookings", json=body, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    reused = client.post("/api/v1/occasional/bookings", json={**body, "start": "05:00"}, headers=headers)
    assert reused.status_code == 422 and reused.get_json()["error"]["code"] == "idempotency_key_reused"

    other, _h2, other_child = make_family()
    full = client.post("/api/v1/occasional/bookings", json={**body, "child_id": other_child.id}, headers=_auth(other))
    assert full.status_code == 409
    error = full.get_json()["error"]
    assert error["code"] == "blocks_full" and error["full_blocks"] == ["05:30", "06:00", "06:30"]
    assert error["alternatives"][0]["start"] == "18:00" and error["message"]
    waiting = client.post("/api/v1/occasional/bookings", json={**body, "child_id": other_child.id,
                                                               "join_waitlist": True}, headers=_auth(other))
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waitlisted"

    unaligned = client.post("/api/v1/occasional/bookings", json={**body, "start": "05:45"}, headers=_auth(parent))
    assert unaligned.status_code == 422 and unaligned.get_json()["error"]["code"] == "range_not_aligned"
    closed = client.post("/api/v1/occasional/bookings", json={**body, "start": "09:00", "end": "10:00"},
                         headers=_auth(parent))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "outside_opening_hours"
    missing = client.post("/api/v1/occasional/bookings", json={"child_id": child.id}, headers=_auth(parent))
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "provider_id"


def test_booking_permissions(client):
    provider = make_provider()
    parent, _h, child = make_family()
    stranger, _h2, _c = make_family()
    body = {"child_id": child.id, "provider_id": provider.id, "date": _monday().isoformat(),
            "start": "05:30", "end": "07:00"}
    assert client.post("/api/v1/occasional/bookings", json=body).status_code == 401
    response = client.post("/api/v1/occasional/bookings", json=body, headers=_auth(stranger))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "child_not_found"
    for role in (Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER, Role.ADMIN):
        response = client.post("/api/v1/occasional/bookings", json=body, headers=_auth(make_user(role)))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "parent_only"


def test_openapi_documents_the_occasional_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/occasional/availability"] and "post" in paths["/occasional/bookings"]
