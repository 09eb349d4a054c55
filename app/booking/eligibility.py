"""Who an activity admits on a given day: by age in whole years (the default), by age in months, or
from school entry.

School entry: a child enters petite section at the rentrée of the calendar year in which they turn 3
(Code de l'éducation L113-1 and L131-1: instruction is compulsory from 3, at the rentrée of that year),
so a child born in November is in school, and may come to the Wednesday centre, from September while
still 2. An activity that admits from school entry takes such a child from the rentrée on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app import rules

RENTREE_MONTH_DAY = rules.define(
    "booking.school_entry_month_day", kind=str, default="09-01",
    label="Jour de la rentrée scolaire retenu pour l'entrée en petite section (mois-jour)",
    source="Code de l'éducation art. L113-1 et L131-1 ; calendrier scolaire national (arrêté annuel)",
    unit="MM-JJ")


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str  # French, for the family


def age_in_months(birth_date: date, day: date) -> int:
    months = (day.year - birth_date.year) * 12 + day.month - birth_date.month
    if day.day < birth_date.day:
        months -= 1
    return months


def age_in_years(birth_date: date, day: date) -> int:
    return age_in_months(birth_date, day) // 12


def school_entry_day(birth_date: date) -> date:
    """The rentrée of the year the child turns 3 (the rule in force that year gives the day)."""
    year = birth_date.year + 3
    month, dom = (int(part) for part in RENTREE_MONTH_DAY.value(on=date(year, 1, 1)).split("-"))
    return date(year, month, dom)


def age_refusal(child, activity, day: date) -> Refusal | None:
    """Why the activity cannot take the child on `day` because of age, or None if it can.

    The lower bound is met by the age in months (when the activity sets `min_age_months`), else by the
    age in whole years, or, when the activity admits from school entry, by having reached the rentrée of
    the year of the third birthday. The upper bound is in whole years.
    """
    years = age_in_years(child.birth_date, day)
    months = age_in_months(child.birth_date, day)
    if years > activity.max_age and activity.min_age_months is None and not activity.admits_from_school_entry:
        return _by_years(child, activity, years)
    if years > activity.max_age:
        return Refusal("age_out_of_range", _(
            "%(name)s aura %(age)s ans ce jour-là ; cette activité accueille les enfants jusqu'à %(max)s ans.",
            name=child.first_name, age=years, max=activity.max_age))
    if months < 0:
        return Refusal("age_out_of_range",
                       _("Ce jour-là, la naissance de %(name)s n'aura pas encore eu lieu.", name=child.first_name))
    min_months = activity.min_age_months if activity.min_age_months is not None else activity.min_age * 12
    if months >= min_months:
        return None
    if activity.admits_from_school_entry and day >= school_entry_day(child.birth_date):
        return None
    if activity.admits_from_school_entry:
        return Refusal("age_out_of_range", _(
            "%(name)s entrera à l'école à la rentrée du %(entry)s ; cette activité accueille les enfants dès leur "
            "entrée en petite section, ou à partir de %(min)s mois.", name=child.first_name,
            entry=school_entry_day(child.birth_date).strftime("%d/%m/%Y"), min=min_months))
    if activity.min_age_months is not None:
        return Refusal("age_out_of_range", _(
            "%(name)s aura %(months)s mois ce jour-là ; cette activité accueille les enfants à partir de "
            "%(min)s mois.", name=child.first_name, months=months, min=min_months))
    return _by_years(child, activity, years)


def _by_years(child, activity, years: int) -> Refusal:
    return Refusal("age_out_of_range", _(
        "%(name)s aura %(age)s ans ce jour-là ; cette activité accueille les enfants de %(min)s à %(max)s ans.",
        name=child.first_name, age=years, min=activity.min_age, max=activity.max_age))
