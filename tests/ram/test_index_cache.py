"""The matching index kept in memory between requests: every write is seen by the next match, in this
process and in another one, and the cached ranking is the uncached one."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, event, insert, update

from app import create_app
from app.accounts.models import User
from app.extensions import db
from app.ram import matching
from app.ram.models import AvailabilityDeclaration, CareContract, OwnChild, RamIndexVersion
from tests.ram.factories import add_child, add_own_child, make_childminder, make_demand, make_staff


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"):
        yield


def names(result):
    return [m.candidate.name for m in result.full]


def version():
    return db.session.get(RamIndexVersion, 1, populate_existing=True).version


def test_the_second_page_reuses_the_index_with_one_query(app):
    make_childminder(insee="46088")
    demand, staff = make_demand(), make_staff()
    assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]
    cached = app.extensions["ram_index_cache"].index
    db.session.commit()
    queries = []
    listener = lambda *a, **k: queries.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert app.extensions["ram_index_cache"].index is cached
    assert sum("ram_index_version" in q for q in queries) == 1  # one version read, no reload:
    assert not [q for q in queries if "FROM licence" in q or "FROM care_contract" in q or "FROM commune" in q]


def _contract(cm):
    add_child(cm, date(2026, 6, 1))


def _contract_deleted_core(cm):
    db.session.execute(delete(CareContract).where(CareContract.childminder_id == cm.id))
    db.session.commit()


def _licence(cm):
    cm.licences[0].valid_until = date(2027, 1, 1)
    db.session.commit()


def _own_child(cm):
    for month in (1, 4, 7, 10):  # four under 3 at home: the legal cap, whatever the licence
        add_own_child(cm, date(2025, month, 1))


def _own_children_bulk_insert(cm):
    db.session.execute(insert(OwnChild), [{"childminder_id": cm.id, "first_name": "Jules", "birth_date":
                                           date(2025, month, 1)} for month in (1, 4, 7, 10)])
    db.session.commit()


def _declaration_removed(cm):
    for declaration in list(cm.declarations):
        db.session.delete(declaration)
    db.session.commit()


def _account_inactive(cm):
    cm.user.active = False
    db.session.commit()


def _account_inactive_core(cm):
    db.session.execute(update(User).where(User.id == cm.user_id).values(active=False))
    db.session.commit()


def _commune_moved(cm):
    cm.commune_insee = "46042"  # Cahors, beyond the 5 km the demand accepts
    db.session.commit()


@pytest.mark.parametrize("write", [_contract, _licence, _own_child, _own_children_bulk_insert,
                                   _declaration_removed, _account_inactive,
                                   _account_inactive_core, _commune_moved])
def test_each_write_is_seen_by_the_next_match(write):
    cm = make_childminder(insee="46088", max_children=1, max_under_3=1)
    demand, staff = make_demand(max_km=5), make_staff()
    assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]
    before = version()
    write(cm)
    assert version() > before
    assert names(matching.match_demand(staff, demand)) == []


def test_a_deleted_contract_and_a_new_declaration_are_seen():
    cm = make_childminder(insee="46088", max_children=1, max_under_3=1, declared=None)
    add_child(cm, date(2026, 6, 1))
    demand, staff = make_demand(), make_staff()
    assert names(matching.match_demand(staff, demand, include_stale=True)) == []
    _contract_deleted_core(cm)
    assert names(matching.match_demand(staff, demand, include_stale=True)) == ["Sophie Delmas"]
    assert names(matching.match_demand(staff, demand)) == []  # stale: no declaration
    db.session.add(AvailabilityDeclaration(childminder_id=cm.id, declared_at=datetime(2026, 11, 20, tzinfo=UTC),
                                           valid_from=date(2026, 11, 20)))
    db.session.commit()
    assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]


def test_profile_and_name_changes_are_seen():
    cm = make_childminder(insee="46088")
    demand, staff = make_demand(), make_staff()
    assert matching.match_demand(staff, demand).full[0].candidate.offers["saturday"] is False
    cm.works_saturday = True
    db.session.commit()
    assert matching.match_demand(staff, demand).full[0].candidate.offers["saturday"] is True
    cm.user.first_name = "Anne"
    db.session.commit()
    assert names(matching.match_demand(staff, demand)) == ["Anne Delmas"]


def test_unrelated_account_writes_keep_the_index():
    make_childminder(insee="46088")
    demand, staff = make_demand(), make_staff()
    matching.match_demand(staff, demand)
    before = version()
    staff.email = "autre@example.org"
    db.session.commit()
    db.session.execute(update(User).where(User.id == staff.id).values(session_version=User.session_version + 1))
    db.session.commit()
    assert version() == before


def test_an_uncommitted_write_is_never_cached(app):
    cm = make_childminder(insee="46088", max_children=1, max_under_3=1)
    demand, staff = make_demand(), make_staff()
    assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]
    db.session.add(CareContract(childminder_id=cm.id, child_first_name="Lou", birth_date=date(2026, 6, 1),
                                schedule={str(d): [["08:00", "18:00"]] for d in range(5)},
                                start_date=date(2025, 9, 1)))
    db.session.flush()
    assert names(matching.match_demand(staff, demand)) == []  # this transaction sees its own write
    db.session.rollback()
    assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]


def test_a_write_through_one_process_is_seen_by_the_other(app):
    cm = make_childminder(insee="46088", max_children=1, max_under_3=1)
    demand, staff = make_demand(), make_staff()
    demand_id, staff_id, cm_id = demand.id, staff.id, cm.id
    other = create_app(dict(app.config))
    try:
        def match_in_other():
            with other.test_request_context("/"):
                try:
                    return names(matching.match_demand(db.session.get(User, staff_id),
                                                       db.session.get(type(demand), demand_id)))
                finally:
                    db.session.commit()
                    db.session.remove()

        assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]
        db.session.commit()
        assert match_in_other() == ["Sophie Delmas"]
        add_child(cm, date(2026, 6, 1))  # a write through this instance
        assert match_in_other() == []
        with other.test_request_context("/"):  # a write through the other one
            db.session.execute(delete(CareContract).where(CareContract.childminder_id == cm_id))
            db.session.commit()
            db.session.remove()
        assert names(matching.match_demand(staff, demand)) == ["Sophie Delmas"]
    finally:
        with other.app_context():
            db.engine.dispose()


def test_the_cached_ranking_is_the_uncached_one():
    for i, (insee, places) in enumerate([("46088", 2), ("46042", 3), ("46088", 1), ("46042", 4), ("46088", 4)]):
        cm = make_childminder(insee=insee, max_children=places, max_under_3=places, first_name=f"Am{i}",
                              works_saturday=bool(i % 2), offers_meals=i > 2,
                              declared=None if i == 4 else datetime(2026, 11, 15, 10, tzinfo=UTC))
        for k in range(i % 3):
            add_child(cm, date(2025, 3 + k, 1), schedule={str(d): [["08:00", "12:00"]] for d in range(k, 5)})
    staff = make_staff()
    demands = [make_demand(), make_demand(insee="46042", max_km=30), make_demand(birth=date(2024, 1, 1)),
               make_demand(schedule={"0": [["07:30", "17:30"]], "5": [["09:00", "12:00"]]})]

    def shape(result):
        def one(m):
            return (m.candidate.id, m.covered, m.share, m.distance_km, m.score, m.full, m.reasons)
        return ([one(m) for m in result.full], [one(m) for m in result.partial],
                [(one(p.first), one(p.second), p.score) for p in result.pairs], result.excluded)

    for demand in demands:
        for include_stale in (False, True):
            cached = matching.match_demand(staff, demand, include_stale=include_stale)
            fresh = matching.match(matching.MatchIndex.load(near=(demand.commune_insee, demand.max_distance_km)),
                                   matching.DemandSpec.of(demand), include_stale=include_stale)
            assert shape(cached) == shape(fresh)
            assert cached.has_any or demand is demands[1]
