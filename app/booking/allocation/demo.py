"""Demo data of allocation by draw: the next summer's first two weeks of a site in draw mode,
with requests from thirty families. Idempotent (natural keys: e-mails, activity + first day,
period + household).

Uses the first site (and its extrascolaire activity, unit, director) when the booking demo
created them, else creates its own; uses the existing households with a child of the right
age first, then creates demo families up to thirty.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem
from app.booking.allocation.requests import DEFAULT_RULES
from app.booking.models import Activity, ActivityKind, Session, StaffingRegime, Tariff, Unit, UnitKind
from app.extensions import db, utcnow
from app.families.models import Child, Commune, Household, HouseholdMember
from app.sites.models import Site, SiteStaff
from app.transactions import use_case

PASSWORD = "Pitchoun-Demo-2026!"
FAMILIES = 30
FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Louis", "Manon", "Jules", "Camille", "Nathan", "Inès", "Tom", "Jade",
               "Lucas", "Zoé", "Gabriel", "Lina", "Arthur", "Emma", "Raphaël", "Alice", "Adam"]
LAST_NAMES = ["Delmas", "Lacombe", "Bouscarel", "Vidal", "Couderc", "Marty", "Lafage", "Cayla", "Roques",
              "Bessières", "Gineste", "Pélissié", "Calmon", "Lagarrigue", "Soulié"]


def summer_first_monday(today: date) -> date:
    """First Monday on or after 5 July of the next summer still to come."""
    year = today.year if today < date(today.year, 7, 1) else today.year + 1
    day = date(year, 7, 5)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _user(email: str, role: Role, first: str, last: str, lines: list[str]) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, password_hash=hash_password(PASSWORD), role=role, first_name=first, last_name=last)
        db.session.add(user)
        db.session.flush()
        lines.append(f"  {role.value}: {email} / {PASSWORD}")
    return user


def _site_activity_unit(lines: list[str]) -> tuple[Site, Activity, Unit]:
    if db.session.get(Commune, "46042") is None:
        db.session.add(Commune(insee="46042", name="Cahors", latitude=44.4475, longitude=1.4406))
        db.session.flush()
    site = db.session.scalar(select(Site).order_by(Site.id).limit(1))
    if site is None:
        site = Site(name="Accueil de loisirs de Cabessut", address="Rue du Président-Wilson", commune_insee="46042",
                    opening_hours="7 h 30 – 18 h 30", phone="05 65 20 00 00")
        db.session.add(site)
        db.session.flush()
    activity = db.session.scalar(select(Activity).where(Activity.site_id == site.id,
                                                        Activity.kind == ActivityKind.EXTRASCOLAIRE)
                                 .order_by(Activity.id).limit(1))
    if activity is None:
        activity = Activity(site=site, name="Vacances d'été", kind=ActivityKind.EXTRASCOLAIRE, min_age=3, max_age=11,
                            regime=StaffingRegime.EXTRASCOLAIRE)
        db.session.add(activity)
        db.session.flush()
    unit = db.session.scalar(select(Unit).where(Unit.activity_id == activity.id).order_by(Unit.id).limit(1))
    if unit is None:
        unit = Unit(activity=activity, label="Journée avec repas", kind=UnitKind.WHOLE_DAY, start_time=time(8, 30),
                    end_time=time(17, 30), with_meal=True)
        db.session.add(unit)
        db.session.flush()
        # A booking without an applicable tariff is refused: the demo's grid covers every family.
        from app.booking.demo import BANDS, NON_RESIDENT_DAY

        for qf_min, qf_max, resident, price in [*((a, b, True, p) for a, b, p in BANDS),
                                                (0, None, False, NON_RESIDENT_DAY)]:
            db.session.add(Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=resident, price=price,
                                  valid_from=date(2020, 9, 1)))
        db.session.flush()
    director = db.session.scalar(select(User).join(SiteStaff, SiteStaff.user_id == User.id)
                                 .where(SiteStaff.site_id == site.id, User.role == Role.DIRECTOR).limit(1))
    if director is None:
        director = _user("directrice.tirage@demo.pitchoun.fr", Role.DIRECTOR, "Sophie", "Lagarde", lines)
        db.session.add(SiteStaff(user_id=director.id, site_id=site.id))
        db.session.flush()
    return site, activity, unit


def _families(activity: Activity, first_day: date, lines: list[str]) -> list[Household]:
    def fits(child: Child) -> bool:
        return activity.min_age <= child.age_on(first_day) <= activity.max_age

    households = [h for h in db.session.scalars(select(Household).order_by(Household.id))
                  if any(fits(c) for c in h.children)][:FAMILIES]
    rng = random.Random(2026)
    n = 0
    while len(households) < FAMILIES:
        n += 1
        email = f"famille.tirage{n:02d}@demo.pitchoun.fr"
        last = LAST_NAMES[n % len(LAST_NAMES)]
        existing = db.session.scalar(select(Household).join(HouseholdMember).join(User)
                                     .where(User.email == email))
        if existing is not None:
            if existing not in households:
                households.append(existing)
            continue
        parent = _user(email, Role.PARENT, FIRST_NAMES[(n * 3) % len(FIRST_NAMES)], last, lines)
        household = Household(name=f"Famille {last}", commune_insee="46042" if n % 4 else None,
                              family_quotient=400 + 60 * n)
        household.members.append(HouseholdMember(user=parent, works=n % 3 != 0))
        for k in range(1 + (n % 5 == 0)):
            age = 4 + (n + 3 * k) % 7
            household.children.append(Child(first_name=FIRST_NAMES[(n + 7 * k) % len(FIRST_NAMES)], last_name=last,
                                            birth_date=date(first_day.year - age, 1 + rng.randrange(12), 10)))
        db.session.add(household)
        db.session.flush()
        households.append(household)
    return households


@use_case
def load_demo() -> list[str]:
    lines: list[str] = []
    site, activity, unit = _site_activity_unit(lines)
    first_day = summer_first_monday(clock.today())
    days = [first_day + timedelta(days=d) for d in range(12)
            if (first_day + timedelta(days=d)).weekday() < 5 and (first_day + timedelta(days=d)).strftime("%m-%d")
            != "07-14"]  # Bastille Day: closed
    sessions = []
    for day in days:
        session = db.session.scalar(select(Session).where(Session.unit_id == unit.id, Session.day == day))
        if session is None:
            session = Session(unit=unit, day=day, capacity_under6=6, capacity_over6=10, animators_planned=2)
            db.session.add(session)
            db.session.flush()
        sessions.append(session)
    period = db.session.scalar(select(AllocationPeriod).where(AllocationPeriod.activity_id == activity.id,
                                                              AllocationPeriod.first_day == first_day))
    if period is None:
        now = utcnow()
        period = AllocationPeriod(activity_id=activity.id, label=f"Été {first_day.year} – deux premières semaines",
                                  first_day=first_day, last_day=days[-1],
                                  requests_open_at=now - timedelta(days=3),
                                  requests_close_at=datetime.combine(clock.today() + timedelta(days=7), time(18),
                                                                     tzinfo=now.tzinfo),
                                  rules=list(DEFAULT_RULES))
        db.session.add(period)
        db.session.flush()
        lines.append(f"Allocation by draw: period {period.id} ({period.label}) on {site.name} – {activity.name}")
    created = 0
    if not period.is_drawn:
        for household in _families(activity, first_day, lines):
            exists = db.session.scalar(select(AllocationRequest.id).where(
                AllocationRequest.period_id == period.id, AllocationRequest.household_id == household.id))
            if exists:
                continue
            rng = random.Random(household.id)
            children = [c for c in household.children if activity.min_age <= c.age_on(first_day) <= activity.max_age]
            week_one = [s for s in sessions if s.day < first_day + timedelta(days=7)]
            week_two = [s for s in sessions if s not in week_one]
            preferred, other = (week_one, week_two) if rng.random() < 0.7 else (week_two, week_one)
            wanted = [(s, 1) for s in preferred if rng.random() < 0.8] + [(s, 2) for s in other if rng.random() < 0.3]
            request = AllocationRequest(period_id=period.id, household_id=household.id,
                                        siblings_together=len(children) > 1,
                                        submitted_by_id=household.members[0].user_id if household.members else None)
            for child in children:
                for session, rank in wanted or [(preferred[0], 1)]:
                    request.items.append(AllocationRequestItem(child_id=child.id, session_id=session.id, rank=rank))
            db.session.add(request)
            created += 1
    if created:
        lines.append(f"  {created} family request(s) for the draw; run it after the close with "
                     f"`flask --app app allocation run {activity.id} {first_day.isoformat()}` "
                     f"(or close the window early from /accueils/tirages/{period.id}).")
    return lines
