"""Declared days and hours bound the places; absences; the families' search of childminders."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from app.accounts.models import Role
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.ram import availability as av
from app.ram import hours, matching, search, services
from app.ram import schedule as sch
from tests.factories import make_user
from tests.ram.factories import add_child, make_childminder, make_relais, make_staff

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)
MON_TUE_8_17 = {"0": [["08:00", "17:00"]], "1": [["08:00", "17:00"]]}


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"), time_machine.travel(NOW, tick=False):
        yield


def _query(**kw):
    values = dict(commune_insee="46042", max_km=10, child_birth=date(2025, 6, 1), start=date(2027, 1, 4),
                  schedule=MON_TUE_8_17)
    values.update(kw)
    return search.validate(**values)


def test_declared_hours_bound_the_places_and_contracts_outside_them_are_refused():
    cm = make_childminder(max_children=4, max_under_3=4)
    assert av.full_time_places(services.profile_of(cm), date(2027, 1, 4)) == (4, 4)
    hours.declare_accepted_hours(cm.user, cm, {"0": [["08:00", "12:00"], ["14:00", "18:00"]]})
    profile = services.profile_of(cm)
    assert av.full_time_places(profile, date(2027, 1, 4)) == (0, 0)  # she does not take the whole week
    monday_9 = 9 * 60 // sch.SLOT_MINUTES
    assert av.slot_counts(profile, date(2027, 1, 4), monday_9).free_young == 4
    assert av.slot_counts(profile, date(2027, 1, 4), monday_9 + 2 * 4 + 1).free_young == 0  # 13:30, the break
    # A contract outside her hours has no place (the same computation as the legal limits).
    with pytest.raises(services.PlaceUnavailable):
        services.add_contract(cm.user, cm, child_first_name="Lou", birth_date=date(2025, 3, 1),
                              schedule={"1": [["09:00", "11:00"]]}, start_date=date(2027, 1, 5))
    services.add_contract(cm.user, cm, child_first_name="Lou", birth_date=date(2025, 3, 1),
                          schedule={"0": [["09:00", "11:00"]]}, start_date=date(2027, 1, 5))
    # Hours that would leave that child outside are refused, with the slots.
    with pytest.raises(ValidationFailed, match="lundi 09:00–11:00"):
        hours.declare_accepted_hours(cm.user, cm, {"0": [["14:00", "18:00"]]})
    hours.declare_accepted_hours(cm.user, cm, None)
    assert services.profile_of(cm).accepted == sch.ALL


def test_matching_loads_the_declared_hours():
    cm = make_childminder()
    hours.declare_accepted_hours(cm.user, cm, {"0": [["08:00", "17:00"]]})
    index = matching.MatchIndex.load(today=date(2026, 12, 3))
    [cand] = index.candidates
    assert cand.profile.accepted == sch.to_mask({"0": [["08:00", "17:00"]]})
    cleared = make_childminder(first_name="Anne")
    hours.declare_accepted_hours(cleared.user, cleared, None)
    index = matching.MatchIndex.load(today=date(2026, 12, 3))
    assert {c.id: c.profile.accepted for c in index.candidates}[cleared.id] == sch.ALL


def test_contract_end_dates_and_extension_still_count_with_declared_hours():
    cm = make_childminder(max_children=1, max_under_3=1)
    hours.declare_accepted_hours(cm.user, cm, MON_TUE_8_17)
    add_child(cm, date(2025, 1, 1), schedule=MON_TUE_8_17, start=date(2026, 9, 1), end=date(2027, 1, 31))
    profile = services.profile_of(cm)
    wanted = sch.to_mask(MON_TUE_8_17)
    assert av.covered_mask(profile, wanted, date(2027, 1, 4), date(2025, 6, 1)) == 0
    assert av.covered_mask(profile, wanted, date(2027, 2, 1), date(2025, 6, 1)) == wanted


def test_hours_refuse_bad_input_and_another_childminder():
    cm = make_childminder()
    other = make_childminder(first_name="Anne")
    with pytest.raises(ValidationFailed):
        hours.declare_accepted_hours(cm.user, cm, {"0": [["12:00", "08:00"]]})
    with pytest.raises(ValidationFailed):
        hours.declare_accepted_hours(cm.user, cm, {})
    with pytest.raises(NotFound):
        hours.declare_accepted_hours(other.user, cm, MON_TUE_8_17)
    parent = make_user(Role.PARENT)
    with pytest.raises(NotFound):
        hours.add_absence(parent, cm, date(2027, 1, 1), date(2027, 1, 2))


def test_absences_are_validated_and_shift_the_first_day_available():
    cm = make_childminder()
    absence = hours.add_absence(cm.user, cm, date(2027, 1, 1), date(2027, 1, 10), "congés")
    with pytest.raises(ValidationFailed, match="chevauche"):
        hours.add_absence(cm.user, cm, date(2027, 1, 10), date(2027, 1, 12))
    with pytest.raises(ValidationFailed):
        hours.add_absence(cm.user, cm, date(2027, 2, 10), date(2027, 2, 1))
    with pytest.raises(ValidationFailed):
        hours.add_absence(cm.user, cm, date(2026, 11, 1), date(2026, 11, 2))  # already over
    hours.add_absence(cm.user, cm, date(2027, 1, 11), date(2027, 1, 12))
    assert hours.first_day_available(cm.absences, date(2027, 1, 4)) == date(2027, 1, 13)
    assert hours.first_day_available(cm.absences, date(2027, 1, 20)) == date(2027, 1, 20)
    other = make_childminder(first_name="Anne")
    with pytest.raises(NotFound):
        hours.remove_absence(other.user, other, absence.id)
    hours.remove_absence(cm.user, cm, absence.id)
    assert len(cm.absences) == 1


def test_search_finds_published_childminders_with_places_and_respects_consent():
    relais = make_relais()
    relais.phone = "05 65 00 00 00"
    db.session.commit()
    parent = make_user(Role.PARENT)
    free = make_childminder(relais=relais, first_name="Alice")
    free.show_phone = True
    free.user.phone = "06 11 22 33 44"
    db.session.commit()
    make_childminder(relais=relais, first_name="Berthe", insee="46224")  # Pradines, ~4 km
    busy = make_childminder(relais=relais, first_name="Chloé", max_children=1, max_under_3=1)
    add_child(busy, date(2025, 1, 1), start=date(2026, 9, 1))
    partial = make_childminder(relais=relais, first_name="Denise")
    hours.declare_accepted_hours(partial.user, partial, {"0": [["08:00", "17:00"]]})
    make_childminder(first_name="Eve", declared=None)  # never published: not shown
    make_childminder(first_name="Fanny", insee="46064")  # Catus, ~13 km: beyond 10 km
    page = search.search(parent, _query())
    names = [r.name for r in page.results]
    assert set(names) == {"Alice Delmas", "Berthe Delmas", "Denise Delmas"}
    assert page.full_count == 2 and names[-1] == "Denise Delmas"
    by_name = {r.name: r for r in page.results}
    assert by_name["Alice Delmas"].contact.phone == "06 11 22 33 44"
    assert not by_name["Alice Delmas"].contact.email and not by_name["Alice Delmas"].contact.address
    assert not by_name["Berthe Delmas"].contact.any  # default: nothing, the Relais's contact instead
    assert by_name["Berthe Delmas"].relais_phone == "05 65 00 00 00"
    assert "mardi" in by_name["Denise Delmas"].missing_text
    only_here = search.search(parent, _query(max_km=0))
    assert "Berthe Delmas" not in [r.name for r in only_here.results]
    wider = search.search(parent, _query(max_km=20))
    assert "Fanny Delmas" in [r.name for r in wider.results]


def test_search_shows_the_day_after_an_absence_and_paginates():
    parent = make_user(Role.PARENT)
    cms = [make_childminder(first_name=f"A{i:02d}") for i in range(12)]
    hours.add_absence(cms[0].user, cms[0], date(2027, 1, 1), date(2027, 1, 15))
    first = search.search(parent, _query(), page=1, per_page=10)
    second = search.search(parent, _query(), page=2, per_page=10)
    assert first.total == 12 and first.pages == 2 and len(first.results) == 10 and len(second.results) == 2
    assert not {r.id for r in first.results} & {r.id for r in second.results}
    shifted = [r for r in first.results + second.results if r.id == cms[0].id][0]
    assert shifted.available_from == date(2027, 1, 16)
    assert search.search(parent, _query(), page=99).page == 2


def test_search_validation_and_who_may_search():
    make_childminder()
    with pytest.raises(ValidationFailed):
        _query(commune_insee="99999")
    with pytest.raises(ValidationFailed):
        _query(max_km=7)
    with pytest.raises(ValidationFailed):
        _query(schedule={})
    with pytest.raises(ValidationFailed):
        _query(start=date(2025, 1, 1))
    with pytest.raises(ValidationFailed):
        _query(child_birth=date(2010, 1, 1))
    assert search.search(make_staff(), _query()).total == 1
    for role in (Role.CHILDMINDER, Role.ANIMATOR, Role.DIRECTOR):
        with pytest.raises(Forbidden):
            search.search(make_user(role), _query())


def test_search_page_shows_results_refuses_bad_input_and_prefills_a_demand(app, make_client):
    from tests.conftest import login

    make_childminder(first_name="Alice")
    parent = make_user(Role.PARENT)
    client = make_client()
    login(client, parent)
    url = "/relais/trouver-une-assistante-maternelle"
    args = "commune_insee=46042&max_km=10&child_birth=2025-06-01&start=2027-01-04&days=0&days=1" \
           "&arrival=08:00&departure=17:00"
    page = client.get(f"{url}?{args}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Alice Delmas" in html and "par le Relais" in html
    assert re.search(r'demandes/nouvelle\?[^"]*day0_start=08(:|%3A)00', html)  # the demand, pre-filled
    refused = client.get(f"{url}?commune_insee=46042&max_km=10&child_birth=2025-06-01&arrival=18:00&departure=08:00")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Cochez au moins un jour." in text
    assert "doit suivre l" in text and "arrivée." in text
    demand = client.get("/relais/demandes/nouvelle?commune_insee=46042&child_birth_date=2025-06-01"
                        "&day0_start=08:00&day0_end=17:00")
    body = demand.get_data(as_text=True)
    assert demand.status_code == 200 and 'value="2025-06-01"' in body and 'value="08:00"' in body


def test_hours_page_saves_two_ranges_and_the_availability_page_shows_them(app, make_client):
    from tests.conftest import csrf_token_from, login

    cm = make_childminder()
    cm_id = cm.id
    client = make_client()
    login(client, cm.user)
    url = f"/relais/assistantes-maternelles/{cm_id}/horaires"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    bad = client.post(url, data={"csrf_token": token, "day0_start": "12:00", "day0_end": "08:00"})
    assert bad.status_code == 422 and "aria-invalid" in bad.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "day0_start": "07:30", "day0_end": "12:00",
                                  "day0_start2": "14:00", "day0_end2": "18:30"}).status_code == 302
    db.session.expire_all()
    assert services.get_childminder(cm.user, cm_id).accepted_schedule == {
        "0": [["07:30", "12:00"], ["14:00", "18:30"]]}
    page = client.get(f"/relais/assistantes-maternelles/{cm_id}/disponibilites").get_data(as_text=True)
    assert "lundi 07:30–12:00, 14:00–18:30" in page
    assert client.post(url, data={"csrf_token": token, "clear": "1"}).status_code == 302
    db.session.expire_all()
    assert services.get_childminder(cm.user, cm_id).accepted_schedule is None
