"""One-line builders for booking objects (committed)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from app import clock
from app.accounts.models import Role
from app.booking.models import (
    Activity,
    ActivityKind,
    SchoolHolidayPeriod,
    Session,
    StaffingRegime,
    Tariff,
    Unit,
    UnitKind,
)
from app.extensions import db
from app.sites.models import Site, SiteStaff
from tests.factories import make_child, make_commune, make_household, make_user

# A fixed "now" well before the sessions used in service tests.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEDNESDAY = date(2026, 3, 18)


def make_site(name: str = "Accueil de loisirs de la Croix-de-Fer", **fields) -> Site:
    from sqlalchemy import select

    existing = db.session.scalar(select(Site).where(Site.name == name))
    if existing is not None:
        return existing
    make_commune()
    site = Site(name=name, address=fields.pop("address", "180 rue Albert-Camus"),
                commune_insee=fields.pop("commune_insee", "46042"),
                opening_hours=fields.pop("opening_hours", "7 h 30 – 18 h 30"), phone="05 65 00 00 00", **fields)
    db.session.add(site)
    db.session.commit()
    return site


def make_activity(site: Site | None = None, *, kind=ActivityKind.PERISCOLAIRE, min_age: int = 3, max_age: int = 11,
                  regime=StaffingRegime.PEDT_SHORT, **fields) -> Activity:
    site = site or make_site()
    activity = Activity(site=site, name=fields.pop("name", "Mercredis"), kind=kind, min_age=min_age,
                        max_age=max_age, regime=regime, **fields)
    db.session.add(activity)
    db.session.commit()
    return activity


def make_unit(activity: Activity | None = None, *, label: str = "Journée avec repas", kind=UnitKind.WHOLE_DAY,
              start=time(8, 30), end=time(17, 30), with_meal: bool = True, price: Decimal | None = None,
              tariffs: bool = True) -> Unit:
    """A unit with one tariff for every QF (`price`, 8.50 € by default) for residents and for other
    families, since 2020 (a booking without an applicable tariff is refused); `tariffs=False`: none."""
    activity = activity or make_activity()
    unit = Unit(activity=activity, label=label, kind=kind, start_time=start, end_time=end, with_meal=with_meal)
    db.session.add(unit)
    if tariffs:
        for resident in (True, False):
            db.session.add(Tariff(unit=unit, qf_min=0, qf_max=None, resident=resident,
                                  price=Decimal("8.50") if price is None else price,
                                  valid_from=date(2020, 9, 1)))
    db.session.commit()
    return unit


def make_session(unit: Unit | None = None, *, day: date = WEDNESDAY, under6: int = 8, over6: int = 12,
                 **fields) -> Session:
    unit = unit or make_unit()
    session = Session(unit=unit, day=day, capacity_under6=under6, capacity_over6=over6, **fields)
    db.session.add(session)
    db.session.commit()
    return session


def make_staff(site: Site, role: Role = Role.DIRECTOR, **fields):
    user = make_user(role, **fields)
    db.session.add(SiteStaff(user_id=user.id, site_id=site.id))
    db.session.commit()
    return user


def make_parent_with_child(*, birth_date: date = date(2018, 5, 14), commune_insee: str | None = "46042",
                           family_quotient: int | None = 800, first_name: str = "Léo"):
    """(parent user, household, child)."""
    parent = make_user(Role.PARENT)
    household = make_household(parent, commune_insee=commune_insee, family_quotient=family_quotient)
    child = make_child(household, birth_date=birth_date, first_name=first_name)
    return parent, household, child


def make_zone_c_holidays() -> None:
    for label, first, last in (("Vacances d'hiver", date(2026, 2, 21), date(2026, 3, 8)),
                               ("Vacances de printemps", date(2026, 4, 18), date(2026, 5, 3))):
        db.session.add(SchoolHolidayPeriod(zone="C", label=label, first_day=first, last_day=last))
    db.session.commit()


def days(n: int) -> timedelta:
    return timedelta(days=n)


def future_wednesday(weeks: int = 3) -> date:
    """A Wednesday a few weeks from today (pages use the real clock)."""
    today = clock.today()
    return today + timedelta(days=(2 - today.weekday()) % 7 + 7 * weeks)
