"""Retention of health data: the purge runs from the last contact, never deletes a living file,
and leaves no document name in the trail."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import time_machine
from flask import current_app
from sqlalchemy import func, select

from app import rules
from app.booking.models import AgeBand, Attendance, AttendanceStatus, Booking, BookingStatus
from app.exports import to_csv
from app.extensions import db
from app.inclusion import services
from app.inclusion.models import AuditEntry, NeedDocument
from tests.booking.factories import make_parent_with_child, make_session, make_site
from tests.inclusion.factories import PDF, make_morning_unit


def _at(day: date, hour: int = 9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def _booking(child, session, status=BookingStatus.CONFIRMED, attended=False) -> Booking:
    booking = Booking(child_id=child.id, session_id=session.id, status=status, age_band=AgeBand.OVER6,
                      submission_id="test")
    db.session.add(booking)
    db.session.flush()
    if attended:
        db.session.add(Attendance(booking_id=booking.id, status=AttendanceStatus.PRESENT))
    db.session.commit()
    return booking


def _returning_child():
    """Attended once in 2022; the family declared needs, PAI and protocol on 2 March 2026 and booked 20 April."""
    site = make_site()
    unit = make_morning_unit(site)
    parent, _h, child = make_parent_with_child()
    with _at(date(2022, 6, 1)):
        _booking(child, make_session(unit, day=date(2022, 6, 15)), attended=True)
    with _at(date(2026, 3, 2)):
        services.declare_needs(parent, child.id, needs_particular_care=True, has_pai=True,
                               emergency_protocol="Adrénaline en cas de gonflement")
        document = services.upload_document(parent, child.id, filename="pai-allergie-arachide.pdf", content=PDF)
        _booking(child, make_session(unit, day=date(2026, 4, 20)))
    return parent, child, document


def test_the_file_of_a_child_who_came_back_is_kept():
    _parent, child, document = _returning_child()
    path = Path(current_app.config["UPLOAD_DIR"]) / document.stored_name
    assert services.last_contact_day(child.id) == date(2026, 4, 20)
    for today in (date(2026, 3, 3), date(2026, 4, 21), date(2026, 12, 31), date(2029, 4, 20)):
        assert services.purge(today) == 0, today
    assert services.needs_of(child.id).emergency_protocol.startswith("Adrénaline")
    assert path.exists()
    # Three years after the last booked day, it goes.
    assert services.purge(date(2029, 4, 21)) == 1
    assert services.needs_of(child.id) is None and not path.exists()


def test_a_declaration_alone_keeps_the_file_three_years():
    parent, _h, child = make_parent_with_child()
    with _at(date(2026, 3, 2)):
        services.declare_needs(parent, child.id, needs_particular_care=True)
    assert services.purge(date(2029, 3, 2)) == 0
    assert services.purge(date(2029, 3, 3)) == 1


def test_a_leap_day_anchor_and_a_dated_rule():
    parent, _h, child = make_parent_with_child()
    with _at(date(2028, 2, 29)):
        services.declare_needs(parent, child.id, needs_particular_care=True)
    assert services.purge(date(2031, 2, 28)) == 0
    # The council shortens the period to 1 year from 1 January 2030: the rule in force on the day applies.
    rules.set_value(services.RETENTION_YEARS.key, 1, valid_from=date(2030, 1, 1), note="Délibération")
    db.session.commit()
    assert services.retention_limit(date(2029, 12, 31)) == date(2026, 12, 31)
    assert services.purge(date(2029, 12, 31)) == 0
    assert services.retention_limit(date(2030, 1, 1)) == date(2029, 1, 1)
    assert services.purge(date(2030, 1, 1)) == 1


def test_the_purge_removes_document_names_from_the_trail():
    parent, child, document = _returning_child()
    services.open_document(parent, document.id)
    document_id = document.id
    names = select(func.count(AuditEntry.id)).where(AuditEntry.detail.contains("arachide"))
    assert db.session.scalar(names) == 2  # the upload and the read
    assert services.purge(date(2030, 1, 1)) == 1
    assert db.session.scalar(names) == 0
    targets = db.session.scalars(select(AuditEntry.target).where(AuditEntry.child_id == child.id)).all()
    assert f"document:{document_id}" in targets and "file" in targets  # the trail itself stays
    assert db.session.scalar(select(func.count(NeedDocument.id))) == 0
    assert "arachide" not in to_csv(services.export_audit(_admin())).decode("utf-8-sig")


def _admin():
    from app.accounts.models import Role
    from tests.factories import make_user

    return make_user(Role.ADMIN)


def test_purge_cli_reads_the_rule(app):
    parent, _h, child = make_parent_with_child()
    with _at(date(2026, 3, 2)):
        services.declare_needs(parent, child.id, needs_particular_care=True)
    runner = app.test_cli_runner()
    assert "0 child file(s) purged" in runner.invoke(args=["inclusion", "purge", "--today", "2029-03-02"]).output
    assert "1 child file(s) purged" in runner.invoke(args=["inclusion", "purge", "--today", "2029-03-03"]).output
