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
- hours beyond 45 a week are paid at a raised rate (convention collective IDCC 3239, "heures
  majorées"; the rate is agreed in the contract, the simulator uses the rule's default);
- above 48 hours a week on average the simulator warns (it does not refuse): the childminder may
  agree in writing to work more, within 2 250 hours a year (CASF L423-22), and this is a simulation
  of a contract, not the record of hours worked.
Minimums, thresholds and the raise are dated rules (app.rules), read on the simulated day.
Money is rounded to the cent, half up, at each amount shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from app import clock, rules
from app.errors import ValidationFailed

_IDCC = "Convention collective de la branche du secteur des particuliers employeurs et de l'emploi à domicile " \
        "(IDCC 3239)"
MIN_HOURLY_RATE = rules.define(
    "ram.min_hourly_rate", kind=Decimal, default=Decimal("3.64"),
    label="Salaire horaire brut minimum en assistance maternelle",
    source=f"{_IDCC}, avenant salaires (avril 2025)", unit="€ brut / heure", minimum=Decimal("0"))
MIN_MAINTENANCE_PER_9H = rules.define(
    "ram.min_maintenance_per_9h", kind=Decimal, default=Decimal("3.80"),
    label="Indemnité d'entretien minimum pour une journée de 9 heures (proratisée à l'heure)",
    source=f"{_IDCC}, art. 114 ; CASF D423-7 (novembre 2024)", unit="€ / 9 h", minimum=Decimal("0"))
RAISED_HOURS_FROM = rules.define(
    "ram.raised_hours_from", kind=Decimal, default=Decimal("45"),
    label="Heures par semaine au-delà desquelles le taux horaire est majoré",
    source=f"{_IDCC}, socle spécifique assistant maternel (heures majorées)", unit="heures / semaine",
    minimum=Decimal("1"), maximum=Decimal("60"))
RAISE_RATE = rules.define(
    "ram.raised_hours_rate", kind=Decimal, default=Decimal("0.10"),
    label="Majoration des heures au-delà du seuil (taux convenu au contrat ; valeur par défaut du simulateur)",
    source=f"{_IDCC}, socle spécifique assistant maternel (heures majorées)", unit="fraction (0,10 = 10 %)",
    minimum=Decimal("0"), maximum=Decimal("1"))
AVERAGE_HOURS_WARNING = rules.define(
    "ram.average_hours_warning", kind=Decimal, default=Decimal("48"),
    label="Durée hebdomadaire moyenne au-delà de laquelle l'accord écrit de la personne qui garde l'enfant est requis",
    source="CASF art. L423-22 (48 h en moyenne sur 4 mois ; au plus 2 250 h par an avec son accord)",
    unit="heures / semaine", minimum=Decimal("1"), maximum=Decimal("60"))

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
    raised_hours_per_week: Decimal = Decimal("0")  # hours paid at the raised rate
    raised_rate: Decimal = Decimal("0")            # the raised hourly rate
    warnings: tuple[str, ...] = field(default_factory=tuple)


def simulate(*, hourly_rate: Decimal, hours_per_week: Decimal, full_year: bool, weeks: int | None = None,
             days_per_week: int = 5, maintenance_per_day: Decimal = Decimal("0"), hours_per_day: Decimal | None = None,
             meal_per_day: Decimal = Decimal("0"), on: date | None = None) -> SalaryResult:
    """Monthly amounts for a contract, by the rules in force on `on` (today by default).

    Raises BelowMinimum (rate or allowance under the rules), ValidationFailed (impossible values).
    Hours beyond the threshold (45 h) are paid at the raised rate; above 48 h on average the result
    carries a warning.
    """
    on = on or clock.today()
    minimum_rate = MIN_HOURLY_RATE.value(on=on)
    minimum_9h = MIN_MAINTENANCE_PER_9H.value(on=on)
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
    threshold = RAISED_HOURS_FROM.value(on=on)
    raised_hours = max(Decimal("0"), hours_per_week - threshold)
    raised_rate = money(hourly_rate * (1 + RAISE_RATE.value(on=on)))
    weekly = hourly_rate * (hours_per_week - raised_hours) + raised_rate * raised_hours
    warnings = []
    if hours_per_week > AVERAGE_HOURS_WARNING.value(on=on):
        warnings.append(_("Au-delà de %(max)s heures par semaine en moyenne, l'accord écrit de la personne "
                          "qui garde l'enfant est nécessaire, dans la limite de 2 250 heures par an (CASF L423-22).",
                          max=str(AVERAGE_HOURS_WARNING.value(on=on).normalize()).replace(".", ",")))
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
                        total + leave_monthly, raised_hours, raised_rate if raised_hours else Decimal("0"),
                        tuple(warnings))


def _fr(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")
