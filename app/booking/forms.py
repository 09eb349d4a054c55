"""Directors' forms (the parents' booking form is a plain list of checkboxes)."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.booking.models import ActivityKind, StaffingRegime, UnitKind
from app.forms import (
    FlaskForm,
    IntegerField,  # bounded to what the database holds
)

KIND_CHOICES = [(ActivityKind.PERISCOLAIRE.value, _l("Périscolaire (dont mercredis)")),
                (ActivityKind.EXTRASCOLAIRE.value, _l("Extrascolaire (vacances)"))]
# The length of each session chooses between the ratios (CASF R227-16): only the framework is set here.
REGIME_CHOICES = [
    (StaffingRegime.EXTRASCOLAIRE.value, _l("Extrascolaire : 1 animateur pour 8 moins de 6 ans, 1 pour 12 plus de 6 ans")),
    (StaffingRegime.PERISCOLAIRE_SHORT.value,
     _l("Périscolaire sans PEDT : 1 pour 10 et 1 pour 14 pour une séance de 5 h ou moins, 1 pour 8 et 1 pour 12 "
        "au-delà")),
    (StaffingRegime.PEDT_SHORT.value,
     _l("Périscolaire sous PEDT / Plan mercredi : 1 pour 14 et 1 pour 18 pour une séance de 5 h ou moins, "
        "1 pour 10 et 1 pour 14 au-delà")),
]
UNIT_KIND_CHOICES = [
    (UnitKind.MORNING.value, _l("Matin")), (UnitKind.MORNING_WITH_LUNCH.value, _l("Matin avec repas")),
    (UnitKind.AFTERNOON.value, _l("Après-midi")),
    (UnitKind.AFTERNOON_WITH_LUNCH.value, _l("Après-midi avec repas")),
    (UnitKind.WHOLE_DAY.value, _l("Journée")),
    (UnitKind.PERISCOLAIRE_MORNING.value, _l("Périscolaire du matin")),
    (UnitKind.PERISCOLAIRE_LUNCH.value, _l("Pause méridienne")),
    (UnitKind.PERISCOLAIRE_EVENING.value, _l("Périscolaire du soir")),
]
WEEKDAY_CHOICES = [(0, _l("Lundi")), (1, _l("Mardi")), (2, _l("Mercredi")), (3, _l("Jeudi")),
                   (4, _l("Vendredi")), (5, _l("Samedi"))]
MODE_CHOICES = [("school_weeks", _l("Semaines d'école seulement (hors vacances scolaires)")),
                ("holidays", _l("Vacances scolaires seulement")),
                ("all", _l("Toutes les semaines"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActivityForm(FlaskForm):
    name = StringField(_l("Nom de l'activité"), validators=[DataRequired(), Length(max=150)])
    kind = SelectField(_l("Type"), choices=KIND_CHOICES)
    min_age = IntegerField(_l("Âge minimum"), validators=[InputRequired(), NumberRange(0, 17)], default=3)
    max_age = IntegerField(_l("Âge maximum"), validators=[InputRequired(), NumberRange(0, 17)], default=11)
    min_age_months = IntegerField(_l("Ou âge minimum en mois (remplace l'âge minimum en années ; vide : non)"),
                                  validators=[Optional(), NumberRange(0, 215)])
    admits_from_school_entry = BooleanField(
        _l("Accueillir aussi les enfants dès leur entrée en petite section (rentrée de l'année de leurs 3 ans)"))
    regime = SelectField(_l("Régime d'encadrement"), choices=REGIME_CHOICES)
    opens_at = DateTimeLocalField(_l("Ouverture des réservations (heure de Paris)"), validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M")
    booking_deadline_days = IntegerField(_l("Réservation close : nombre de jours avant la séance"),
                                         validators=[InputRequired(), NumberRange(0, 60)], default=2)
    booking_deadline_time = TimeField(_l("… à l'heure"), validators=[InputRequired()], default=time(12, 0))
    cancel_deadline_days = IntegerField(_l("Annulation sans frais : nombre de jours avant la séance"),
                                        validators=[InputRequired(), NumberRange(0, 60)], default=2)
    cancel_deadline_time = TimeField(_l("… à l'heure"), validators=[InputRequired()], default=time(12, 0))
    residents_first_until = DateTimeLocalField(_l("Priorité aux habitants du Grand Cahors jusqu'au"),
                                               validators=[Optional()], format="%Y-%m-%dT%H:%M")


class UnitForm(FlaskForm):
    label = StringField(_l("Libellé"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Type d'unité"), choices=UNIT_KIND_CHOICES)
    start_time = TimeField(_l("Début"), validators=[InputRequired()])
    end_time = TimeField(_l("Fin"), validators=[InputRequired()])
    with_meal = BooleanField(_l("Avec repas"))


class TariffForm(FlaskForm):
    qf_min = IntegerField(_l("Quotient familial à partir de"), validators=[InputRequired(), NumberRange(0)],
                          default=0)
    qf_max = IntegerField(_l("Quotient familial jusqu'à (vide : sans limite)"),
                          validators=[Optional(), NumberRange(0)])
    resident = BooleanField(_l("Tarif pour les habitants du Grand Cahors"), default=True)
    price = DecimalField(_l("Prix (€)"), places=2, validators=[InputRequired(), NumberRange(0)])
    valid_from = DateField(_l("Valable à partir du"), validators=[InputRequired()])
    valid_until = DateField(_l("Valable jusqu'au (vide : sans fin)"), validators=[Optional()])


class GenerateForm(FlaskForm):
    units = MultiCheckboxField(_l("Unités"), coerce=int, validators=[DataRequired()])
    weekdays = MultiCheckboxField(_l("Jours de la semaine"), coerce=int, choices=WEEKDAY_CHOICES,
                                  validators=[DataRequired()])
    first_day = DateField(_l("Du"), validators=[InputRequired()])
    last_day = DateField(_l("Au"), validators=[InputRequired()])
    mode = RadioField(_l("Semaines concernées"), choices=MODE_CHOICES, default="school_weeks")
    capacity_under6 = IntegerField(_l("Places pour les moins de 6 ans"), validators=[InputRequired(),
                                                                                  NumberRange(0, 300)])
    capacity_over6 = IntegerField(_l("Places pour les 6 ans et plus"), validators=[InputRequired(),
                                                                                NumberRange(0, 300)])
    animators_planned = IntegerField(_l("Animateurs prévus"), validators=[Optional(), NumberRange(0, 100)],
                                     default=0)


class AdjustSessionForm(FlaskForm):
    capacity_under6 = IntegerField(_l("Places pour les moins de 6 ans"), validators=[InputRequired(),
                                                                                  NumberRange(0, 300)])
    capacity_over6 = IntegerField(_l("Places pour les 6 ans et plus"), validators=[InputRequired(),
                                                                                NumberRange(0, 300)])
    animators_planned = IntegerField(_l("Animateurs prévus"), validators=[InputRequired(), NumberRange(0, 100)])


class SiteForm(FlaskForm):
    address = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=300)])
    opening_hours = TextAreaField(_l("Horaires d'ouverture"), validators=[Optional(), Length(max=1000)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])


class NewSiteForm(FlaskForm):
    name = StringField(_l("Nom de l'accueil"), validators=[DataRequired(), Length(max=150)])
    address = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=300)])
    commune_insee = SelectField(_l("Commune"), validators=[DataRequired()])
    opening_hours = TextAreaField(_l("Horaires d'ouverture"), validators=[Optional(), Length(max=1000)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
