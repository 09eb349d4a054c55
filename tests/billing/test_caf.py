"""The CAF counting rules on a small site, checked against a hand count."""
from datetime import date, time
from decimal import Decimal

import pytest

from app.accounts.models import Role
from app.billing import caf, registry
from app.booking.models import ActivityKind, AttendanceStatus, UnitKind
from app.errors import NotFound
from app.exports import to_csv
from app.extensions import db
from app.families.models import BenefitScheme
from tests.billing.factories import make_booking, make_unit_at, session_on
from tests.booking.factories import make_parent_with_child, make_site, make_staff
from tests.factories import make_user

P = AttendanceStatus.PRESENT
MARCH_FIRST = date(2026, 3, 1)


@pytest.fixture
def small_site(monkeypatch):
    site = make_site("Accueil de loisirs de Terre-Rouge")
    long_day = make_unit_at(site, label="Journée longue", start=time(7, 30), end=time(18, 30), with_meal=True)
    activity = long_day.activity
    morning = make_unit_at(site, activity=activity, label="Matin", unit_kind=UnitKind.MORNING,
                           start=time(8, 30), end=time(12, 0), with_meal=False)
    afternoon = make_unit_at(site, activity=activity, label="Après-midi", unit_kind=UnitKind.AFTERNOON,
                             start=time(13, 30), end=time(17, 30), with_meal=False)
    long_morning = make_unit_at(site, activity=activity, label="Matin long", unit_kind=UnitKind.MORNING,
                                start=time(7, 30), end=time(12, 30), with_meal=False)
    day = make_unit_at(site, activity=activity, label="Journée avec repas", start=time(8, 30), end=time(17, 30))
    evening = make_unit_at(site, label="Soir", unit_kind=UnitKind.PERISCOLAIRE_EVENING, start=time(16, 30),
                           end=time(18, 30), with_meal=False, activity_name="Périscolaire du soir")
    holidays = make_unit_at(site, kind=ActivityKind.EXTRASCOLAIRE, label="Journée", start=time(7, 30),
                            end=time(18, 30), with_meal=True, activity_name="Vacances de printemps")

    _p1, general, leo = make_parent_with_child(birth_date=date(2018, 5, 14), first_name="Léo")
    _p2, msa, emma = make_parent_with_child(birth_date=date(2020, 3, 20), first_name="Emma")
    msa.benefit_scheme = BenefitScheme.MSA
    _p3, _h3, noah = make_parent_with_child(birth_date=date(2015, 1, 10), first_name="Noah")
    db.session.commit()

    # Léo, Wednesday 4: an 11 h day with a meal -> capped at 9 h.
    make_booking(leo, session_on(long_day, date(2026, 3, 4)), attendance=P)
    # Léo, Wednesday 11: morning + afternoon without a meal (3.5 h + 4 h), left late -> 7.5 h (cap 2 x 4 h).
    make_booking(leo, session_on(morning, date(2026, 3, 11)), attendance=P)
    make_booking(leo, session_on(afternoon, date(2026, 3, 11)), attendance=P, late_departure=True)
    # Léo, Wednesday 18: absent -> nothing.
    make_booking(leo, session_on(morning, date(2026, 3, 18)), attendance=AttendanceStatus.ABSENT)
    # Emma (5 until 19 March... her birthday is the 20th): Wednesday 18, a 5 h morning without meal -> 4 h, under 6.
    make_booking(emma, session_on(long_morning, date(2026, 3, 18)), attendance=P)
    # Emma, Monday 16 (still 5): evening slot, 2 h, not a Wednesday: no cap.
    make_booking(emma, session_on(evening, date(2026, 3, 16)), attendance=P)
    # Emma, Wednesday 25 (now 6): a 9 h day with a meal -> 9 h, 6 and over.
    make_booking(emma, session_on(day, date(2026, 3, 25)), attendance=P)
    # Noah (AEEH): holiday Wednesday 4 in an extrascolaire activity: 11 h, never capped.
    make_booking(noah, session_on(holidays, date(2026, 3, 4)), attendance=P)
    # Noah, justified absence, and a booking never marked: nothing.
    make_booking(noah, session_on(holidays, date(2026, 3, 5)), attendance=AttendanceStatus.ABSENT_JUSTIFIED)
    make_booking(noah, session_on(holidays, date(2026, 3, 6)))
    # Another site's attendance never leaks into this report.
    other = make_unit_at(make_site("Centre social de Pradines"))
    make_booking(leo, session_on(other, date(2026, 3, 25)), attendance=P)
    # April is another month.
    make_booking(leo, session_on(day, date(2026, 4, 1)), attendance=P)

    monkeypatch.setattr(registry.billing_registry(), "aeeh_sources", [lambda ids, first, last: {noah.id} & ids])
    return {"site": site, "leo": leo, "emma": emma, "noah": noah}


def test_hand_count_of_a_small_site(small_site):
    admin = make_user(Role.ADMIN)
    report = caf.site_report(admin, small_site["site"].id, MARCH_FIRST)
    peri, extra = ActivityKind.PERISCOLAIRE.value, ActivityKind.EXTRASCOLAIRE.value
    h = Decimal
    assert (report.cell(peri, "under6").count, report.cell(peri, "under6").hours) == (1, h("6.00"))
    assert (report.cell(peri, "over6").count, report.cell(peri, "over6").hours) == (2, h("25.50"))
    assert (report.cell(extra, "over6").count, report.cell(extra, "over6").hours) == (1, h("11.00"))
    assert report.cell(extra, "under6").hours == h("0.00")
    assert (report.scheme_total("general").count, report.scheme_total("general").hours) == (2, h("27.50"))
    assert (report.scheme_total("other").count, report.scheme_total("other").hours) == (1, h("15.00"))
    assert report.scheme_cell("general", peri).hours == h("16.50")
    assert (report.aeeh.count, report.aeeh.hours, report.aeeh_amount) == (1, h("11.00"), h("49.50"))
    assert (report.total.count, report.total.hours) == (3, h("42.50"))
    days = {(d.child_name.split()[0], d.day.day): (d.scheduled_minutes, d.counted_minutes, d.band)
            for d in report.days}
    assert days == {("Léo", 4): (660, 540, "over6"), ("Léo", 11): (450, 450, "over6"),
                    ("Emma", 18): (300, 240, "under6"), ("Emma", 16): (120, 120, "under6"),
                    ("Emma", 25): (540, 540, "over6"), ("Noah", 4): (660, 660, "over6")}


def test_csv_export_of_the_report(small_site):
    report = caf.site_report(make_user(Role.ADMIN), small_site["site"].id, MARCH_FIRST)
    summary, detail, total = (to_csv(t).decode("utf-8-sig") for t in caf.report_tables(report))
    assert "Âge;Périscolaire (dont mercredis);6 ans et plus;2;25,50" in summary
    assert "Régime;Extrascolaire (vacances);Régime général (Caf);1;11,00" in summary
    assert "AEEH;Extrascolaire (vacances);Enfants bénéficiaires de l'AEEH;1;11,00" in summary
    assert "Total" not in summary  # the total is a table of its own
    assert total.splitlines()[1] == f"{small_site['site'].name};2026-03;3;42,50"
    assert "2026-03-04;Léo" in detail and ";11,00;9,00" in detail


def test_directors_read_only_their_sites(small_site):
    director = make_staff(small_site["site"])
    assert caf.site_report(director, small_site["site"].id, MARCH_FIRST).total.hours == Decimal("42.50")
    stranger = make_staff(make_site("Accueil de loisirs de Catus"))
    with pytest.raises(NotFound):
        caf.site_report(stranger, small_site["site"].id, MARCH_FIRST)
    with pytest.raises(NotFound):
        caf.site_report(make_staff(small_site["site"], Role.ANIMATOR), small_site["site"].id, MARCH_FIRST)


def _slot(day, start, end, meal=False, ref="1", kind="periscolaire", child=1):
    return registry.AttendedSlot("test", ref, 1, child, "Enfant", date(2018, 1, 1), 1, True, day, kind,
                                 start, end, meal)


@pytest.mark.parametrize("slots, expected_minutes", [
    # One whole morning slot counts even if only part of it was attended: the source gives the slot.
    ([_slot(date(2026, 3, 11), time(8, 0), time(12, 0))], 240),
    # A morning of 4 h 30 without a meal is one half-day: 4 h.
    ([_slot(date(2026, 3, 11), time(7, 30), time(12, 0))], 240),
    # The same on a Tuesday is not capped.
    ([_slot(date(2026, 3, 10), time(7, 30), time(12, 0))], 270),
    # Two half-days without meal: up to 8 h (here 10 h scheduled).
    ([_slot(date(2026, 3, 11), time(7, 0), time(12, 0), ref="a"),
      _slot(date(2026, 3, 11), time(13, 0), time(18, 0), ref="b")], 480),
    # A meal anywhere in the day: 9 h a day.
    ([_slot(date(2026, 3, 11), time(7, 0), time(13, 0), meal=True, ref="a"),
      _slot(date(2026, 3, 11), time(13, 0), time(19, 0), ref="b")], 540),
    # The same slot reported twice counts once.
    ([_slot(date(2026, 3, 11), time(13, 30), time(17, 30)), _slot(date(2026, 3, 11), time(13, 30), time(17, 30))],
     240),
    # Extrascolaire Wednesdays (holidays) are not capped.
    ([_slot(date(2026, 3, 11), time(7, 30), time(18, 30), meal=True, kind="extrascolaire")], 660),
])
def test_counting_rules(app, slots, expected_minutes):
    site = type("S", (), {"name": "x", "id": 1})()
    report = caf.count_hours(site, date(2026, 3, 1), date(2026, 3, 31), slots, set())
    assert report.total.minutes == expected_minutes


def test_charts_have_bars_proportional_to_hours(small_site):
    report = caf.site_report(make_user(Role.ADMIN), small_site["site"].id, MARCH_FIRST)
    age, scheme = caf.charts(report)
    widths = {bar.label: bar.width for bar in age.bars}
    assert widths["Périscolaire (dont mercredis) – 6 ans et plus"] == caf.CHART_WIDTH
    assert widths["Extrascolaire (vacances) – 6 ans et plus"] == round(11 / 25.5 * caf.CHART_WIDTH)
    assert [bar.value for bar in scheme.bars] == [Decimal("27.50"), Decimal("15.00"), Decimal("11.00")]
