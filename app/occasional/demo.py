"""Demo data for occasional care, idempotent (natural keys and idempotency keys).

Assumes app.families.demo ran before (the Cahors commune and the demo
parents parent1..6@demo.pitchoun.fr); without them only the providers and
the coordinator are created.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app import clock
from app.accounts.models import Role, User
from app.extensions import db
from app.families.models import Commune
from app.occasional.models import (
    OccasionalProvider,
    ProviderKind,
    ProviderOpening,
    ProviderStaff,
    ProviderTariff,
    age_in_months,
    is_public_holiday,
)
from app.transactions import commit

COORDINATOR_EMAIL = "coordinator1@demo.pitchoun.fr"

PROVIDERS = [
    {"name": "Multi-accueil Les Petits Loups, Cahors", "kind": ProviderKind.MULTI_ACCUEIL,
     "address": "12 rue Wilson", "phone": "05 65 20 41 10", "min_age_months": 3, "max_age_months": 72,
     "periods": {d: [(time(7, 30), time(18, 30))] for d in range(5)}, "not_walking": 3, "walking": 5,
     "tariffs": [(0, 600, "0.80"), (601, 1200, "1.60"), (1201, None, "2.40")]},
    {"name": "Service de garde en horaires décalés du Grand Cahors", "kind": ProviderKind.SHIFTED_HOURS,
     "address": "72 rue du Président-Wilson", "phone": "05 65 20 41 20", "min_age_months": 3,
     "max_age_months": 132,
     "periods": {**{d: [(time(5, 0), time(8, 0)), (time(18, 0), time(22, 0))] for d in range(5)},
                 5: [(time(7, 0), time(19, 0))]}, "not_walking": 2, "walking": 6,
     "tariffs": [(0, 600, "1.00"), (601, 1200, "2.00"), (1201, None, "3.00")]},
]


def _provider(spec) -> OccasionalProvider:
    provider = db.session.scalar(select(OccasionalProvider).where(OccasionalProvider.name == spec["name"]))
    if provider is not None:
        return provider
    commune = db.session.get(Commune, "46042")
    provider = OccasionalProvider(name=spec["name"], kind=spec["kind"], address=spec["address"],
                                  commune_insee=commune.insee if commune else None, phone=spec["phone"],
                                  min_age_months=spec["min_age_months"], max_age_months=spec["max_age_months"])
    for weekday, periods in spec["periods"].items():
        for opens, closes in periods:
            provider.openings.append(ProviderOpening(weekday=weekday, opens_at=opens, closes_at=closes,
                                                     capacity_not_walking=spec["not_walking"],
                                                     capacity_walking=spec["walking"]))
    for qf_min, qf_max, price in spec["tariffs"]:
        provider.tariffs.append(ProviderTariff(qf_min=qf_min, qf_max=qf_max, hourly_price=Decimal(price)))
    db.session.add(provider)
    db.session.flush()
    return provider


def _young_child(email: str, provider: OccasionalProvider, day: date):
    from app.booking.access import household_of

    user = db.session.scalar(select(User).where(User.email == email))
    household = household_of(user) if user else None
    if household is None:
        return None, None
    fitting = [c for c in household.children
               if provider.min_age_months <= age_in_months(c, day) < provider.max_age_months]
    return user, max(fitting, key=lambda c: c.birth_date, default=None)


def _next(weekday: int, after: date) -> date:
    """The first such weekday after `after` that is not a public holiday (the providers close then)."""
    day = after + timedelta(days=(weekday - after.weekday()) % 7 or 7)
    while is_public_holiday(day):
        day += timedelta(days=7)
    return day


def load_demo() -> list[str]:
    from app.demo import ensure_demo_user
    from app.occasional import services

    providers = [_provider(spec) for spec in PROVIDERS]
    coordinator, _created = ensure_demo_user(COORDINATOR_EMAIL, Role.DIRECTOR, "Nathalie", "Couderc")
    for provider in providers:
        if db.session.scalar(select(ProviderStaff.id).where(ProviderStaff.user_id == coordinator.id,
                                                            ProviderStaff.provider_id == provider.id)) is None:
            db.session.add(ProviderStaff(user_id=coordinator.id, provider_id=provider.id))
    commit()
    creche, shifted = providers
    today = clock.today()
    in_two_weeks = today + timedelta(days=14)
    # Each request carries a fixed idempotency key: running the demo again replays it.
    plans = [("parent1@demo.pitchoun.fr", creche, _next(2, in_two_weeks), "14:00", "17:00", "demo-occ-1"),
             ("parent2@demo.pitchoun.fr", shifted, _next(1, in_two_weeks), "05:30", "08:00", "demo-occ-2"),
             ("parent1@demo.pitchoun.fr", shifted, _next(5, in_two_weeks), "08:00", "12:00", "demo-occ-3")]
    booked = 0
    for email, provider, day, start, end, key in plans:
        user, child = _young_child(email, provider, day)
        if child is None:
            continue
        services.request_care(user, child.id, provider.id, day, start, end, idempotency_key=key)
        booked += 1
    # A rotating pattern (early week / late week) for parent2, and an urgent request for the coordinator.
    user, child = _young_child("parent2@demo.pitchoun.fr", shifted, in_two_weeks)
    if child is not None:
        occurrences = services.alternating_occurrences(_next(0, in_two_weeks) + timedelta(days=7), 4,
                                                       (time(5, 30), time(8, 0)), (time(18, 0), time(21, 30)))
        services.submit_pattern(user, child.id, shifted.id, occurrences, kind="alternating",
                                description="Semaine du matin / semaine du soir (démonstration)",
                                idempotency_key="demo-occ-pattern")
    urgent_day = next((today + timedelta(days=n) for n in (1, 2, 3)
                       if (today + timedelta(days=n)).weekday() < 5 and not is_public_holiday(today + timedelta(days=n))),
                      None)
    user, child = _young_child("parent1@demo.pitchoun.fr", shifted, urgent_day) if urgent_day else (None, None)
    if child is not None:
        services.request_care(user, child.id, shifted.id, urgent_day, "18:00", "20:00",
                              idempotency_key="demo-occ-urgent")
    return [f"Garde ponctuelle : {len(providers)} structures, {booked} demandes de démonstration.",
            f"coordinatrice  {COORDINATOR_EMAIL} (rôle directeur, structures de garde ponctuelle)"]
