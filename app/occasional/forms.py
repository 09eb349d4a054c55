"""Parents' forms: one range, a shift pattern; staff: urgent decisions, attendance."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

WEEKDAY_CHOICES = [(0, _l("Lundi")), (1, _l("Mardi")), (2, _l("Mercredi")), (3, _l("Jeudi")),
                   (4, _l("Vendredi")), (5, _l("Samedi")), (6, _l("Dimanche"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(FlaskForm):
    child_id = SelectField(_l("Enfant"), coerce=int, validators=[InputRequired()])
    provider_id = SelectField(_l("Structure"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("De"), validators=[InputRequired()])
    end = TimeField(_l("À"), validators=[InputRequired()])
    submission_key = HiddenField()


class PatternForm(FlaskForm):
    child_id = SelectField(_l("Enfant"), coerce=int, validators=[InputRequired()])
    provider_id = SelectField(_l("Structure"), coerce=int, validators=[InputRequired()])
    mode = RadioField(_l("Type de rythme"), choices=[
        ("alternating", _l("Semaine du matin / semaine du soir, en alternance")),
        ("chosen_dates", _l("Dates choisies, même horaire"))], default="alternating")
    first_day = DateField(_l("Première semaine (ou première date)"), validators=[InputRequired()])
    weeks = IntegerField(_l("Nombre de semaines (8 au plus)"), validators=[Optional(), NumberRange(1, 8)], default=4)
    weekdays = MultiCheckboxField(_l("Jours travaillés"), coerce=int, choices=WEEKDAY_CHOICES,
                                  default=[0, 1, 2, 3, 4])
    early_start = TimeField(_l("Semaine du matin : de"), default=time(5, 30), validators=[Optional()])
    early_end = TimeField(_l("Semaine du matin : à"), default=time(8, 0), validators=[Optional()])
    late_start = TimeField(_l("Semaine du soir : de"), default=time(18, 0), validators=[Optional()])
    late_end = TimeField(_l("Semaine du soir : à"), default=time(21, 30), validators=[Optional()])
    early_first = BooleanField(_l("La première semaine est une semaine du matin"), default=True)
    dates = TextAreaField(_l("Dates choisies (une par ligne, AAAA-MM-JJ)"), validators=[Optional(),
                                                                                         Length(max=2000)])
    start = TimeField(_l("Dates choisies : de"), default=time(5, 30), validators=[Optional()])
    end = TimeField(_l("Dates choisies : à"), default=time(8, 0), validators=[Optional()])
    submission_key = HiddenField()


class DecisionForm(FlaskForm):
    note = StringField(_l("Message à la famille (facultatif)"), validators=[Optional(), Length(max=500)])


class AttendanceForm(FlaskForm):
    arrived_at = TimeField(_l("Arrivée"), validators=[Optional()])
    left_at = TimeField(_l("Départ"), validators=[Optional()])


class CancelPatternForm(FlaskForm):
    from_day = DateField(_l("Annuler à partir du"), validators=[DataRequired()])
