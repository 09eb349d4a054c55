"""One-line builders for inclusion tests (committed)."""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from app.accounts.models import Role
from app.booking import services as booking_services
from app.booking.models import Attendance, AttendanceStatus, Booking, UnitKind
from app.extensions import db
from app.inclusion.models import AdaptationTemplateStep, ChildNeeds, PlanStatus, PlanVersion, ReceptionPlan
from tests.booking.factories import NOW, WEDNESDAY, make_activity, make_session, make_site, make_staff, make_unit
from tests.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEDNESDAYS = [WEDNESDAY, WEDNESDAY + timedelta(days=7), WEDNESDAY + timedelta(days=14)]


def make_morning_unit(site=None, **fields):
    """A Wednesday morning without lunch (3.5 h)."""
    activity = make_activity(site) if site is not None else make_activity()
    return make_unit(activity, label="Matin sans repas", kind=UnitKind.MORNING, start=time(8, 30),
                     end=time(12, 0), with_meal=False, **fields)


def make_template(site, steps=(("Une heure avec un parent", time(9, 30), time(10, 30), True, False),
                               ("Une matinée sans repas", None, time(11, 45), False, False),
                               ("Une matinée avec repas", None, time(13, 30), False, True),
                               ("Une journée entière", None, None, False, True))):
    """The site's adaptation template: (label, arrival, pick-up, with a parent, with the meal) per step."""
    for position, (label, arrival, pickup, parent, meal) in enumerate(steps, start=1):
        db.session.add(AdaptationTemplateStep(site_id=site.id, position=position, label=label, arrival=arrival,
                                              pickup=pickup, with_parent=parent, with_meal=meal))
    db.session.commit()


def make_needs(child, **fields) -> ChildNeeds:
    fields.setdefault("needs_particular_care", True)
    needs = ChildNeeds(child_id=child.id, **fields)
    child.needs_particular_care = fields["needs_particular_care"]
    db.session.add(needs)
    db.session.commit()
    return needs


def make_active_plan(child, site, **fields) -> PlanVersion:
    fields.setdefault("extra_staff_hours", Decimal("0"))
    plan = ReceptionPlan(child_id=child.id, site_id=site.id)
    version = PlanVersion(plan=plan, number=1, status=PlanStatus.ACTIVE, **fields)
    db.session.add_all([plan, version])
    db.session.commit()
    return version


def book(parent, child, session) -> Booking:
    result = booking_services.book(parent, [(child.id, session.id)], now=NOW)
    item = result.items[0]
    assert item.booking_id, item
    return db.session.get(Booking, item.booking_id)


def attend(booking, status=AttendanceStatus.PRESENT):
    db.session.add(Attendance(booking_id=booking.id, status=status))
    db.session.commit()


__all__ = ["NOW", "WEDNESDAY", "Role", "date", "make_session", "make_site", "make_staff", "make_user"]
