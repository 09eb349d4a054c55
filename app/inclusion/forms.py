from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, DecimalField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import IntegerField  # bounded to what the database holds

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
    referent = StringField(_l("Animateur ou animatrice référent(e)"), validators=[Optional(), Length(max=150)])
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


class StepsForm(FlaskForm):
    steps = TextAreaField(
        _l("Étapes, une par ligne : libellé ; durée maximale en heures (vide : sans limite) ; repas (oui/non)"),
        validators=[Optional(), Length(max=3000)])


class StepRecordForm(FlaskForm):
    outcome = RadioField(_l("Comment s'est passée l'étape ?"), choices=[
        ("validated", _l("Validée : on passe à l'étape suivante")),
        ("extended", _l("Prolongée : on refait cette étape"))], validators=[DataRequired(REQUIRED)])
    note = TextAreaField(_l("Observations"), validators=[Optional(), Length(max=2000)])


def parse_steps_text(text: str) -> list[dict]:
    steps = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split(";")]
        if not parts or not parts[0]:
            continue
        steps.append({"label": parts[0], "max_unit_hours": parts[1] if len(parts) > 1 else "",
                      "meal_allowed": len(parts) > 2 and parts[2].lower() in ("oui", "yes", "o", "1")})
    return steps


def steps_text(steps) -> str:
    lines = []
    for s in steps:
        hours = "" if s.max_unit_hours is None else f"{s.max_unit_hours.normalize():f}"
        lines.append(f"{s.label} ; {hours} ; {'oui' if s.meal_allowed else 'non'}")
    return "\n".join(lines)
