from datetime import date, time
from decimal import Decimal

from sqlalchemy import func, select

from app.accounts.models import Role
from app.billing import demo, services
from app.billing.models import LineKind, Statement, StatementLine
from app.booking.models import Attendance, Booking, Tariff, UnitKind
from app.extensions import db
from tests.billing.factories import make_booking, make_unit_at, session_on
from tests.booking.factories import make_site
from tests.factories import make_child, make_household, make_user

TODAY = date(2026, 11, 29)


def _demo_world():
    site = make_site(demo.DEMO_SITE)
    unit = make_unit_at(site)
    make_unit_at(site, activity=unit.activity, label="Matin", start=time(8, 30), end=time(12, 0), with_meal=False)
    unit.activity.units[-1].kind = UnitKind.MORNING
    for u in unit.activity.units:
        db.session.add(Tariff(unit=u, qf_min=0, qf_max=None, resident=True, price=Decimal("8.50"),
                              valid_from=date(2025, 9, 1)))
    for n in range(1, 4):
        parent = make_user(Role.PARENT, email=f"parent{n}@demo.pitchoun.fr")
        household = make_household(parent, family_quotient=500 + 200 * n)
        make_child(household, first_name=f"Enfant{n}", birth_date=date(2017, 4, n))
    db.session.commit()
    return site, unit


def test_demo_is_idempotent_and_gives_a_month_to_close():
    site, unit = _demo_world()
    # A past booking from the booking demo, not yet marked.
    past = make_booking(make_child(first_name="Passé"), session_on(unit, date(2026, 11, 4)))
    lines = demo.load_demo(today=TODAY)
    assert "2026-10" in lines[0] and "1 past attendance(s) marked" in lines[0]
    counts = (db.session.scalar(select(func.count(Booking.id))), db.session.scalar(select(func.count(Attendance.id))))
    assert db.session.get(Booking, past.id).attendance is not None
    demo.load_demo(today=TODAY)
    assert (db.session.scalar(select(func.count(Booking.id))),
            db.session.scalar(select(func.count(Attendance.id)))) == counts
    result = services.close_month("2026-10", today=TODAY)
    assert result.statements == 3
    kinds = set(db.session.scalars(select(StatementLine.kind).distinct()))
    assert {LineKind.BOOKING, LineKind.JUSTIFIED_ABSENCE, LineKind.LATE_CANCELLATION,
            LineKind.UNJUSTIFIED_ABSENCE} <= kinds
    assert all(s.total > 0 for s in db.session.scalars(select(Statement)))
