from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.forms import FlaskForm, IntegerField  # IntegerField: bounded to what the database holds

REQUIRED = _l("Ce champ est obligatoire.")


def _text(label):
    return TextAreaField(label, validators=[Optional(), Length(max=4000)])


class NeedsForm(FlaskForm):
    needs_particular_care = RadioField(
        _l("Votre enfant a-t-il besoin d'une attention particulière ?"),
        choices=[("yes", _l("Oui")), ("no", _l("Non"))], default="no", validators=[DataRequired(REQUIRED)])
    has_pai = BooleanField(_l("Un projet d'accueil individualisé (PAI) existe déjà"))
    allergies = _text(_l("Allergies"))
    diet = _text(_l("Régime alimentaire"))
    medication = _text(_l("Médicaments à donner pendant l'accueil"))
    emergency_protocol = _text(_l("Que faire en cas d'urgence"))
    has_aeeh = BooleanField(_l("Notre famille perçoit l'AEEH (allocation d'éducation de l'enfant handicapé)"))
    disability_nature = _text(_l("Nature du handicap (facultatif : seulement si vous souhaitez la partager)"))
    rhythm = _text(_l("Rythme (repos, fatigue, horaires)"))
    communication = _text(_l("Communication (comment votre enfant s'exprime, ce qu'il comprend)"))
    what_helps = _text(_l("Ce qui aide votre enfant"))
    to_avoid = _text(_l("Ce qu'il faut éviter"))


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Type de document"), choices=[("pai", _l("PAI")), ("prescription", _l("Ordonnance")),
                                                       ("other", _l("Autre document utile"))])
    document = FileField(_l("Fichier (PDF, PNG ou JPEG)"), validators=[FileRequired(_l("Choisissez un fichier."))])


class MeetingForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Date et heure (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(REQUIRED)])
    duration = IntegerField(_l("Durée en minutes"), default=60, validators=[DataRequired(REQUIRED),
                                                                             NumberRange(15, 240)])
    location = StringField(_l("Lieu"), validators=[Optional(), Length(max=300)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Raison"), validators=[DataRequired(REQUIRED), Length(min=5, max=2000)])


class PlanForm(FlaskForm):
    first_meeting_on = DateField(_l("Date de la première rencontre (parents, direction, enfant)"),
                                 validators=[Optional()])
    first_meeting_notes = _text(_l("Ce qui a été dit lors de la rencontre"))
    professionals = _text(_l("Professionnels qui suivent l'enfant"))
    professionals_consent = BooleanField(_l("La famille accepte que ces professionnels figurent au projet"))
    referent = StringField(_l("Référent ou référente dans l'équipe d'animation"), validators=[Optional(), Length(max=150)])
    extra_staff = IntegerField(_l("Renfort : animateurs en plus par séance"), default=0,
                               validators=[Optional(), NumberRange(0, 5)])
    extra_staff_hours = DecimalField(_l("Renfort : heures par séance"), default=0, places=2,
                                     validators=[Optional(), NumberRange(0, 12)])
    adapt_rhythm = _text(_l("Adaptations : rythme"))
    adapt_meals = _text(_l("Adaptations : repas et régime"))
    adapt_rest = _text(_l("Adaptations : repos"))
    adapt_materials = _text(_l("Adaptations : matériel"))
    adapt_outings = _text(_l("Adaptations : sorties"))
    adapt_transport = _text(_l("Adaptations : transport"))
    emergency_protocol = _text(_l("Protocole d'urgence"))
    medication = _text(_l("Médicaments"))
    goals = _text(_l("Objectifs"))
    review_on = DateField(_l("Date du prochain bilan"), validators=[Optional()])


class StepRowForm(FlaskForm):
    """One step in the steps editor (a row of the table; an empty label drops the row). A FlaskForm for
    its French error messages (a plain wtforms Form inside a FieldList speaks English)."""

    class Meta:
        csrf = False  # the editor's form carries the token

    # Not "label": a FormField row already has a .label attribute.
    title = StringField(_l("Étape"), validators=[Length(max=150)])
    arrival = TimeField(_l("Arrivée"), validators=[Optional()])
    pickup = TimeField(_l("Départ"), validators=[Optional()])
    with_parent = BooleanField(_l("Avec un parent"))
    with_meal = BooleanField(_l("Avec le repas"))

    def validate_title(self, field):
        if not (field.data or "").strip() and (self.arrival.data or self.pickup.data):
            raise ValidationError(_l("Donnez un libellé à cette étape, ou effacez ses heures."))

    def validate_pickup(self, field):
        if field.data and self.arrival.data and field.data <= self.arrival.data:
            raise ValidationError(_l("L'heure de départ doit suivre l'heure d'arrivée."))


class StepsForm(FlaskForm):
    steps = FieldList(FormField(StepRowForm), min_entries=0, max_entries=12)


def steps_form(steps, blank: int = 2) -> StepsForm:
    """The editor filled with these steps (template rows or a child's planned steps), plus blank rows."""
    form = StepsForm()
    if not form.is_submitted():
        for s in steps:
            form.steps.append_entry({"title": s.label, "arrival": s.arrival, "pickup": s.pickup,
                                     "with_parent": s.with_parent, "with_meal": s.with_meal})
        for _i in range(min(blank, 12 - len(form.steps))):
            form.steps.append_entry()
    return form


def steps_data(form: StepsForm) -> list[dict]:
    return [{**row.data, "label": row.data["title"]} for row in form.steps]


class StepEditForm(FlaskForm):
    """The director changes one step of a child: its day, its hours, the parent, the meal, or skips it."""

    day = SelectField(_l("Jour"), validators=[Optional()])
    arrival = TimeField(_l("Arrivée"), validators=[Optional()])
    pickup = TimeField(_l("Départ"), validators=[Optional()])
    with_parent = BooleanField(_l("Un parent reste avec l'enfant"))
    with_meal = BooleanField(_l("L'enfant prend le repas"))
    skipped = BooleanField(_l("Passer cette étape"))


class StepRecordForm(FlaskForm):
    outcome = RadioField(_l("Comment s'est passée l'étape ?"), choices=[
        ("validated", _l("Validée : on passe à l'étape suivante")),
        ("extended", _l("Prolongée : on refait cette étape"))], validators=[DataRequired(REQUIRED)])
    note = TextAreaField(_l("Observations"), validators=[Optional(), Length(max=2000)])


class HealthFormForm(FlaskForm):
    """The fiche sanitaire de liaison (Cerfa 10008); vaccine_<code> date fields are added below."""

    vaccination_exemption = TextAreaField(
        _l("Contre-indication médicale à une vaccination (avec le certificat du médecin)"),
        validators=[Optional(), Length(max=2000)])
    doctor_name = StringField(_l("Nom du médecin traitant"), validators=[Optional(), Length(max=150)])
    doctor_phone = StringField(_l("Téléphone du médecin traitant"), validators=[Optional(), Length(max=30)])
    asthma = BooleanField(_l("Asthme"))
    food_allergies = _text(_l("Allergies alimentaires"))
    drug_allergies = _text(_l("Allergies médicamenteuses"))
    other_allergies = _text(_l("Autres allergies (pollens, piqûres d'insectes, animaux…)"))
    severe_allergy = BooleanField(_l("Allergie sévère (risque de choc anaphylactique, trousse d'urgence)"))
    allergy_conduct = _text(_l("Cause de l'allergie, signes et conduite à tenir"))
    treatments = _text(_l("Traitement médical pendant l'accueil (joindre l'ordonnance ; médicaments dans leur "
                          "emballage d'origine, au nom de l'enfant)"))
    past_illnesses = _text(_l("Maladies, accidents, hospitalisations, opérations (avec les dates)"))
    other_information = _text(_l("Autres recommandations (lunettes, appareil dentaire ou auditif, énurésie…)"))
    has_pai = BooleanField(_l("Un projet d'accueil individualisé (PAI) existe"))
    emergency_care_authorised = BooleanField(
        _l("J'autorise le responsable de l'accueil à prendre, le cas échéant, toutes mesures (traitement médical, "
           "hospitalisation, intervention chirurgicale) rendues nécessaires par l'état de l'enfant"))
    authorisation_signed_by = StringField(_l("Nom du responsable légal qui signe"),
                                          validators=[Optional(), Length(max=200)])


def _add_vaccine_fields():
    from app.inclusion.health import VACCINES

    for code, label in VACCINES:
        setattr(HealthFormForm, f"vaccine_{code}",
                DateField(label, validators=[Optional()]))


_add_vaccine_fields()
