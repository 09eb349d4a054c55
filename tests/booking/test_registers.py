"""Issue 19, registers: one tap per child, "tous présents" within the attendance rules, today's sessions,
and what staff must see (guardians' phones, emergency contacts, the "what to know today" card, health
alerts) only for the staff allowed, each read of health data recorded."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking import attendance, services
from app.booking.models import Attendance, Booking
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.families.models import EmergencyContact
from app.inclusion.models import AuditEntry, ChildNeeds
from tests.booking.factories import (
    NOW,
    WEDNESDAY,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.conftest import csrf_token_from
from tests.factories import make_user

ON_THE_DAY = datetime.combine(WEDNESDAY, time(8, 0), tzinfo=UTC)  # 9:00 in Paris
DAY_BEFORE = ON_THE_DAY - timedelta(days=1)


@pytest.fixture
def register():
    """A session with three booked children; the first has a nut allergy with a PAI and an emergency contact."""
    site = make_site()
    session = make_session(make_unit(make_activity(site)))
    families = [make_parent_with_child(first_name=name) for name in ("Léo", "Inès", "Malo")]
    ids = [services.book(p, [(c.id, session.id)], now=NOW).items[0].booking_id for p, _h, c in families]
    parent, household, child = families[0]
    parent.phone = "06 11 22 33 44"
    household.emergency_contacts.append(EmergencyContact(full_name="Odette Martin", relationship_to_children="grand-mère",
                                                         phone="05 65 00 00 01"))
    child.needs_particular_care = True
    db.session.add(ChildNeeds(child_id=child.id, needs_particular_care=True, has_pai=True,
                              allergies="Fruits à coque", emergency_protocol="Stylo d'adrénaline dans le sac"))
    db.session.commit()
    return site, session, families, ids


def _marks(ids):
    return {b: (db.session.get(Booking, b).attendance.status.value if db.session.get(Booking, b).attendance else None)
            for b in ids}


def test_all_present_marks_only_the_children_not_yet_marked(register):
    site, session, _families, ids = register
    animator = make_staff(site, Role.ANIMATOR)
    attendance.mark_attendance(animator, ids[1], "absent_justified", now=ON_THE_DAY)
    assert attendance.mark_all_present(animator, session.id, now=ON_THE_DAY) == 2
    assert _marks(ids) == {ids[0]: "present", ids[1]: "absent_justified", ids[2]: "present"}
    assert attendance.mark_all_present(animator, session.id, now=ON_THE_DAY) == 0


def test_all_present_follows_the_attendance_rules(register):
    site, session, _families, ids = register
    animator = make_staff(site, Role.ANIMATOR)
    with pytest.raises(Conflict) as refused:
        attendance.mark_all_present(animator, session.id, now=DAY_BEFORE)
    assert refused.value.code == "attendance_too_early"
    for outsider in (make_staff(make_site("Centre social de Pradines"), Role.ANIMATOR), make_user(Role.PARENT),
                     make_user(Role.RAM_STAFF)):
        with pytest.raises(NotFound):
            attendance.mark_all_present(outsider, session.id, now=ON_THE_DAY)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    services.cancel_session(make_staff(site), session.id, now=NOW)
    with pytest.raises(Conflict):
        attendance.mark_all_present(animator, session.id, now=ON_THE_DAY)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_one_mark_refuses_a_booking_of_another_session(register):
    site, session, _families, ids = register
    other = make_session(session.unit, day=WEDNESDAY + timedelta(days=7))
    animator = make_staff(site, Role.ANIMATOR)
    with pytest.raises(NotFound):
        attendance.mark_attendance(animator, ids[0], "present", now=ON_THE_DAY, session_id=other.id)
    with pytest.raises(ValidationFailed):
        attendance.mark_attendance(animator, ids[0], "peut-être", now=ON_THE_DAY)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_staff_of_the_site_see_contacts_and_alerts_and_each_health_read_is_recorded(register):
    site, session, families, ids = register
    animator = make_staff(site, Role.ANIMATOR)
    session_, rows, _waiting = attendance.session_register(animator, session.id)
    assert attendance.register_details(animator, session_, rows) is True
    first = next(r for r in rows if r.booking.id == ids[0])
    assert ("06 11 22 33 44" in [phone for _name, phone in first.guardians])
    assert [c.full_name for c in first.emergency_contacts] == ["Odette Martin"]
    assert first.alerts == ["Allergie sévère (PAI) : Fruits à coque"]
    assert [card.title for card in first.cards] == ["À savoir aujourd'hui"]
    assert all(not r.alerts and not r.cards for r in rows if r.booking.id != ids[0])
    reads = db.session.scalars(select(AuditEntry.target).where(AuditEntry.child_id == families[0][2].id,
                                                                AuditEntry.actor_id == animator.id)).all()
    assert sorted(reads) == ["alert", "card"]


def test_an_administrator_sees_the_register_without_contacts_nor_health_data(register):
    _site, session, _families, _ids = register
    admin = make_user(Role.ADMIN)
    session_, rows, _waiting = attendance.session_register(admin, session.id)
    assert attendance.register_details(admin, session_, rows) is False
    assert all(not r.guardians and not r.emergency_contacts and not r.alerts and not r.cards for r in rows)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_register_page_by_phone_one_tap_per_child_and_all_present(register, login_as):
    site, session, families, ids = register
    animator = make_staff(site, Role.ANIMATOR)
    with time_machine.travel(ON_THE_DAY, tick=False):
        client = login_as(animator)
        home = client.get("/accueil").get_data(as_text=True)
        assert f"/accueils/seances/{session.id}" in home  # today's register, one tap from home
        today = client.get("/accueils/aujourdhui").get_data(as_text=True)
        assert f"/accueils/seances/{session.id}" in today
        page = client.get(f"/accueils/seances/{session.id}").get_data(as_text=True)
        assert "06 11 22 33 44" in page and "Odette Martin" in page and "Allergie sévère (PAI)" in page
        assert f"/inclusion/seances/{session.id}/a-savoir" in page and "Tous présents" in page
        token = csrf_token_from(page)
        response = client.post(f"/accueils/seances/{session.id}/presences/{ids[1]}",
                               data={"csrf_token": token, "status": "absent"})
        assert response.status_code == 302 and response.headers["Location"].endswith(f"#child-{ids[1]}")
        response = client.post(f"/accueils/seances/{session.id}/tous-presents", data={"csrf_token": token})
        assert response.status_code == 302
        assert "Présences notées pour 2 enfants" in client.get(response.headers["Location"]).get_data(as_text=True)
        db.session.expire_all()
        assert _marks(ids) == {ids[0]: "present", ids[1]: "absent", ids[2]: "present"}
        # Late departure is one more tap on a present child.
        client.post(f"/accueils/seances/{session.id}/presences/{ids[0]}",
                    data={"csrf_token": token, "status": "present", "late": "1"})
        db.session.expire_all()
        assert db.session.get(Booking, ids[0]).attendance.late_departure


def test_others_cannot_see_the_contacts_nor_mark(register, login_as):
    site, session, families, ids = register
    other_animator = make_staff(make_site("Centre social de Pradines"), Role.ANIMATOR)
    parent = families[1][0]
    with time_machine.travel(ON_THE_DAY, tick=False):
        for user, status in ((other_animator, 404), (parent, 403)):
            client = login_as(user)
            assert client.get(f"/accueils/seances/{session.id}").status_code == status
            token = csrf_token_from(client.get("/accueil").get_data(as_text=True))
            assert client.post(f"/accueils/seances/{session.id}/presences/{ids[0]}",
                               data={"csrf_token": token, "status": "present"}).status_code == status
            assert client.post(f"/accueils/seances/{session.id}/tous-presents",
                               data={"csrf_token": token}).status_code == status
        other_home = login_as(other_animator).get("/accueil").get_data(as_text=True)
        assert f"/accueils/seances/{session.id}" not in other_home
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_occasional_day_view_flags_a_severe_allergy_from_the_same_source(login_as):
    from app.occasional import coordination
    from app.occasional import services as occasional
    from tests.occasional.factories import MONDAY, make_coordinator, make_family, make_provider
    from tests.occasional.factories import NOW as OCC_NOW

    provider = make_provider()
    coordinator = make_coordinator(provider)
    parent, _h, child = make_family()
    other_parent, _h2, other_child = make_family()
    for p, c in ((parent, child), (other_parent, other_child)):
        occasional.request_care(p, c.id, provider.id, MONDAY, "05:00", "06:00", now=OCC_NOW)
    db.session.add(ChildNeeds(child_id=child.id, has_pai=True, allergies="Lait de vache"))
    db.session.commit()
    view = coordination.day_view(coordinator, provider.id, MONDAY)
    assert view.alerts == {child.id: ["Allergie sévère (PAI) : Lait de vache"]}
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.target == "alert",
                                                                     AuditEntry.child_id == child.id)) == 1
    page = login_as(coordinator).get(f"/garde-ponctuelle/structures/{provider.id}/journee?date={MONDAY.isoformat()}")
    assert "Allergie sévère (PAI) : Lait de vache" in page.get_data(as_text=True)
    # An administrator sees the day without health data.
    assert coordination.day_view(make_user(Role.ADMIN), provider.id, MONDAY).alerts == {}
