"""Salary simulator for a childminder's monthly pay ("mensualisation"), in Decimal.

Rules (shared/domain.md, convention collective of the particulier employeur):
- full year (52 weeks of care, the childminder's 5 weeks of leave fall within the
  family's own absences): monthly base = rate × hours per week × 52 / 12, paid
  leave included;
- incomplete year (at most 46 weeks): monthly base = rate × hours per week ×
  weeks planned / 12, plus paid leave, the better of:
  * 10 % of the base salary of the reference year (rate × hours × weeks), and
  * salary maintenance: the pay the childminder would have earned while on
    leave. Our assumption: leave days = 2.5 working days ("jours ouvrables",
    6 per week) per 4 weeks of care, rounded up to a whole day and capped at 30;
    maintenance = leave days / 6 × rate × hours per week (the weekly pay).
  Paid leave is paid once a year (usually in June) or by twelfths; we show both.
- maintenance allowance and meals are owed per day of actual care: days per
  month = days per week × weeks of care / 12, with 47 weeks of care in a full
  year (52 minus the 5 weeks of leave) and the weeks planned otherwise.
Minimums come from the settings CHILDMINDER_MIN_HOURLY_RATE (gross per hour)
and CHILDMINDER_MIN_MAINTENANCE_PER_9H (per 9-hour day, prorated per hour).
Money is rounded to the cent, half up, at each amount shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import gettext as _

from app.errors import ValidationFailed

CENT = Decimal("0.01")
FULL_YEAR_WEEKS = 52
FULL_YEAR_CARE_WEEKS = 47
MAX_INCOMPLETE_WEEKS = 46


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class BelowMinimum(ValidationFailed):
    code = "below_minimum"


@dataclass(frozen=True)
class SalaryResult:
    full_year: bool
    weeks: int
    hours_per_month: Decimal
    monthly_base: Decimal
    annual_base: Decimal
    leave_days: int
    leave_ten_percent: Decimal
    leave_maintenance: Decimal
    paid_leave: Decimal
    paid_leave_rule: str
    paid_leave_monthly: Decimal
    days_per_month: Decimal
    maintenance_monthly: Decimal
    meals_monthly: Decimal
    total_monthly: Decimal
    total_monthly_with_leave: Decimal


def simulate(*, hourly_rate: Decimal, hours_per_week: Decimal, full_year: bool, weeks: int | None = None,
             days_per_week: int = 5, maintenance_per_day: Decimal = Decimal("0"), hours_per_day: Decimal | None = None,
             meal_per_day: Decimal = Decimal("0")) -> SalaryResult:
    """Monthly amounts for a contract. Raises BelowMinimum (rate or allowance under the settings),
    ValidationFailed (impossible values)."""
    minimum_rate = Decimal(current_app.config["CHILDMINDER_MIN_HOURLY_RATE"])
    minimum_9h = Decimal(current_app.config["CHILDMINDER_MIN_MAINTENANCE_PER_9H"])
    if hourly_rate < minimum_rate:
        raise BelowMinimum(_("Le taux horaire brut (%(rate)s €) est inférieur au minimum conventionnel de "
                             "%(min)s € brut de l'heure : il ne peut pas être retenu.",
                             rate=_fr(hourly_rate), min=_fr(minimum_rate)), field="hourly_rate")
    if not Decimal("0") < hours_per_week <= Decimal("60"):
        raise ValidationFailed(_("Le nombre d'heures par semaine va de 1 à 60."), field="hours_per_week")
    if not 1 <= days_per_week <= 7:
        raise ValidationFailed(_("Le nombre de jours par semaine va de 1 à 7."), field="days_per_week")
    hours_per_day = hours_per_day or (hours_per_week / days_per_week)
    if maintenance_per_day:
        minimum_day = money(minimum_9h * hours_per_day / 9)
        if maintenance_per_day < minimum_day:
            raise BelowMinimum(_("L'indemnité d'entretien (%(value)s € par jour) est inférieure au minimum de "
                                 "%(min9)s € pour 9 heures, soit %(min)s € pour %(hours)s heures par jour.",
                                 value=_fr(maintenance_per_day), min9=_fr(minimum_9h), min=_fr(minimum_day),
                                 hours=_fr(hours_per_day.normalize())), field="maintenance_per_day")
    if full_year:
        weeks = FULL_YEAR_WEEKS
        care_weeks = FULL_YEAR_CARE_WEEKS
    else:
        if weeks is None or not 1 <= weeks <= MAX_INCOMPLETE_WEEKS:
            raise ValidationFailed(_("Une année incomplète compte de 1 à 46 semaines d'accueil."), field="weeks")
        care_weeks = weeks
    weekly = hourly_rate * hours_per_week
    annual_base = money(weekly * weeks)
    monthly_base = money(weekly * weeks / 12)
    hours_per_month = (hours_per_week * weeks / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    if full_year:
        leave_days = 0
        ten, maintenance, paid_leave = Decimal("0.00"), Decimal("0.00"), Decimal("0.00")
        rule = _("Congés payés compris dans la mensualisation sur 52 semaines.")
    else:
        leave_days = min(30, int((Decimal(weeks) * Decimal("2.5") / 4).to_integral_value(rounding=ROUND_CEILING)))
        ten = money(annual_base / 10)
        maintenance = money(weekly * leave_days / 6)
        paid_leave = max(ten, maintenance)
        rule = (_("Le maintien de salaire est plus favorable que les 10 %.") if maintenance > ten
                else _("La règle du dixième est plus favorable que le maintien de salaire."))
    days_per_month = (Decimal(days_per_week) * care_weeks / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    maintenance_monthly = money(maintenance_per_day * days_per_week * care_weeks / 12)
    meals_monthly = money(meal_per_day * days_per_week * care_weeks / 12)
    total = monthly_base + maintenance_monthly + meals_monthly
    leave_monthly = money(paid_leave / 12)
    return SalaryResult(full_year, weeks, hours_per_month, monthly_base, annual_base, leave_days, ten, maintenance,
                        paid_leave, rule, leave_monthly, days_per_month, maintenance_monthly, meals_monthly, total,
                        total + leave_monthly)


def _fr(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")
