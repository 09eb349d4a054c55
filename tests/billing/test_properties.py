"""Invariants: the price chosen always comes from the band and period that contain the QF and the day;
closing a month twice, even at the same time, writes one statement."""
import threading
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.billing import services
from app.billing.models import BillingMonth, Statement
from app.booking.catalogue import pick_price
from app.booking.models import AttendanceStatus, Tariff
from app.extensions import db
from app.families.models import Household
from tests.billing.factories import AFTER_MAY, MARCH, make_booking, make_unit_at, session_on
from tests.booking.factories import make_parent_with_child

pytestmark = pytest.mark.slow

BANDS = [(0, 450, Decimal("3.10")), (451, 700, Decimal("5.40")), (701, 1000, Decimal("8.00")),
         (1001, None, Decimal("12.30"))]
YEARS = [(date(2025, 9, 1), date(2026, 8, 31), Decimal("0")), (date(2026, 9, 1), None, Decimal("0.50"))]
GRID = [Tariff(qf_min=a, qf_max=b, resident=True, price=p + bump, valid_from=start, valid_until=end)
        for start, end, bump in YEARS for a, b, p in BANDS]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qf=st.integers(min_value=0, max_value=5000),
       day=st.dates(min_value=date(2025, 9, 1), max_value=date(2028, 12, 31)))
def test_price_comes_from_the_band_and_period_containing_qf_and_day(app, qf, day):
    household = Household(family_quotient=qf, commune_insee="46042")
    price = pick_price(GRID, household, day)
    matching = [t for t in GRID if t.qf_min <= qf and (t.qf_max is None or qf <= t.qf_max)
                and t.valid_from <= day and (t.valid_until is None or day <= t.valid_until)]
    assert len(matching) == 1 and price == matching[0].price


def test_two_simultaneous_closings_write_one_set_of_statements(app):
    unit = make_unit_at()
    _parent, _household, child = make_parent_with_child()
    for day in (4, 11, 18):
        make_booking(child, session_on(unit, date(2026, 3, day)), attendance=AttendanceStatus.PRESENT)
    db.session.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def close():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(services.close_month(MARCH, today=AFTER_MAY))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(r.already_closed for r in results) == [False, True]
    assert db.session.scalar(select(func.count(Statement.id))) == 1
    assert db.session.scalar(select(func.count(BillingMonth.id))) == 1
    assert db.session.scalar(select(Statement.total)) == Decimal("25.50")


def test_statement_lines_take_a_fixed_number_of_queries(app):
    from sqlalchemy import event

    from app.billing.registry import BillingRules
    from app.billing.sources import booking_statement_lines

    unit = make_unit_at()
    sessions = [session_on(unit, date(2026, 3, day)) for day in (4, 11)]

    def count_queries(n_children):
        for i in range(n_children):
            _p, _h, child = make_parent_with_child(first_name=f"E{i}")
            for session in sessions:
                make_booking(child, session, attendance=AttendanceStatus.PRESENT)
        db.session.expire_all()
        statements = []

        def listener(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            lines = booking_statement_lines(date(2026, 3, 1), date(2026, 3, 31), None, BillingRules())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(lines), len(statements)

    few_lines, few = count_queries(2)
    many_lines, many = count_queries(10)
    assert (few_lines, many_lines) == (4, 24)
    assert few == many
