"""Allocation by draw through the web pages (CSRF on), as each role."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, PeriodStatus
from app.booking.models import Booking
from app.extensions import db, utcnow
from app.notifications.models import OutboxMessage
from tests.booking.allocation_factories import add_request, make_draw_setup, make_family
from tests.booking.factories import make_activity, make_site, make_staff
from tests.conftest import csrf_token_from, get_csrf
from tests.factories import make_user


def _live_setup(**kwargs):
    now = utcnow()
    return make_draw_setup(first_day=clock.today() + timedelta(days=60), opens=now - timedelta(days=1),
                           closes=now + timedelta(days=7), **kwargs)


def _close(period):
    period = db.session.get(AllocationPeriod, period.id)
    period.requests_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_director_creates_a_period_with_ordered_rules(login_as):
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    activity = make_activity(site, name="Été")
    client = login_as(director)
    page = client.get("/accueils/tirages/nouveau")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/accueils/tirages/nouveau", data={
        "csrf_token": token, "activity_id": activity.id, "label": "Été 2026", "first_day": "2026-07-06",
        "last_day": "2026-07-31", "requests_open_at": "2026-05-01T08:00", "requests_close_at": "2026-05-08T20:00",
        "rule_resident": "1", "rule_siblings": "2", "rule_reception_plan": ""})
    assert response.status_code == 302
    period = db.session.scalar(select(AllocationPeriod))
    assert period.rules == ["resident", "siblings"]
    assert period.requests_open_at.hour == 6  # 08:00 in Paris (summer time) is 06:00 UTC
    shown = client.get(f"/accueils/tirages/{period.id}").get_data(as_text=True)
    assert shown.index("Familles habitant le Grand Cahors") < shown.index("Frères et sœurs demandés ensemble")


def test_other_roles_cannot_configure_or_run(login_as):
    director, period, sessions = _live_setup()
    _close(period)
    other = make_staff(make_site("Accueil de Catus"), Role.DIRECTOR)
    animator = make_staff(db.session.get(AllocationPeriod, period.id).activity.site, Role.ANIMATOR)
    parent, _h, _c = make_family()
    for user in (other, animator, parent):
        client = login_as(user)
        token = get_csrf(client, "/accueils/tirages")
        assert client.get(f"/accueils/tirages/{period.id}/regles").status_code == 404
        for action in ("lancer", "simulation", "clore"):
            assert client.post(f"/accueils/tirages/{period.id}/{action}",
                               data={"csrf_token": token}).status_code == 404
        assert client.get("/accueils/tirages/nouveau").status_code == 404
    assert db.session.get(AllocationPeriod, period.id).status is PeriodStatus.REQUESTS
    childminder = make_user(Role.CHILDMINDER)
    assert login_as(childminder).get(f"/accueils/tirages/{period.id}").status_code == 403


def test_parent_requests_edits_and_withdraws_during_the_window(login_as):
    director, period, (monday, tuesday) = _live_setup(days=2)
    parent, household, (leo, ines) = make_family(births=(date(2017, 1, 1), date(2018, 1, 1)))
    client = login_as(parent)
    page = client.get(f"/accueils/tirages/{period.id}/demande")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(f"/accueils/tirages/{period.id}/demande", data={
        "csrf_token": token, "child_ids": [leo.id, ines.id], f"rank_{monday.id}": "2", f"rank_{tuesday.id}": "1",
        "siblings_together": "y"})
    assert response.status_code == 302
    request = db.session.scalar(select(AllocationRequest))
    assert request.siblings_together and len(request.items) == 4
    assert {(i.session_id, i.rank) for i in request.items} == {(monday.id, 2), (tuesday.id, 1)}
    assert db.session.scalar(select(func.count(Booking.id))) == 0  # nothing decided
    client.post(f"/accueils/tirages/{period.id}/demande", data={
        "csrf_token": token, "child_ids": [leo.id], f"rank_{monday.id}": "1"})
    db.session.expire_all()
    assert [(i.child_id, i.session_id) for i in db.session.scalar(select(AllocationRequest)).items] == \
        [(leo.id, monday.id)]
    client.post(f"/accueils/tirages/{period.id}/demande/retirer", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.scalar(select(AllocationRequest)).withdrawn_at is not None
    _close(period)
    late = client.post(f"/accueils/tirages/{period.id}/demande", data={
        "csrf_token": token, "child_ids": [leo.id], f"rank_{monday.id}": "1"})
    assert late.status_code == 200 and "pas ouvertes" in late.get_data(as_text=True)


def test_parent_cannot_request_for_another_household_child(login_as):
    director, period, (session,) = _live_setup()
    parent, _h, _c = make_family()
    _other_parent, _oh, (stranger,) = make_family()
    client = login_as(parent)
    token = get_csrf(client, f"/accueils/tirages/{period.id}/demande")
    response = client.post(f"/accueils/tirages/{period.id}/demande", data={
        "csrf_token": token, "child_ids": [stranger.id], f"rank_{session.id}": "1"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(AllocationRequest.id))) == 0


def test_draw_by_button_then_each_family_sees_only_its_own_reason(login_as):
    director, period, (session,) = _live_setup(over6=1, rules=("resident",))
    pa, ha, (anna,) = make_family(resident=True, names=["Anna"])
    pb, hb, (basile,) = make_family(resident=False, names=["Basile"])
    add_request(period, ha, [anna], [session])
    add_request(period, hb, [basile], [session])
    boss = login_as(director)
    token = get_csrf(boss, f"/accueils/tirages/{period.id}")
    # Before the close the button is refused (409) and nothing is booked.
    assert boss.post(f"/accueils/tirages/{period.id}/lancer", data={"csrf_token": token}).status_code == 409
    simulation = boss.post(f"/accueils/tirages/{period.id}/simulation", data={"csrf_token": token, "seed": "demo"})
    assert simulation.status_code == 200 and "rien n'a été enregistré" in simulation.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    _close(period)
    assert boss.post(f"/accueils/tirages/{period.id}/lancer",
                     data={"csrf_token": token, "seed": "demo"}).status_code == 302
    assert db.session.scalar(select(func.count(Booking.id))) == 2
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "booking.allocation_result")) == 2
    page_a = login_as(pa).get(f"/accueils/tirages/{period.id}").get_data(as_text=True)
    assert "Confirmé : priorité résident" in page_a and "Anna" in page_a
    assert "Basile" not in page_a and "Liste d&#39;attente" not in page_a
    assert "demo" in page_a  # the published seed
    page_b = login_as(pb).get(f"/accueils/tirages/{period.id}").get_data(as_text=True)
    assert "Basile" in page_b and "Anna" not in page_b and "position 1" in page_b
    # Second click: nothing changes.
    boss.post(f"/accueils/tirages/{period.id}/lancer", data={"csrf_token": token})
    assert db.session.scalar(select(func.count(Booking.id))) == 2


def test_export_has_no_personal_data(login_as):
    director, period, (session,) = _live_setup(over6=1)
    pa, ha, (anna,) = make_family(names=["Anna"])
    pb, hb, (basile,) = make_family(names=["Basile"])
    add_request(period, ha, [anna], [session])
    add_request(period, hb, [basile], [session])
    _close(period)
    client = login_as(director)
    client.post(f"/accueils/tirages/{period.id}/lancer", data={"csrf_token": get_csrf(client, "/accueils/tirages"),
                                                              "seed": "committee"})
    response = login_as(pa).get(f"/accueils/tirages/{period.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    for table in ("tirage", "regles"):
        body += login_as(pa).get(f"/accueils/tirages/{period.id}/export.csv?tableau={table}").get_data(as_text=True)
    for personal in ("Anna", "Basile", "Martin", pa.email, pb.email):
        assert personal not in body
    assert body.startswith("\ufeffDate;Séance;Tranche d'âge;Places;")
    draw = login_as(pa).get(f"/accueils/tirages/{period.id}/export.csv?tableau=tirage").get_data(as_text=True)
    assert draw.splitlines()[0] == "\ufeffNuméro de tirage;Critères remplis;Demandes;Obtenues"
    assert len(draw.splitlines()) == 3  # two requests drawn
    rules = login_as(pa).get(f"/accueils/tirages/{period.id}/export.csv?tableau=regles").get_data(as_text=True)
    assert "committee" in rules


def test_pages_render_for_each_role(login_as):
    director, period, _sessions = _live_setup()
    parent, _h, _c = make_family()
    for user in (director, parent, make_user(Role.ADMIN)):
        client = login_as(user)
        index = client.get("/accueils/tirages")
        assert index.status_code == 200 and "Printemps 2026" in index.get_data(as_text=True)
        assert client.get(f"/accueils/tirages/{period.id}").status_code == 200
    assert login_as(director).get(f"/accueils/tirages/{period.id}/regles").status_code == 200
