from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.booking.catalogue import generate_sessions
from app.booking.models import SchoolHolidayPeriod, Session
from app.booking.school_calendar import build_offline, parse_ics
from app.extensions import db
from tests.booking.factories import make_activity, make_site, make_staff, make_unit

ICS = Path(__file__).parent / "data" / "calendrier-scolaire-zone-c-2025-2026.ics"


def _periods():
    return [(p.label, p.first_day, p.last_day) for p in
            db.session.scalars(select(SchoolHolidayPeriod).order_by(SchoolHolidayPeriod.first_day))]


def test_parse_ignores_teachers_and_treats_dtend_as_exclusive():
    periods = parse_ics(ICS.read_bytes(), "C")
    assert ("Vacances d'Hiver", date(2026, 2, 21), date(2026, 3, 8)) in periods
    assert ("Vacances de Printemps", date(2026, 4, 18), date(2026, 5, 3)) in periods
    assert ("Vacances d'Été", date(2026, 7, 4), date(2026, 8, 31)) in periods
    assert all("nseignant" not in label and "entrée" not in label for label, _f, _l in periods)
    assert not any(first == date(2026, 7, 7) for _label, first, _l in periods)
    assert parse_ics(ICS.read_bytes(), "A") == []


def test_cli_import_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "import-school-holidays", str(ICS), "--zone", "C"])
    assert result.exit_code == 0, result.output
    assert "6 period(s) created" in result.output
    first = _periods()
    result = runner.invoke(args=["calendar", "import-school-holidays", str(ICS), "--zone", "C"])
    assert "0 period(s) created, 0 updated" in result.output
    assert _periods() == first


def test_build_offline_from_package_matches_known_zone_c_dates(app):
    result = app.test_cli_runner().invoke(args=["calendar", "build-school-holidays", "--zone", "C", "--year", "2026"])
    assert result.exit_code == 0, result.output
    periods = _periods()
    winter = [p for p in periods if p[1] == date(2026, 2, 21)]
    assert winter and winter[0][2] in (date(2026, 3, 8), date(2026, 3, 9))
    assert any(p[1] == date(2026, 4, 18) for p in periods)
    build_offline("C", 2026)
    assert _periods() == periods


def test_generation_for_holidays_only_skips_public_holidays(app):
    app.test_cli_runner().invoke(args=["calendar", "import-school-holidays", str(ICS), "--zone", "C"])
    site = make_site()
    unit = make_unit(make_activity(site))
    director = make_staff(site)
    result = generate_sessions(director, unit.activity_id, unit_ids=None, weekdays={0, 1, 2, 3, 4},
                               first_day=date(2026, 4, 13), last_day=date(2026, 5, 8), mode="holidays",
                               capacity_under6=8, capacity_over6=12, today=date(2026, 4, 1))
    days = [s.day for s in db.session.scalars(select(Session).order_by(Session.day))]
    # Spring holidays 18/04 - 03/05; Easter Monday 06/04 is outside; 1 May is a public holiday.
    assert days[0] == date(2026, 4, 20) and days[-1] == date(2026, 4, 30)
    assert date(2026, 5, 1) not in days and len(days) == 9
    assert any("férié" in reason for _d, reason in result.skipped)
