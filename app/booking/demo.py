"""Demo data for booking: three leisure centres of the Grand Cahors with their
activities, units, tariffs, sessions for the coming months, one director and
one animator per site, and bookings for the demo families (one day full with
a waiting list).

Idempotent: sites by name, activities by (site, name), units by (activity,
label), tariffs by (unit, band, residency, start), sessions by (unit, day),
accounts by e-mail; bookings go through the booking service, which refuses
a second booking of the same child and session. Assumes the communes of
Cahors (46042) and Pradines (46224) exist (created here if missing) and uses
the demo parents parent1..parent6@demo.pitchoun.fr of app.families.demo when
they exist.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.booking import services
from app.booking.models import (
    Activity,
    ActivityKind,
    Booking,
    SchoolHolidayPeriod,
    Session,
    StaffingRegime,
    Tariff,
    Unit,
    UnitKind,
)
from app.booking.school_calendar import build_offline
from app.extensions import db
from app.families.models import Child, Commune, HouseholdMember
from app.sites.models import Site, SiteStaff
from app.transactions import commit

DEMO_PASSWORD = "Pitchoun-Demo-2026!"

SITES = [
    {"name": "Accueil de loisirs de la Croix-de-Fer", "address": "180 rue Albert-Camus, 46000 Cahors",
     "commune": ("46042", "Cahors", 44.451, 1.441), "phone": "05 65 20 88 40",
     "hours": "Mercredis et vacances : 7 h 30 – 18 h 30", "capacity": (16, 24)},
    {"name": "Centre social de Pradines", "address": "Allée des Sports, 46090 Pradines",
     "commune": ("46224", "Pradines", 44.465, 1.389), "phone": "05 65 22 51 30",
     "hours": "Mercredis et vacances : 7 h 45 – 18 h 15", "capacity": (12, 18)},
    {"name": "Accueil de loisirs de Terre-Rouge", "address": "Rue du Docteur-Bergounioux, 46000 Cahors",
     "commune": ("46042", "Cahors", 44.451, 1.441), "phone": "05 65 20 88 60",
     "hours": "Mercredis : 8 h – 18 h ; vacances : 7 h 30 – 18 h 30", "capacity": (10, 14)},
]

WEDNESDAY_UNITS = [("Matin", UnitKind.MORNING, time(8, 30), time(12, 0), False),
                   ("Matin avec repas", UnitKind.MORNING_WITH_LUNCH, time(8, 30), time(13, 30), True),
                   ("Après-midi", UnitKind.AFTERNOON, time(13, 30), time(17, 30), False),
                   ("Journée avec repas", UnitKind.WHOLE_DAY, time(8, 30), time(17, 30), True)]
HOLIDAY_UNITS = [("Journée avec repas", UnitKind.WHOLE_DAY, time(8, 30), time(17, 30), True),
                 ("Matin avec repas", UnitKind.MORNING_WITH_LUNCH, time(8, 30), time(13, 30), True)]
# Quotient familial bands and the price of a whole day; half-days are 65 % with lunch, 45 % without.
BANDS = [(0, 600, Decimal("5.00")), (601, 900, Decimal("8.50")), (901, 1200, Decimal("11.50")),
         (1201, None, Decimal("14.00"))]
NON_RESIDENT_DAY = Decimal("19.00")


def _commune(insee, name, lat, lon) -> None:
    if db.session.get(Commune, insee) is None:
        db.session.add(Commune(insee=insee, name=name, latitude=lat, longitude=lon))
        db.session.flush()


def _site(spec) -> Site:
    site = db.session.scalar(select(Site).where(Site.name == spec["name"]))
    if site is None:
        _commune(*spec["commune"])
        site = Site(name=spec["name"], address=spec["address"], commune_insee=spec["commune"][0],
                    opening_hours=spec["hours"], phone=spec["phone"])
        db.session.add(site)
        db.session.flush()
    return site


def _activity(site: Site, name: str, **values) -> Activity:
    activity = db.session.scalar(select(Activity).where(Activity.site_id == site.id, Activity.name == name))
    if activity is None:
        activity = Activity(site=site, name=name, **values)
        db.session.add(activity)
        db.session.flush()
    return activity


def _units(activity: Activity, specs) -> list[Unit]:
    units = []
    for label, kind, start, end, meal in specs:
        unit = db.session.scalar(select(Unit).where(Unit.activity_id == activity.id, Unit.label == label))
        if unit is None:
            unit = Unit(activity=activity, label=label, kind=kind, start_time=start, end_time=end, with_meal=meal)
            db.session.add(unit)
            db.session.flush()
        units.append(unit)
        factor = Decimal("1") if kind is UnitKind.WHOLE_DAY else (Decimal("0.65") if meal else Decimal("0.45"))
        valid_from = date(clock.today().year - (1 if clock.today().month < 9 else 0), 9, 1)
        rows = [(qf_min, qf_max, True, price) for qf_min, qf_max, price in BANDS]
        rows.append((0, None, False, NON_RESIDENT_DAY))
        for qf_min, qf_max, resident, price in rows:
            exists = db.session.scalar(select(Tariff.id).where(
                Tariff.unit_id == unit.id, Tariff.qf_min == qf_min, Tariff.resident == resident,
                Tariff.valid_from == valid_from))
            if exists is None:
                db.session.add(Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=resident,
                                      price=(price * factor).quantize(Decimal("0.01")), valid_from=valid_from))
    return units


def _staff(email: str, role: Role, first: str, last: str, site: Site) -> bool:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    created = user is None
    if created:
        user = User(email=email, role=role, first_name=first, last_name=last,
                    password_hash=hash_password(DEMO_PASSWORD))
        db.session.add(user)
        db.session.flush()
    if db.session.scalar(select(SiteStaff.id).where(SiteStaff.user_id == user.id,
                                                    SiteStaff.site_id == site.id)) is None:
        db.session.add(SiteStaff(user_id=user.id, site_id=site.id))
    return created


def _school_holidays(today: date) -> list[SchoolHolidayPeriod]:
    for year in (today.year, today.year + 1):
        build_offline("C", year)
    return list(db.session.scalars(select(SchoolHolidayPeriod).where(SchoolHolidayPeriod.zone == "C")
                                   .order_by(SchoolHolidayPeriod.first_day)))


def _sessions(units, days, capacity, animators) -> None:
    existing = set(db.session.execute(select(Session.unit_id, Session.day).where(
        Session.unit_id.in_([u.id for u in units]))).all())
    for day in days:
        for unit in units:
            if (unit.id, day) not in existing:
                db.session.add(Session(unit=unit, day=day, capacity_under6=capacity[0], capacity_over6=capacity[1],
                                       animators_planned=animators))


def load_demo() -> list[str]:
    from app.booking.catalogue import public_holidays

    today = clock.today()
    lines: list[str] = []
    periods = _school_holidays(today)
    closed = public_holidays([today.year, today.year + 1])
    horizon = today + timedelta(days=120)

    def in_holidays(day):
        return any(p.first_day <= day <= p.last_day for p in periods)

    wednesdays = [today + timedelta(days=d) for d in range(1, 121)]
    wednesdays = [d for d in wednesdays if d.weekday() == 2 and not in_holidays(d) and d not in closed]
    next_period = next((p for p in periods if p.first_day > today + timedelta(days=7)), None)
    holiday_days = []
    if next_period is not None:
        day = next_period.first_day
        while day <= min(next_period.last_day, horizon + timedelta(days=60)):
            if day.weekday() < 5 and day not in closed:
                holiday_days.append(day)
            day += timedelta(days=1)

    sites = []
    for number, spec in enumerate(SITES, start=1):
        site = _site(spec)
        sites.append(site)
        wednesday = _activity(site, "Mercredis", kind=ActivityKind.PERISCOLAIRE, min_age=3, max_age=11,
                              regime=StaffingRegime.PEDT_LONG, booking_deadline_days=2,
                              booking_deadline_time=time(12, 0), cancel_deadline_days=2,
                              cancel_deadline_time=time(12, 0))
        holidays = _activity(site, "Vacances scolaires", kind=ActivityKind.EXTRASCOLAIRE, min_age=3, max_age=12,
                             regime=StaffingRegime.EXTRASCOLAIRE, booking_deadline_days=7,
                             booking_deadline_time=time(12, 0), cancel_deadline_days=7,
                             cancel_deadline_time=time(12, 0))
        _sessions(_units(wednesday, WEDNESDAY_UNITS), wednesdays, spec["capacity"], 3)
        _sessions(_units(holidays, HOLIDAY_UNITS), holiday_days, spec["capacity"], 4)
        for role, label, first in ((Role.DIRECTOR, "director", "Directeur"), (Role.ANIMATOR, "animator", "Animateur")):
            email = f"{label}{number}@demo.pitchoun.fr"
            if _staff(email, role, first, site.name.split(" de ")[-1], site):
                lines.append(f"{role.value:<9} {email} / {DEMO_PASSWORD} ({site.name})")
    commit()
    lines.append(f"Booking: {len(sites)} sites, {len(wednesdays)} Wednesdays, {len(holiday_days)} holiday days.")
    lines.extend(_demo_bookings(sites[0], wednesdays, holiday_days))
    return lines


def _parent(number: int):
    user = db.session.scalar(select(User).where(func.lower(User.email) == f"parent{number}@demo.pitchoun.fr"))
    if user is None:
        return None, []
    children = list(db.session.scalars(select(Child).join(HouseholdMember, HouseholdMember.household_id
                                                          == Child.household_id)
                                       .where(HouseholdMember.user_id == user.id).order_by(Child.birth_date)))
    return user, children


def _session(site: Site, activity_name: str, label: str, day: date) -> Session | None:
    return db.session.scalar(select(Session).join(Unit).join(Activity).where(
        Activity.site_id == site.id, Activity.name == activity_name, Unit.label == label, Session.day == day))


def _demo_bookings(site: Site, wednesdays: list[date], holiday_days: list[date]) -> list[str]:
    parents = [(n, *_parent(n)) for n in range(1, 7)]
    parents = [(n, user, children) for n, user, children in parents if user is not None and children]
    if not parents:
        return ["Booking: no demo parents found (load app.families.demo first): no demo bookings."]
    # Bookable Wednesdays: past the booking deadline window.
    bookable = [d for d in wednesdays if d >= clock.today() + timedelta(days=5)]
    if len(bookable) < 3:
        return ["Booking: not enough future Wednesdays for demo bookings."]
    # One Wednesday is made small and full, so a waiting list shows.
    full_day = bookable[2]
    full = _session(site, "Mercredis", "Journée avec repas", full_day)
    if full is not None and not db.session.scalar(select(Booking.id).where(Booking.session_id == full.id)):
        full.capacity_under6, full.capacity_over6 = 1, 2
        commit()
    booked = 0
    for number, user, children in parents:
        items = []
        for child in children:
            for day in bookable[:2]:
                session = _session(site, "Mercredis", "Journée avec repas", day)
                if session is not None:
                    items.append((child.id, session.id))
            if full is not None:
                items.append((child.id, full.id))
            if number in (1, 2) and holiday_days:
                for day in holiday_days[:3]:
                    session = _session(site, "Vacances scolaires", "Journée avec repas", day)
                    if session is not None and session.day >= clock.today() + timedelta(days=8):
                        items.append((child.id, session.id))
        if items:
            result = services.book(user, items)
            booked += sum(1 for item in result.items if item.status != "refused")
    return [f"Booking: {booked} demo booking(s) made; the {full_day:%d/%m/%Y} whole day at {site.name} is full "
            f"with a waiting list."]
