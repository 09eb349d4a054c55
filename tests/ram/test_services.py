"""Observatory counts, workshops, salary simulator, iCalendar feed, contracts within limits."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from icalendar import Calendar

from app.errors import Conflict, ValidationFailed
from app.exports import to_csv
from app.extensions import db
from app.ram import observatory, salary, services, workshops
from app.ram.models import DemandStatus
from tests.ram.factories import add_child, make_childminder, make_demand, make_relais, make_staff, make_workshop


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"):
        yield


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def test_observatory_counts_from_hand_built_records():
    douelle = make_relais("Relais Douelle", "46088")
    cahors = make_relais("Relais Cahors centre", "46042")
    staff = make_staff(cahors)
    # Demands: two in Douelle in January (one atypical, met in February), one in Cahors in February, cancelled one.
    make_demand(insee="46088", relais_id=douelle.id, created_at=at(date(2027, 1, 10)), atypical_hours=True,
                status=DemandStatus.MET, met_on=date(2027, 2, 3))
    make_demand(insee="46088", relais_id=douelle.id, created_at=at(date(2027, 1, 20)))
    make_demand(insee="46042", relais_id=cahors.id, created_at=at(date(2027, 2, 1)))
    make_demand(insee="46042", relais_id=cahors.id, created_at=at(date(2027, 1, 5)), status=DemandStatus.CANCELLED)
    # Supply: a Douelle childminder with 4 places, one child under 3 all week; a Cahors one with atypical hours.
    cm = make_childminder(insee="46088", relais=douelle, max_children=4, max_under_3=2)
    add_child(cm, date(2026, 6, 1), start=date(2026, 9, 1))
    make_childminder(insee="46042", relais=cahors, max_children=3, max_under_3=3, hours_after_18=True,
                     valid_from=date(2027, 2, 1))
    obs = observatory.compute(staff, group_by="relais", first_month=date(2027, 1, 1), last_month=date(2027, 2, 1))
    jan, feb = date(2027, 1, 1), date(2027, 2, 1)
    d, c = str(douelle.id), str(cahors.id)
    assert obs.cells[(jan, d)] == {"demands": 2, "met": 0, "unmet": 2, "free_under_3": 1, "free_3_plus": 3,
                                   "atypical_demand": 1, "atypical_supply": 0}
    assert obs.cells[(feb, d)]["met"] == 1 and obs.cells[(feb, d)]["unmet"] == 1
    # The cancelled demand was received, never pending; the licence starts in February.
    assert obs.cells[(jan, c)] == {**dict.fromkeys(observatory.METRICS, 0), "demands": 1}
    assert obs.cells[(feb, c)] == {"demands": 1, "met": 0, "unmet": 1, "free_under_3": 3, "free_3_plus": 3,
                                   "atypical_demand": 0, "atypical_supply": 1}
    assert obs.totals[feb]["unmet"] == 2
    by_commune = observatory.compute(staff, group_by="commune", first_month=jan, last_month=feb)
    assert by_commune.cells[(feb, "46088")]["met"] == 1
    text = to_csv(observatory.to_table(obs)).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mois;Relais;Demandes reçues")
    assert "2027-02;Relais Douelle;0;1;1;1;3;0;0" in text
    charts = observatory.charts(obs)
    assert len(charts) == 3 and charts[0]["series"][0][1] == [3, 1]


def test_contract_beyond_the_limits_is_refused():
    staff = make_staff()
    cm = make_childminder(max_children=2, max_under_3=1)
    services.add_contract(staff, cm, child_first_name="Lou", birth_date=date(2026, 1, 1),
                          schedule={"0": [["08:00", "18:00"]]}, start_date=date(2026, 9, 1))
    with pytest.raises(services.PlaceUnavailable) as error:
        services.add_contract(staff, cm, child_first_name="Nino", birth_date=date(2026, 2, 1),
                              schedule={"0": [["17:00", "19:00"]]}, start_date=date(2026, 9, 1))
    assert "lundi 17:00–18:00" in error.value.message
    services.add_contract(staff, cm, child_first_name="Nino", birth_date=date(2026, 2, 1),
                          schedule={"0": [["18:00", "19:00"]], "1": [["08:00", "18:00"]]},
                          start_date=date(2026, 9, 1))


def test_licence_validation():
    staff = make_staff()
    cm = make_childminder()
    with pytest.raises(ValidationFailed):
        services.save_licence(staff, cm, max_children=7, max_under_3=4, valid_from=date(2026, 1, 1),
                              valid_until=date(2030, 1, 1))
    with pytest.raises(ValidationFailed):
        services.save_licence(staff, cm, max_children=4, max_under_3=4, valid_from=date(2026, 1, 1),
                              valid_until=date(2030, 1, 1), extension_from=date(2026, 7, 1),
                              extension_until=date(2026, 8, 31), extension_places=3)
    licence = services.save_licence(staff, cm, max_children=4, max_under_3=4, valid_from=date(2026, 1, 1),
                                    valid_until=date(2030, 1, 1), extension_from=date(2026, 7, 1),
                                    extension_until=date(2026, 8, 31), extension_places=2)
    assert licence.places_on(date(2026, 7, 14)) == 6


def test_workshop_capacity_counts_children_and_adults():
    relais = make_relais()
    workshop = make_workshop(relais, capacity=5)
    first = make_childminder(relais=relais, first_name="Anne")
    second = make_childminder(relais=relais, first_name="Béa")
    registration = workshops.register(first.user, workshop.id, ["Lou", "Nino"])
    assert registration.persons == 3
    with pytest.raises(workshops.WorkshopFull):
        workshops.register(second.user, workshop.id, ["Jade", "Léo"])  # 3 + 3 > 5
    workshops.register(second.user, workshop.id, ["Jade"])  # exactly 5
    with pytest.raises(Conflict):
        workshops.register(first.user, workshop.id, [])
    workshops.cancel_registration(first.user, workshop.id)
    db.session.expire_all()
    assert workshops.get_workshop(workshop.id).places_left == 3


def test_workshop_created_only_by_staff_of_that_relais():
    from app.errors import Forbidden

    cahors = make_relais()
    catus = make_relais("Relais Catus", "46064")
    staff = make_staff(cahors)
    args = dict(theme="Motricité", day=date(2027, 1, 20), start_time=datetime(2027, 1, 1, 9).time(),
                end_time=datetime(2027, 1, 1, 11).time(), place="Salle des fêtes", capacity=12)
    assert workshops.create_workshop(staff, relais_id=cahors.id, **args).id
    with pytest.raises(Forbidden):
        workshops.create_workshop(staff, relais_id=catus.id, **args)


def test_ical_feed_parses():
    relais = make_relais()
    make_workshop(relais, day=date(2027, 1, 12))
    calendar = Calendar.from_ical(workshops.ical_feed(relais.id))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]) == "Peinture propre"
    assert event.decoded("dtstart").isoformat() == "2027-01-12T09:30:00+01:00"
    assert str(event["location"]) == "Salle du relais"


@pytest.mark.parametrize("rate", [Decimal("3.63"), Decimal("1")])
def test_salary_refuses_a_rate_below_the_minimum(rate):
    with pytest.raises(salary.BelowMinimum) as error:
        salary.simulate(hourly_rate=rate, hours_per_week=Decimal("40"), full_year=True)
    assert "3,64" in error.value.message


def test_salary_full_year_hand_computed():
    # 4.10 × 45 h × 52 / 12 = 799.50; maintenance 4.00 × 5 days × 47 weeks / 12 = 78.33; meals 3 × 5 × 47 / 12
    result = salary.simulate(hourly_rate=Decimal("4.10"), hours_per_week=Decimal("45"), full_year=True,
                             days_per_week=5, maintenance_per_day=Decimal("4.00"), meal_per_day=Decimal("3"))
    assert result.monthly_base == Decimal("799.50")
    assert result.hours_per_month == Decimal("195.00")
    assert result.maintenance_monthly == Decimal("78.33")
    assert result.meals_monthly == Decimal("58.75")
    assert result.total_monthly == Decimal("936.58")
    assert result.paid_leave == Decimal("0.00")


def test_salary_incomplete_year_hand_computed():
    # 4.00 × 40 h × 40 weeks / 12 = 533.33; annual 6,400: 10 % = 640.00;
    # leave days = ceil(40 × 2.5 / 4) = 25; maintenance = 25 / 6 × 160 = 666.67 → the better one.
    result = salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("40"), full_year=False, weeks=40)
    assert result.monthly_base == Decimal("533.33")
    assert result.leave_days == 25
    assert result.leave_ten_percent == Decimal("640.00")
    assert result.leave_maintenance == Decimal("666.67")
    assert result.paid_leave == Decimal("666.67")
    assert result.paid_leave_monthly == Decimal("55.56")
    # 36 weeks: 10 % wins (576.00 against ceil(22.5)=23 days: 23/6 × 160 = 613.33 → maintenance still wins)
    small = salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("40"), full_year=False, weeks=36)
    assert small.leave_days == 23 and small.paid_leave == Decimal("613.33")
    # Maintenance allowance below 3.80 per 9 h is refused.
    with pytest.raises(salary.BelowMinimum):
        salary.simulate(hourly_rate=Decimal("4"), hours_per_week=Decimal("45"), full_year=True,
                        maintenance_per_day=Decimal("3.79"))
    with pytest.raises(ValidationFailed):
        salary.simulate(hourly_rate=Decimal("4"), hours_per_week=Decimal("40"), full_year=False, weeks=47)


def test_minimum_comes_from_the_settings(app):
    from app import rules

    rules.set_value(salary.MIN_HOURLY_RATE.key, "4.50", valid_from=date(2027, 1, 1), note="Avenant")
    db.session.commit()
    salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("40"), full_year=True, on=date(2026, 12, 31))
    with pytest.raises(salary.BelowMinimum):
        salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("40"), full_year=True,
                        on=date(2027, 1, 1))


def test_childminder_created_by_staff_gets_an_invitation():
    from app.notifications.models import OutboxMessage

    relais = make_relais()
    staff = make_staff(relais)
    cm = services.create_childminder(staff, email="Nouvelle.AM@example.fr", first_name="Inès", last_name="Bru",
                                     commune_insee="46042", relais_id=relais.id)
    assert cm.user.email == "nouvelle.am@example.fr" and cm.user.role.value == "childminder"
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "ram.childminder_invited"))
    assert "/reinitialiser/" in message.body_text


def test_relais_scope_is_assigned_through_the_kernel():
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.ram.access import relais_ids_of

    catus = make_relais("Relais Catus", "46064")
    user = create_user("rpe.catus@example.fr", "Causse-Lot-Vallee-2026", Role.RAM_STAFF, relais_ids=[catus.id])
    assert relais_ids_of(user) == [catus.id]
    with pytest.raises(ValidationFailed):
        create_user("rpe.x@example.fr", "Causse-Lot-Vallee-2026", Role.RAM_STAFF, relais_ids=[9999])
