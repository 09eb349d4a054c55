"""One-line builders for occasional care (committed)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from app.accounts.models import Role
from app.extensions import db
from app.occasional.models import OccasionalProvider, ProviderKind, ProviderOpening, ProviderStaff, ProviderTariff
from tests.factories import make_child, make_commune, make_household, make_user

# A fixed "now" well before the days used in service tests (a Monday, 09:00 UTC).
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 16)  # two weeks after NOW


def make_provider(name: str = "Service de garde en horaires décalés", *, kind=ProviderKind.SHIFTED_HOURS,
                  periods=((time(5, 0), time(8, 0)), (time(18, 0), time(22, 0))), weekdays=range(0, 6),
                  not_walking: int = 2, walking: int = 4, notice_hours: int = 48, min_age_months: int = 3,
                  max_age_months: int = 72, **fields) -> OccasionalProvider:
    make_commune()
    fields.setdefault("closed_on_public_holidays", False)
    provider = OccasionalProvider(name=name, kind=kind, address="5 rue du Lot", commune_insee="46042",
                                  notice_hours=notice_hours, min_age_months=min_age_months,
                                  max_age_months=max_age_months, **fields)
    for weekday in weekdays:
        for opens, closes in periods:
            provider.openings.append(ProviderOpening(weekday=weekday, opens_at=opens, closes_at=closes,
                                                     capacity_not_walking=not_walking, capacity_walking=walking))
    provider.tariffs.append(ProviderTariff(qf_min=0, qf_max=700, hourly_price=Decimal("1.20")))
    provider.tariffs.append(ProviderTariff(qf_min=701, qf_max=None, hourly_price=Decimal("2.50")))
    db.session.add(provider)
    db.session.commit()
    return provider


def make_coordinator(provider: OccasionalProvider, role: Role = Role.DIRECTOR, **fields):
    user = make_user(role, **fields)
    db.session.add(ProviderStaff(user_id=user.id, provider_id=provider.id))
    db.session.commit()
    return user


def make_family(*, birth_date: date = date(2023, 1, 10), family_quotient: int | None = 650,
                first_name: str = "Lou"):
    """(parent, household, child): by default a child who walks (3 years old in 2026)."""
    parent = make_user(Role.PARENT)
    household = make_household(parent, family_quotient=family_quotient)
    child = make_child(household, birth_date=birth_date, first_name=first_name)
    return parent, household, child


def days(n: int) -> timedelta:
    return timedelta(days=n)
