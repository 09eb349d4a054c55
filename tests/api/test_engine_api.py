"""Issue 15: the API keeps its contract for a new child at a site with adaptation steps."""
from __future__ import annotations

from datetime import time

import time_machine

from app.booking import admission
from app.booking.models import UnitKind
from tests.api.support import bearer
from tests.booking.factories import (
    NOW,
    WEDNESDAY,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_unit,
)
from tests.inclusion.factories import make_template


def _whole_day_at_a_site_with_adaptation():
    site = make_site()
    make_template(site)
    whole = make_unit(make_activity(site), label="Journée", kind=UnitKind.WHOLE_DAY, start=time(8, 30),
                      end=time(17, 30), with_meal=True)
    return make_session(whole, day=WEDNESDAY)


def test_a_new_childs_first_whole_day_answers_201_confirmed(client):
    """It answered 409 adaptation_step."""
    session = _whole_day_at_a_site_with_adaptation()
    parent, _h, child = make_parent_with_child()
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/bookings", headers=bearer(parent),
                               json={"child_id": child.id, "session_id": session.id})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["status"] == "confirmed"


def test_a_held_first_whole_day_answers_201_pending_preparation(client):
    session = _whole_day_at_a_site_with_adaptation()
    parent, _h, child = make_parent_with_child()

    def hold(child, session):
        return admission.HOLD

    admission.register_check(hold)
    try:
        with time_machine.travel(NOW, tick=False):
            response = client.post("/api/v1/bookings", headers=bearer(parent),
                                   json={"child_id": child.id, "session_id": session.id})
    finally:
        admission.unregister_check(hold)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["status"] == "pending_preparation"
