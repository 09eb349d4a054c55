"""Forms of allocation by draw (period configuration, draw, families' requests)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app import clock
from app.booking.allocation import CRITERIA
from app.forms import FlaskForm

REQUIRED = _l("Ce champ est obligatoire.")
PARIS = clock.PARIS
RANK_CHOICES = [("", _l("Non utilisé"))] + [(str(n), str(n)) for n in range(1, len(CRITERIA) + 1)]


def to_utc(local: datetime | None) -> datetime | None:
    """A naive local (Europe/Paris) datetime from a form, as aware UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=PARIS).astimezone(clock.UTC)


def to_local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(PARIS).replace(tzinfo=None)


class RulesMixin:
    """One rank field per criterion, named rule_<code>."""

    def rules(self) -> list[str]:
        ranked = []
        for code in CRITERIA:
            value = getattr(self, f"rule_{code}").data
            if value:
                ranked.append((int(value), list(CRITERIA).index(code), code))
        return [code for _rank, _pos, code in sorted(ranked)]

    def set_rules(self, rules: list[str]) -> None:
        for position, code in enumerate(rules, start=1):
            if code in CRITERIA:
                getattr(self, f"rule_{code}").data = str(position)

    def rule_fields(self):
        return [getattr(self, f"rule_{code}") for code in CRITERIA]


class PeriodForm(RulesMixin, FlaskForm):
    activity_id = SelectField(_l("Activité"), coerce=int, validators=[DataRequired(REQUIRED)])
    label = StringField(_l("Nom de la période"), validators=[DataRequired(REQUIRED), Length(max=150)])
    first_day = DateField(_l("Premier jour"), validators=[DataRequired(REQUIRED)])
    last_day = DateField(_l("Dernier jour"), validators=[DataRequired(REQUIRED)])
    requests_open_at = DateTimeLocalField(_l("Ouverture des demandes"), format="%Y-%m-%dT%H:%M",
                                          validators=[DataRequired(REQUIRED)])
    requests_close_at = DateTimeLocalField(_l("Clôture des demandes"), format="%Y-%m-%dT%H:%M",
                                           validators=[DataRequired(REQUIRED)])


class RulesForm(RulesMixin, FlaskForm):
    requests_open_at = DateTimeLocalField(_l("Ouverture des demandes"), format="%Y-%m-%dT%H:%M",
                                          validators=[DataRequired(REQUIRED)])
    requests_close_at = DateTimeLocalField(_l("Clôture des demandes"), format="%Y-%m-%dT%H:%M",
                                           validators=[DataRequired(REQUIRED)])


for _code, _criterion in CRITERIA.items():
    for _form in (PeriodForm, RulesForm):
        setattr(_form, f"rule_{_code}", SelectField(_criterion.label, choices=RANK_CHOICES, default="",
                                                    validators=[Optional()]))


class DrawForm(FlaskForm):
    seed = StringField(_l("Graine du tirage (laisser vide pour en tirer une au hasard)"),
                       validators=[Optional(), Length(max=64)])


class RequestForm(FlaskForm):
    """Children and per-session ranks are read from the request (one select per session)."""

    siblings_together = BooleanField(_l("Frères et sœurs ensemble ou pas du tout"))
