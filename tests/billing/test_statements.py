"""Monthly statements: lines, charging rules, closing, frozen months and adjustments."""
from datetime import date, time
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.billing import certificates, services
from app.billing.models import BillingMonth, LineKind, Statement, StatementLine
from app.booking import services as booking_services
from app.booking.models import AttendanceStatus, BookingStatus
from app.errors import Conflict, Forbidden, ValidationFailed
from app.exports import to_csv
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.billing.factories import AFTER_MAY, APRIL, MARCH, PDF, make_booking, make_unit_at, mark, session_on
from tests.booking.factories import make_parent_with_child, make_site, make_staff
from tests.factories import make_child, make_user

P = AttendanceStatus.PRESENT
A = AttendanceStatus.ABSENT
J = AttendanceStatus.ABSENT_JUSTIFIED


@pytest.fixture
def world():
    site = make_site()
    day_unit = make_unit_at(site)  # whole day with meal
    morning = make_unit_at(site, activity=day_unit.activity, label="Matin", start=time(8, 30), end=time(12, 0),
                           with_meal=False)
    parent, household, leo = make_parent_with_child()
    household.name = "Foyer Martin"
    db.session.commit()
    emma = make_child(household, first_name="Emma", birth_date=date(2020, 2, 1))
    return {"site": site, "day": day_unit, "morning": morning, "parent": parent, "household": household,
            "leo": leo, "emma": emma}


def _march(world):
    """Leo and Emma in March 2026, one booking of each kind."""
    s4, s11, s18, s25 = (session_on(world["day"], date(2026, 3, d)) for d in (4, 11, 18, 25))
    m18 = session_on(world["morning"], date(2026, 3, 18))
    leo, emma = world["leo"], world["emma"]
    return {
        "present": make_booking(leo, s4, price="8.50", attendance=P),
        "late_departure": make_booking(emma, s4, price="8.50", attendance=P, late_departure=True),
        "unjustified": make_booking(leo, s11, price="8.50", attendance=A),
        "justified": make_booking(leo, s18, price="8.50", attendance=J),
        "late_cancelled": make_booking(emma, s18, price="6.25", status=BookingStatus.LATE_CANCELLED),
        "cancelled_in_time": make_booking(emma, s25, price="8.50", status=BookingStatus.CANCELLED),
        "waitlisted": make_booking(leo, m18, price="4.70", status=BookingStatus.WAITLISTED),
        "not_marked": make_booking(leo, s25, price="8.50"),
    }


def test_statement_checked_line_by_line(world):
    b = _march(world)
    admin = make_user(Role.ADMIN)
    services.update_rules(admin, charge_late_cancellations=True, late_cancellation_share=Decimal("0.5"),
                          charge_unjustified_absences=True)
    result = services.close_month(MARCH, today=AFTER_MAY)
    assert (result.already_closed, result.statements) == (False, 1)
    statement = db.session.scalar(select(Statement))
    rows = [(line.day, line.child_name.split()[0], line.kind, line.unit_price, line.share, line.amount,
             line.reference) for line in statement.lines]
    d = Decimal
    assert rows == [
        (date(2026, 3, 4), "Emma", LineKind.BOOKING, d("8.50"), d("1.00"), d("8.50"), f"booking:{b['late_departure'].id}"),
        (date(2026, 3, 4), "Léo", LineKind.BOOKING, d("8.50"), d("1.00"), d("8.50"), f"booking:{b['present'].id}"),
        (date(2026, 3, 11), "Léo", LineKind.UNJUSTIFIED_ABSENCE, d("8.50"), d("1.00"), d("8.50"),
         f"booking:{b['unjustified'].id}"),
        # 6.25 x 50 % = 3.125, rounded half up to 3.13
        (date(2026, 3, 18), "Emma", LineKind.LATE_CANCELLATION, d("6.25"), d("0.50"), d("3.13"),
         f"booking:{b['late_cancelled'].id}"),
        (date(2026, 3, 18), "Léo", LineKind.JUSTIFIED_ABSENCE, d("8.50"), d("0.00"), d("0.00"),
         f"booking:{b['justified'].id}"),
        (date(2026, 3, 25), "Léo", LineKind.BOOKING, d("8.50"), d("1.00"), d("8.50"), f"booking:{b['not_marked'].id}"),
    ]
    assert statement.total == d("37.13") == result.total
    details = [line.detail for line in statement.lines]
    assert details[0] == "Présent, départ tardif" and details[1] == "Présent"
    assert details[2] == "Absence non justifiée, facturée"
    assert details[3] == "Annulation hors délai, facturée à 50 %"
    assert details[4] == "Absence justifiée, non facturée"
    assert details[5] == "Réservé"
    assert statement.number == f"202603-{world['household'].id:06d}"
    assert statement.family_quotient == 800 and statement.resident is True
    assert "Mercredis" in statement.lines[0].label
    # The guardians are told, with a link to the statement.
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "billing.statement_ready"))
    assert f"/facturation/releves/{statement.id}" in message.body_text and "37,13" in message.body_text


def test_rules_can_stop_charging_absences_and_late_cancellations(world):
    _march(world)
    admin = make_user(Role.ADMIN)
    services.update_rules(admin, charge_late_cancellations=False, late_cancellation_share=Decimal("1"),
                          charge_unjustified_absences=False)
    services.close_month(MARCH, today=AFTER_MAY)
    statement = db.session.scalar(select(Statement))
    assert statement.total == Decimal("25.50")
    kinds = {line.kind: line.amount for line in statement.lines}
    assert kinds[LineKind.UNJUSTIFIED_ABSENCE] == kinds[LineKind.LATE_CANCELLATION] == Decimal("0.00")


def test_rules_validation_and_permission(world):
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationFailed):
        services.update_rules(admin, charge_late_cancellations=True, late_cancellation_share=Decimal("1.5"),
                              charge_unjustified_absences=True)
    with pytest.raises(Forbidden):
        services.update_rules(world["parent"], charge_late_cancellations=True,
                              late_cancellation_share=Decimal("1"), charge_unjustified_absences=True)


def test_close_is_idempotent(world):
    _march(world)
    first = services.close_month(MARCH, today=AFTER_MAY)
    lines_before = db.session.scalar(select(func.count(StatementLine.id)))
    second = services.close_month(MARCH, today=AFTER_MAY)
    assert second.already_closed and second.statements == first.statements == 1
    assert db.session.scalar(select(func.count(Statement.id))) == 1
    assert db.session.scalar(select(func.count(StatementLine.id))) == lines_before
    assert db.session.scalar(select(func.count(BillingMonth.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_cli_close_twice_changes_nothing(app, world):
    _march(world)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["billing", "close", MARCH])
    assert out.exit_code == 0 and "closed: 1 statement(s), total 40.25 EUR" in out.output
    again = runner.invoke(args=["billing", "close", MARCH])
    assert again.exit_code == 0 and "already closed" in again.output
    assert db.session.scalar(select(func.count(Statement.id))) == 1
    bad = runner.invoke(args=["billing", "close", "March"])
    assert bad.exit_code != 0 and "AAAA-MM" in bad.output


def test_month_not_over_and_order_of_closing(world):
    with pytest.raises(Conflict) as error:
        services.close_month(MARCH, today=date(2026, 3, 31))
    assert error.value.code == "month_not_over"
    services.close_month(APRIL, today=AFTER_MAY)
    with pytest.raises(Conflict) as error:
        services.close_month(MARCH, today=AFTER_MAY)
    assert error.value.code == "later_month_closed"
    with pytest.raises(ValidationFailed):
        services.close_month("2026-13", today=AFTER_MAY)
    with pytest.raises(Forbidden):
        services.close_month("2026-05", user=make_staff(world["site"]), today=AFTER_MAY)


def test_households_without_activity_get_no_statement(world):
    _march(world)
    make_parent_with_child()  # another household, nothing booked
    assert services.close_month(MARCH, today=AFTER_MAY).statements == 1


def test_frozen_month_correction_becomes_an_adjustment_next_month(world, tmp_path):
    b = _march(world)
    services.close_month(MARCH, today=AFTER_MAY)
    march = db.session.scalar(select(Statement))
    frozen = [(line.id, line.amount, line.kind) for line in march.lines]
    # After the closing: Leo's unjustified absence is justified by a certificate,
    # the centre cancels the not-marked booking, and Emma's attendance of the 4th
    # is corrected to a justified absence.
    parent = world["parent"]
    certificates.upload_certificate(parent, b["unjustified"].id, BytesIO(PDF), "certificat.pdf",
                                    today=date(2026, 4, 20))
    director = make_staff(world["site"])
    booking_services.cancel_by_centre(director, b["not_marked"].id)
    mark(b["late_departure"], J)
    # April: one new booking.
    april_day = session_on(world["day"], date(2026, 4, 8))
    april_booking = make_booking(world["leo"], april_day, price="8.50", attendance=P)

    # The frozen statement did not change.
    db.session.expire_all()
    march = db.session.get(Statement, march.id)
    assert [(line.id, line.amount, line.kind) for line in march.lines] == frozen
    assert march.total == Decimal("40.25")

    # The parent's provisional April statement already shows the corrections.
    preview = services.provisional_statement(parent, APRIL)
    assert not preview.frozen and preview.total == Decimal("-17.00")

    services.close_month(APRIL, today=AFTER_MAY)
    april = db.session.scalar(select(Statement).where(Statement.month == date(2026, 4, 1)))
    lines = [(line.kind, line.concerns_month, line.reference, line.amount) for line in april.lines]
    assert lines == [
        (LineKind.BOOKING, date(2026, 4, 1), f"booking:{april_booking.id}", Decimal("8.50")),
        (LineKind.ADJUSTMENT, date(2026, 3, 1), f"booking:{b['late_departure'].id}", Decimal("-8.50")),
        (LineKind.ADJUSTMENT, date(2026, 3, 1), f"booking:{b['unjustified'].id}", Decimal("-8.50")),
        (LineKind.ADJUSTMENT, date(2026, 3, 1), f"booking:{b['not_marked'].id}", Decimal("-8.50")),
    ]
    assert april.total == Decimal("-17.00")
    adjustment = april.lines[2]
    assert "mars 2026" in adjustment.detail and "facturé 8,50 €, dû 0,00 €" in adjustment.detail
    assert "certificat" in adjustment.detail
    assert "prestation annulée" in april.lines[3].detail

    # A correction is billed once: closing May adds no new adjustment for March.
    services.close_month("2026-05", today=AFTER_MAY)
    assert db.session.scalar(select(func.count(Statement.id)).where(Statement.month == date(2026, 5, 1))) == 0


def test_closed_month_keeps_its_rules_for_later_corrections(world):
    b = _march(world)
    services.close_month(MARCH, today=AFTER_MAY)
    billed = [(line.reference, line.share, line.amount) for line in db.session.scalar(select(Statement)).lines]
    # Closed with the default rules: the late cancellation and the unjustified absence are charged in full.
    assert (f"booking:{b['late_cancelled'].id}", Decimal("1.00"), Decimal("6.25")) in billed
    assert (f"booking:{b['unjustified'].id}", Decimal("1.00"), Decimal("8.50")) in billed
    admin = make_user(Role.ADMIN)
    # Changing the rules afterwards does not re-bill March.
    services.update_rules(admin, charge_late_cancellations=False, late_cancellation_share=Decimal("1"),
                          charge_unjustified_absences=False)
    assert services.provisional_statement(world["parent"], APRIL).lines == []
    db.session.expire_all()
    # March stays as billed, and keeps the rules it was closed with for later corrections.
    assert [(line.reference, line.share, line.amount) for line in db.session.scalar(select(Statement)).lines] == billed
    closed = db.session.scalar(select(BillingMonth).where(BillingMonth.month == date(2026, 3, 1)))
    assert (closed.charge_late_cancellations, closed.late_cancellation_share, closed.charge_unjustified_absences) \
        == (True, Decimal("1.00"), True)


def test_provisional_statement_of_a_closed_month_is_refused(world):
    _march(world)
    services.close_month(MARCH, today=AFTER_MAY)
    with pytest.raises(Conflict):
        services.provisional_statement(world["parent"], MARCH)


def test_parent_reads_only_own_statements(world):
    _march(world)
    services.close_month(MARCH, today=AFTER_MAY)
    statement = db.session.scalar(select(Statement))
    view = services.get_statement(world["parent"], statement.id)
    assert view.total == Decimal("40.25") and view.frozen
    other, _h, _c = make_parent_with_child()
    from app.errors import NotFound

    with pytest.raises(NotFound):
        services.get_statement(other, statement.id)
    with pytest.raises(NotFound):
        services.get_statement(make_staff(world["site"]), statement.id)
    assert services.household_statements(other) == []


def test_statement_csv_uses_decimal_commas(world):
    _march(world)
    services.close_month(MARCH, today=AFTER_MAY)
    statement = db.session.scalar(select(Statement))
    lines, total = services.statement_tables(services.get_statement(world["parent"], statement.id))
    rows = to_csv(lines).decode("utf-8-sig").strip().split("\r\n")
    assert rows[0].startswith("Date;Enfant;Prestation;Type;")
    assert not any("Total" in row for row in rows)  # the total is a table of its own
    assert any(";Annulation hors délai;" in row and row.endswith(";6,25;100;6,25") for row in rows)
    assert to_csv(total).decode("utf-8-sig").strip().split("\r\n")[1].endswith(";40,25")


def test_statements_outlive_a_deleted_household(world):
    _march(world)
    services.close_month(MARCH, today=AFTER_MAY)
    db.session.delete(world["household"])
    db.session.commit()
    statement = db.session.scalar(select(Statement))
    assert statement.household_id is None and statement.household_name == "Foyer Martin"
    assert statement.total == Decimal("40.25")
    assert services.close_month(APRIL, today=AFTER_MAY).statements == 0
    admin = make_user(Role.ADMIN)
    assert services.get_statement(admin, statement.id).total == Decimal("40.25")


def test_held_booking_is_billed_only_once_confirmed(world):
    """Issue 16: a booking held pending_preparation that the centre never prepared was billed "Réservé"."""
    from app.booking.preparation import confirm_held_booking

    s11 = session_on(world["day"], date(2026, 3, 11))
    s18 = session_on(world["day"], date(2026, 3, 18))
    never_prepared = make_booking(world["leo"], s11, price="8.50", status=BookingStatus.PENDING_PREPARATION)
    prepared_later = make_booking(world["emma"], s18, price="8.50", status=BookingStatus.PENDING_PREPARATION)

    preview = services.provisional_statement(world["parent"], MARCH, today=date(2026, 3, 20))
    assert preview.total == Decimal("0.00")
    assert not [line for line in preview.lines if line.reference.startswith("booking:")]

    services.close_month(MARCH, today=AFTER_MAY)
    assert db.session.scalar(select(func.count(Statement.id))) == 0  # nothing to bill in March

    # The centre finishes Emma's preparation and confirms her booking after March was closed:
    # the place is billed once, as an adjustment on April's statement; Léo's is still never billed.
    confirm_held_booking(prepared_later)
    db.session.commit()
    services.close_month(APRIL, today=AFTER_MAY)
    april = db.session.scalar(select(Statement).where(Statement.month == date(2026, 4, 1)))
    assert [(line.kind, line.reference, line.amount) for line in april.lines] == [
        (LineKind.ADJUSTMENT, f"booking:{prepared_later.id}", Decimal("8.50"))]
    assert never_prepared.status is BookingStatus.PENDING_PREPARATION
