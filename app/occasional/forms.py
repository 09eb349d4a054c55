"""Parents' forms: one range, a shift pattern; staff: urgent decisions, attendance; administrators:
providers, opening periods, hourly tariffs, coordinators."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.billing.forms import FrenchDecimalField
from app.forms import (
    FlaskForm,
    IntegerField,  # bounded to what the database holds
)

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


# ---------------------------------------------------------------- administrators

KIND_CHOICES = [("multi_accueil", _l("Multi-accueil (places d'accueil occasionnel)")),
                ("shifted_hours", _l("Garde en horaires décalés"))]


PRICING_CHOICES = [("own_tariff", _l("Tarif horaire de la structure, par tranche de quotient familial")),
                   ("cnaf_scale", _l("Barème national de la CNAF (PSU) : taux d'effort sur les ressources du foyer"))]


class ProviderForm(FlaskForm):
    name = StringField(_l("Nom de la structure"), validators=[DataRequired(), Length(max=150)])
    kind = SelectField(_l("Type de structure"), choices=KIND_CHOICES, validators=[InputRequired()])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)])
    commune_insee = SelectField(_l("Commune"), validators=[Optional()])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    min_age_months = IntegerField(_l("Âge minimal (en mois)"), default=3,
                                  validators=[InputRequired(), NumberRange(0, 216)])
    max_age_months = IntegerField(_l("Âge maximal (en mois, non compris)"), default=72,
                                  validators=[InputRequired(), NumberRange(1, 216)])
    walking_age_months = IntegerField(_l("Âge à partir duquel un enfant compte parmi ceux qui marchent (en mois)"),
                                      default=18, validators=[InputRequired(), NumberRange(0, 72)])
    notice_hours = IntegerField(_l("Délai de prévenance (en heures)"), default=48,
                                validators=[InputRequired(), NumberRange(0, 720)])
    ratio_not_walking = IntegerField(_l("Enfants qui ne marchent pas par adulte"), default=5,
                                     validators=[InputRequired(), NumberRange(1, 20)])
    ratio_walking = IntegerField(_l("Enfants qui marchent par adulte"), default=8,
                                 validators=[InputRequired(), NumberRange(1, 20)])
    closed_on_public_holidays = BooleanField(_l("Fermée les jours fériés"), default=True)
    pricing = SelectField(_l("Tarification"), choices=PRICING_CHOICES, default="own_tariff")
    active = BooleanField(_l("Structure active (visible des familles)"), default=True)


class OpeningForm(FlaskForm):
    weekday = SelectField(_l("Jour de la semaine"), coerce=int, choices=WEEKDAY_CHOICES,
                          validators=[InputRequired()])
    opens_at = TimeField(_l("Ouverture"), validators=[InputRequired()], render_kw={"step": 1800})
    closes_at = TimeField(_l("Fermeture"), validators=[InputRequired()], render_kw={"step": 1800})
    capacity_not_walking = IntegerField(_l("Places par demi-heure, enfants qui ne marchent pas"), default=0,
                                        validators=[InputRequired(), NumberRange(0, 200)])
    capacity_walking = IntegerField(_l("Places par demi-heure, enfants qui marchent"), default=0,
                                    validators=[InputRequired(), NumberRange(0, 200)])


class HourlyTariffForm(FlaskForm):
    qf_min = IntegerField(_l("Quotient familial à partir de"), default=0, validators=[InputRequired(), NumberRange(0)])
    qf_max = IntegerField(_l("Quotient familial jusqu'à, inclus (vide : sans limite)"),
                          validators=[Optional(), NumberRange(0)])
    hourly_price = FrenchDecimalField(_l("Prix de l'heure (€)"), places=2,
                                      validators=[InputRequired(), NumberRange(0)])


class StaffForm(FlaskForm):
    user_id = SelectField(_l("Compte à rattacher"), coerce=int, validators=[InputRequired()])
