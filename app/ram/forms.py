from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import FlaskForm, IntegerField, MonthField  # IntegerField: bounded to what the database holds
from app.ram import schedule as sch

REQUIRED = _l("Ce champ est obligatoire.")
DAY_LABELS = (_l("Lundi"), _l("Mardi"), _l("Mercredi"), _l("Jeudi"), _l("Vendredi"), _l("Samedi"), _l("Dimanche"))


class FrenchDecimalField(DecimalField):
    """Accepts "3,64" as well as "3.64"."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0]:
            text = valuelist[0].strip().replace(" ", "").replace(",", ".").replace("€", "")
            try:
                self.data = Decimal(text)
            except InvalidOperation:
                self.data = None
                raise ValueError(self.gettext("Saisissez un nombre, par exemple 4,10.")) from None
        else:
            self.data = None


class ScheduleMixin:
    """Seven days, each with an arrival and a departure time (empty: no care that day)."""

    def day_fields(self):
        return [(i, DAY_LABELS[i], self[f"day{i}_start"], self[f"day{i}_end"]) for i in range(7)]

    def schedule_data(self) -> dict:
        return sch.from_times({i: (self[f"day{i}_start"].data, self[f"day{i}_end"].data) for i in range(7)})

    def fill_schedule(self, schedule: dict) -> None:
        from datetime import time

        for key, intervals in (schedule or {}).items():
            start, end = intervals[0][0], intervals[-1][1]
            self[f"day{key}_start"].data = time.fromisoformat(start)
            self[f"day{key}_end"].data = time.fromisoformat("23:59" if end == "24:00" else end)

    def validate_schedule_days(self) -> bool:
        ok = True
        any_day = False
        for _i, _label, start, end in self.day_fields():
            if bool(start.data) != bool(end.data):
                (end if start.data else start).errors.append(_l("Indiquez l'heure d'arrivée et l'heure de départ."))
                ok = False
            elif start.data and end.data:
                any_day = True
                if end.data <= start.data:
                    end.errors.append(_l("L'heure de départ doit suivre l'heure d'arrivée."))
                    ok = False
        if ok and not any_day:
            self.form_errors.append(_l("Indiquez au moins un jour avec ses horaires."))
            ok = False
        return ok


def _add_schedule_fields(cls):
    for i in range(7):
        setattr(cls, f"day{i}_start", TimeField(_l("%(day)s : arrivée", day=DAY_LABELS[i]), validators=[Optional()]))
        setattr(cls, f"day{i}_end", TimeField(_l("%(day)s : départ", day=DAY_LABELS[i]), validators=[Optional()]))
    return cls


class ChildminderCreateForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Adresse e-mail"), validators=[
        DataRequired(REQUIRED), Length(max=254), Email(_l("Saisissez une adresse e-mail valide."),
                                                       check_deliverability=False)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    commune_insee = SelectField(_l("Commune"), validators=[DataRequired(REQUIRED)])
    relais_id = SelectField(_l("Relais"), coerce=int, validators=[InputRequired(REQUIRED)])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)])


class ProfileForm(FlaskForm):
    commune_insee = SelectField(_l("Commune"), validators=[DataRequired(REQUIRED)])
    relais_id = SelectField(_l("Relais"), coerce=int, validators=[Optional()])
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)])
    show_address = BooleanField(_l("L'adresse peut être communiquée aux familles"))
    show_phone = BooleanField(_l("Mon téléphone peut être communiqué aux familles"))
    show_email = BooleanField(_l("Mon adresse e-mail peut être communiquée aux familles"))
    offers_meals = BooleanField(_l("Je fournis les repas"))
    offers_school_pickup = BooleanField(_l("J'assure les trajets école"))
    hours_before_8 = BooleanField(_l("J'accueille avant 8 h"))
    hours_after_18 = BooleanField(_l("J'accueille après 18 h"))
    works_saturday = BooleanField(_l("J'accueille le samedi"))
    works_sunday = BooleanField(_l("J'accueille le dimanche"))
    works_nights = BooleanField(_l("J'accueille la nuit"))
    presentation = TextAreaField(_l("Présentation pour les familles"), validators=[Optional(), Length(max=2000)])


class LicenceForm(FlaskForm):
    licence_id = HiddenField()
    reference = StringField(_l("Numéro de l'agrément"), validators=[Optional(), Length(max=50)])
    max_children = IntegerField(_l("Enfants accueillis en même temps"), validators=[InputRequired(REQUIRED),
                                                                                  NumberRange(1, 6)])
    max_under_3 = IntegerField(_l("Dont enfants de moins de 3 ans"), validators=[InputRequired(REQUIRED),
                                                                               NumberRange(0, 4)])
    valid_from = DateField(_l("Valable du"), validators=[DataRequired(REQUIRED)])
    valid_until = DateField(_l("Valable jusqu'au"), validators=[DataRequired(REQUIRED)])
    extension_from = DateField(_l("Extension temporaire : du"), validators=[Optional()])
    extension_until = DateField(_l("Extension temporaire : au"), validators=[Optional()])
    extension_places = IntegerField(_l("Places supplémentaires pendant l'extension"), default=0,
                                    validators=[Optional(), NumberRange(0, 2)])


class OwnChildForm(FlaskForm):
    # Own ids: the contract form of the same page has a `birth_date` too.
    first_name = StringField(_l("Prénom"), validators=[Optional(), Length(max=100)], id="own_child_first_name")
    birth_date = DateField(_l("Date de naissance"), validators=[DataRequired(REQUIRED)], id="own_child_birth_date")


@_add_schedule_fields
class ContractForm(ScheduleMixin, FlaskForm):
    child_first_name = StringField(_l("Prénom de l'enfant"), validators=[DataRequired(REQUIRED), Length(max=100)])
    birth_date = DateField(_l("Date de naissance"), validators=[DataRequired(REQUIRED)])
    start_date = DateField(_l("Début du contrat"), validators=[DataRequired(REQUIRED)])
    end_date = DateField(_l("Fin prévue (facultatif)"), validators=[Optional()])

    def validate(self, extra_validators=None):
        return super().validate(extra_validators) and self.validate_schedule_days()


class EndContractForm(FlaskForm):
    end_date = DateField(_l("Dernier jour d'accueil"), validators=[DataRequired(REQUIRED)])


class PublishForm(FlaskForm):
    valid_from = DateField(_l("Disponibilités valables à partir du"), validators=[DataRequired(REQUIRED)])
    note = StringField(_l("Précisions (facultatif)"), validators=[Optional(), Length(max=500)])


@_add_schedule_fields
class DemandForm(ScheduleMixin, FlaskForm):
    family_name = StringField(_l("Nom de la famille"), validators=[Optional(), Length(max=150)])
    contact_phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    contact_email = EmailField(_l("Adresse e-mail"), validators=[Optional(), Length(max=254)])
    child_first_name = StringField(_l("Prénom de l'enfant (facultatif)"), validators=[Optional(), Length(max=100)])
    child_birth_date = DateField(_l("Date de naissance (ou naissance prévue)"), validators=[DataRequired(REQUIRED)])
    birth_expected = BooleanField(_l("L'enfant n'est pas encore né (date prévue)"))
    start_date = DateField(_l("Accueil souhaité à partir du"), validators=[DataRequired(REQUIRED)])
    atypical_hours = BooleanField(_l("Besoin d'horaires atypiques (avant 8 h, après 18 h, week-end, nuit)"))
    needs_meals = BooleanField(_l("Repas fournis souhaités"))
    needs_school_pickup = BooleanField(_l("Trajets école souhaités"))
    commune_insee = SelectField(_l("Commune du domicile"), validators=[DataRequired(REQUIRED)])
    max_distance_km = IntegerField(_l("Distance maximale acceptée (km)"), default=10,
                                   validators=[InputRequired(REQUIRED), NumberRange(1, 100)])
    notes = TextAreaField(_l("Précisions"), validators=[Optional(), Length(max=2000)])
    relais_id = SelectField(_l("Relais qui suit la demande"), coerce=int, validators=[Optional()])

    def validate(self, extra_validators=None):
        return super().validate(extra_validators) and self.validate_schedule_days()


class IntroductionForm(FlaskForm):
    childminder_id = HiddenField(validators=[DataRequired()])
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=1000)])


class OutcomeForm(FlaskForm):
    outcome = RadioField(_l("Issue de la mise en relation"), validators=[InputRequired(REQUIRED)],
                         choices=[("contract_signed", _l("Contrat signé")), ("declined", _l("Refusée")),
                                  ("no_answer", _l("Sans réponse"))])
    outcome_on = DateField(_l("Date"), validators=[DataRequired(REQUIRED)])
    notes = StringField(_l("Note (facultatif)"), validators=[Optional(), Length(max=1000)])


class WorkshopForm(FlaskForm):
    relais_id = SelectField(_l("Relais"), coerce=int, validators=[InputRequired(REQUIRED)])
    theme = StringField(_l("Thème"), validators=[DataRequired(REQUIRED), Length(max=200)])
    day = DateField(_l("Date"), validators=[DataRequired(REQUIRED)])
    start_time = TimeField(_l("Début"), validators=[DataRequired(REQUIRED)])
    end_time = TimeField(_l("Fin"), validators=[DataRequired(REQUIRED)])
    place = StringField(_l("Lieu"), validators=[DataRequired(REQUIRED), Length(max=300)])
    capacity = IntegerField(_l("Places (enfants et adultes)"), validators=[InputRequired(REQUIRED),
                                                                          NumberRange(2, 200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class WorkshopRegistrationForm(FlaskForm):
    child_1 = StringField(_l("Prénom du 1er enfant"), validators=[Optional(), Length(max=100)])
    child_2 = StringField(_l("Prénom du 2e enfant"), validators=[Optional(), Length(max=100)])
    child_3 = StringField(_l("Prénom du 3e enfant"), validators=[Optional(), Length(max=100)])
    child_4 = StringField(_l("Prénom du 4e enfant"), validators=[Optional(), Length(max=100)])

    def children(self) -> list[str]:
        return [f.data for f in (self.child_1, self.child_2, self.child_3, self.child_4) if f.data]


class SalaryForm(FlaskForm):
    class Meta:
        csrf = False  # a GET calculator: nothing changes on the server

    year_kind = RadioField(_l("Type d'année"), default="full", validators=[InputRequired(REQUIRED)],
                           choices=[("full", _l("Année complète (52 semaines)")),
                                    ("incomplete", _l("Année incomplète (46 semaines ou moins)"))])
    hourly_rate = FrenchDecimalField(_l("Salaire horaire brut (€)"), validators=[InputRequired(REQUIRED)])
    hours_per_week = FrenchDecimalField(_l("Heures d'accueil par semaine"), validators=[InputRequired(REQUIRED)])
    weeks = IntegerField(_l("Semaines d'accueil prévues dans l'année (année incomplète)"),
                         validators=[Optional(), NumberRange(1, 46)])
    days_per_week = IntegerField(_l("Jours d'accueil par semaine"), default=5,
                                 validators=[InputRequired(REQUIRED), NumberRange(1, 7)])
    hours_per_day = FrenchDecimalField(_l("Heures par jour (facultatif, sinon heures ÷ jours)"),
                                       validators=[Optional()])
    maintenance_per_day = FrenchDecimalField(_l("Indemnité d'entretien par jour (€)"), validators=[Optional()])
    meal_per_day = FrenchDecimalField(_l("Frais de repas par jour (€)"), validators=[Optional()])

    def validate_weeks(self, field):
        if self.year_kind.data == "incomplete" and not field.data:
            raise ValidationError(_l("Indiquez le nombre de semaines d'accueil prévues."))


class ObservatoryForm(FlaskForm):
    class Meta:
        csrf = False

    group_by = SelectField(_l("Regrouper par"), default="relais",
                           choices=[("relais", _l("Relais")), ("commune", _l("Commune"))])
    first_month = MonthField(_l("Du mois"))
    last_month = MonthField(_l("Au mois"))


@_add_schedule_fields
class AcceptedHoursForm(ScheduleMixin, FlaskForm):
    """The days and hours a childminder accepts: one or two time ranges a day (a break at noon)."""

    clear = SubmitField(_l("Effacer mes horaires (l'agrément seul compte)"))

    def day_fields(self):
        return [(i, DAY_LABELS[i], self[f"day{i}_start"], self[f"day{i}_end"], self[f"day{i}_start2"],
                 self[f"day{i}_end2"]) for i in range(7)]

    def schedule_data(self) -> dict:
        schedule: dict[str, list[list[str]]] = {}
        for i, _label, *fields in self.day_fields():
            for start, end in (fields[0:2], fields[2:4]):
                if start.data and end.data:
                    schedule.setdefault(str(i), []).append([start.data.strftime("%H:%M"),
                                                            end.data.strftime("%H:%M")])
        return sch.normalise(schedule)

    def fill_schedule(self, schedule: dict) -> None:
        from datetime import time

        for key, intervals in (schedule or {}).items():
            for suffix, (start, end) in zip(("", "2"), intervals[:2], strict=False):
                self[f"day{key}_start{suffix}"].data = time.fromisoformat(start)
                self[f"day{key}_end{suffix}"].data = time.fromisoformat("23:59" if end == "24:00" else end)

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.clear.data:
            return True
        ok, any_day = True, False
        for _i, _label, *fields in self.day_fields():
            for start, end in (fields[0:2], fields[2:4]):
                if bool(start.data) != bool(end.data):
                    (end if start.data else start).errors.append(_l("Indiquez l'heure de début et l'heure de fin."))
                    ok = False
                elif start.data and end.data:
                    any_day = True
                    if end.data <= start.data:
                        end.errors.append(_l("L'heure de fin doit suivre l'heure de début."))
                        ok = False
        if ok and not any_day:
            self.form_errors.append(_l("Indiquez au moins un jour avec ses horaires."))
            ok = False
        return ok


for _i in range(7):
    setattr(AcceptedHoursForm, f"day{_i}_start2",
            TimeField(_l("%(day)s : reprise", day=DAY_LABELS[_i]), validators=[Optional()]))
    setattr(AcceptedHoursForm, f"day{_i}_end2",
            TimeField(_l("%(day)s : fin de la reprise", day=DAY_LABELS[_i]), validators=[Optional()]))


class AbsenceForm(FlaskForm):
    start_date = DateField(_l("Absente du"), validators=[DataRequired(REQUIRED)], id="absence_start")
    end_date = DateField(_l("Au (inclus)"), validators=[DataRequired(REQUIRED)], id="absence_end")
    reason = StringField(_l("Motif (facultatif, visible du Relais seulement)"),
                         validators=[Optional(), Length(max=200)], id="absence_reason")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """Find a childminder: a GET form (nothing changes on the server)."""

    class Meta:
        csrf = False

    commune_insee = SelectField(_l("Commune où l'enfant sera gardé"), validators=[DataRequired(REQUIRED)])
    max_km = SelectField(_l("Jusqu'à"), coerce=int, default=10, validators=[InputRequired(REQUIRED)],
                         choices=[(0, _l("Cette commune seulement")), (5, _l("5 km")), (10, _l("10 km")),
                                  (15, _l("15 km")), (20, _l("20 km")), (30, _l("30 km"))])
    child_birth = DateField(_l("Date de naissance de l'enfant (ou date prévue)"),
                            validators=[DataRequired(REQUIRED)])
    start = DateField(_l("Accueil à partir du"), validators=[Optional()])
    days = CheckboxesField(_l("Jours de garde"), coerce=int, validators=[DataRequired(_l("Cochez au moins un jour."))],
                           choices=[(i, DAY_LABELS[i]) for i in range(7)])
    arrival = TimeField(_l("Arrivée"), default=None, validators=[DataRequired(REQUIRED)])
    departure = TimeField(_l("Départ"), default=None, validators=[DataRequired(REQUIRED)])

    def validate_departure(self, field):
        if field.data and self.arrival.data and field.data <= self.arrival.data:
            raise ValidationError(_l("L'heure de départ doit suivre l'heure d'arrivée."))

    def schedule_data(self) -> dict:
        interval = [self.arrival.data.strftime("%H:%M"), self.departure.data.strftime("%H:%M")]
        return {str(day): [list(interval)] for day in self.days.data}
