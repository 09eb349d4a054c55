"""Matching: hard conditions, reasons, ranking, partial matches, pairs; contracts signed."""
from __future__ import annotations

from datetime import date

import pytest

from app.accounts.models import Role
from app.errors import Conflict
from app.extensions import db
from app.ram import demands as demand_services
from app.ram import matching
from app.ram.models import DemandStatus, IntroductionOutcome
from app.ram.services import PlaceUnavailable
from tests.factories import make_user
from tests.ram.factories import add_child, add_own_child, make_childminder, make_demand, make_staff


@pytest.fixture(autouse=True)
def _request(app):
    """Reasons and errors are French strings: Flask-Babel needs a request for the locale."""
    with app.test_request_context("/"):
        yield


def run(demand, include_stale=False):
    staff = make_staff()
    return matching.match_demand(staff, demand, include_stale=include_stale)


def names(matches):
    return [m.candidate.name for m in matches]


def test_ranking_prefers_closer_and_offers_and_gives_reasons():
    make_childminder(insee="46088", first_name="Near", last_name="Douelle", hours_before_8=True)
    far = make_childminder(insee="46042", first_name="Far", last_name="Cahors")
    demand = make_demand(insee="46088", max_km=15)
    result = run(demand)
    assert names(result.full) == ["Near Douelle", "Far Cahors"]
    top = result.full[0]
    assert top.full and top.share == 1 and top.score > result.full[1].score
    texts = " ".join(text for _kind, text in top.reasons)
    assert "Agrément valable le 01/03/2027" in texts
    assert "Place libre pour un enfant de moins de 3 ans sur tous les créneaux" in texts
    assert "À 0,0 km (Douelle → Douelle)" in texts
    assert "Accueille avant 8 h, comme demandé." in texts
    assert ("warning", "N'indique pas accueillir avant 8 h.") in result.full[1].reasons
    assert result.full[1].candidate.id == far.id and result.full[1].distance_km > top.distance_km


def test_hard_conditions_licence_distance_stale_and_places():
    make_childminder(insee="46088", first_name="Expired", last_name="Licence", valid_until=date(2027, 2, 1))
    make_childminder(insee="46268", first_name="Too", last_name="Far")
    make_childminder(insee="46088", first_name="Old", last_name="Availability", declared=None)
    full = make_childminder(insee="46088", first_name="No", last_name="Place", max_children=2)
    add_child(full, date(2024, 1, 1))
    add_child(full, date(2024, 2, 1))
    demand = make_demand(insee="46088", max_km=10, schedule={"0": [["09:00", "12:00"]]})
    result = run(demand)
    assert not result.has_any
    assert result.excluded == {"no_licence": 1, "too_far": 0, "stale": 1, "no_place": 1}
    assert names(run(demand, include_stale=True).full) == ["Old Availability"]
    # The unmatched list shows it, counting those too far.
    staff = make_staff()
    rows = matching.unmatched_demands(staff)
    assert [d.id for d, _why in rows] == [demand.id] and rows[0][1]["too_far"] == 1


def test_own_children_count_and_age_on_start_date():
    cm = make_childminder(insee="46088", max_children=4, max_under_3=4)
    for birth in (date(2025, 6, 1), date(2025, 7, 1)):
        add_child(cm, birth)
    add_own_child(cm, date(2025, 1, 1))
    add_own_child(cm, date(2026, 1, 1))  # four under 3 at home on 1 March 2027
    morning = {"0": [["09:00", "12:00"]]}
    young = make_demand(birth=date(2026, 5, 1), schedule=morning)
    assert not run(young).has_any
    older = make_demand(birth=date(2023, 1, 1), schedule=morning)  # 4 years old on the start date
    assert names(run(older).full) == ["Sophie Delmas"]


def test_partial_match_and_pair_cover_the_week():
    monday_tuesday = make_childminder(insee="46088", first_name="Marie", last_name="Lundi", max_children=1)
    add_child(monday_tuesday, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    wednesday_thursday = make_childminder(insee="46224", first_name="Lucie", last_name="Mercredi", max_children=1)
    add_child(wednesday_thursday, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (0, 1)})
    demand = make_demand()
    result = run(demand)
    assert result.full == []
    assert {m.share for m in result.partial} == {0.5}
    assert any(kind == "partial" and "Couvre 50 %" in text for kind, text in result.partial[0].reasons)
    assert len(result.pairs) == 1
    pair = result.pairs[0]
    assert {pair.first.candidate.name, pair.second.candidate.name} == {"Marie Lundi", "Lucie Mercredi"}


def test_contract_signed_lowers_availability_and_meets_the_demand():
    cm = make_childminder(insee="46088", max_children=1, max_under_3=1)
    demand = make_demand()
    other = make_demand(birth=date(2026, 4, 1))
    staff = make_staff()
    assert names(matching.match_demand(staff, other).full) == ["Sophie Delmas"]
    introduction = demand_services.record_introduction(staff, demand, cm.id, date(2027, 1, 5))
    assert demand.status == DemandStatus.IN_PROGRESS
    demand_services.record_outcome(staff, introduction.id, IntroductionOutcome.CONTRACT_SIGNED, date(2027, 1, 20))
    db.session.expire_all()
    demand = db.session.get(type(demand), demand.id)
    assert demand.status == DemandStatus.MET and demand.met_on == date(2027, 1, 20)
    assert matching.match_demand(staff, other).has_any is False  # the only place is now taken
    with pytest.raises(Conflict):
        demand_services.record_outcome(staff, introduction.id, IntroductionOutcome.DECLINED)


def test_signing_with_no_place_left_is_refused():
    cm = make_childminder(insee="46088", max_children=1, max_under_3=1)
    staff = make_staff()
    first, second = make_demand(), make_demand()
    i1 = demand_services.record_introduction(staff, first, cm.id)
    i2 = demand_services.record_introduction(staff, second, cm.id)
    demand_services.record_outcome(staff, i1.id, IntroductionOutcome.CONTRACT_SIGNED)
    with pytest.raises(PlaceUnavailable):
        demand_services.record_outcome(staff, i2.id, IntroductionOutcome.CONTRACT_SIGNED)


def test_declined_introduction_reopens_the_demand():
    cm = make_childminder(insee="46088")
    staff = make_staff()
    demand = make_demand()
    introduction = demand_services.record_introduction(staff, demand, cm.id)
    demand_services.record_outcome(staff, introduction.id, IntroductionOutcome.DECLINED)
    assert demand.status == DemandStatus.OPEN


def test_a_pair_signing_both_halves_meets_the_demand():
    a = make_childminder(insee="46088", first_name="Marie", last_name="Lundi", max_children=1)
    add_child(a, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    b = make_childminder(insee="46224", first_name="Lucie", last_name="Mercredi", max_children=1)
    add_child(b, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (0, 1)})
    staff = make_staff()
    demand = make_demand()
    for cm in (a, b):
        introduction = demand_services.record_introduction(staff, demand, cm.id)
        demand_services.record_outcome(staff, introduction.id, IntroductionOutcome.CONTRACT_SIGNED)
        db.session.refresh(demand)
    assert demand.status == DemandStatus.MET


def test_parent_demand_goes_to_nearest_relais_and_is_private():
    from tests.ram.factories import make_relais

    make_relais("Relais Cahors", "46042")
    douelle = make_relais("Relais Douelle", "46088")
    parent = make_user(Role.PARENT)
    demand = demand_services.create_demand(
        parent, child_birth_date=date(2026, 5, 1), start_date=date(2027, 3, 1),
        schedule={"0": [["08:00", "17:00"]]}, commune_insee="46088", max_distance_km=10, relais_id=None)
    assert demand.relais_id == douelle.id and demand.parent_user_id == parent.id
    other = make_user(Role.PARENT)
    assert demand_services.list_demands(other) == []
    from app.errors import NotFound

    with pytest.raises(NotFound):
        demand_services.get_demand(other, demand.id)


def test_parent_is_told_when_their_demand_is_met():
    from app.notifications.models import OutboxMessage

    parent = make_user(Role.PARENT, first_name="Nadia")
    cm = make_childminder(insee="46088", first_name="Anne", last_name="Pradel")
    staff = make_staff()
    demand = make_demand(parent=parent)
    introduction = demand_services.record_introduction(staff, demand, cm.id)
    demand_services.record_outcome(staff, introduction.id, IntroductionOutcome.CONTRACT_SIGNED, date(2027, 1, 20))
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "ram.demand_met"))
    assert message.to_address == parent.email
    assert "Anne Pradel" in message.body_text and f"/relais/demandes/{demand.id}" in message.body_text


def test_index_loads_in_a_fixed_number_of_queries():
    from sqlalchemy import event

    def count_queries():
        statements = []
        listener = lambda *args, **kwargs: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            index = matching.MatchIndex.load()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements), len(index.candidates)

    cm = make_childminder()
    add_child(cm, date(2025, 1, 1))
    add_own_child(cm, date(2020, 1, 1))
    small = count_queries()
    for n in range(5):
        other = make_childminder(first_name=f"A{n}")
        add_child(other, date(2025, 1, 1))
        add_own_child(other, date(2020, 1, 1))
    large = count_queries()
    assert small[1] == 1 and large[1] == 6
    assert small[0] == large[0] <= 8
