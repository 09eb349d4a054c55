"""Forms of the "Mon foyer" pages. The rules themselves live in the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.families.models import BenefitScheme, ProofKind, SchoolLevel
from app.forms import FlaskForm, IntegerField  # IntegerField: bounded to what the database holds

REQUIRED = _l("Ce champ est obligatoire.")
OUTSIDE = "hors"  # the choice "outside the agglomeration" (NULL commune)

SCHOOL_LEVEL_LABELS = {
    SchoolLevel.NONE: _l("Pas encore à l'école"),
    SchoolLevel.PS: _l("Petite section de maternelle"),
    SchoolLevel.MS: _l("Moyenne section de maternelle"),
    SchoolLevel.GS: _l("Grande section de maternelle"),
    SchoolLevel.CP: _l("CP"),
    SchoolLevel.CE1: _l("CE1"),
    SchoolLevel.CE2: _l("CE2"),
    SchoolLevel.CM1: _l("CM1"),
    SchoolLevel.CM2: _l("CM2"),
    SchoolLevel.COLLEGE: _l("Collège"),
}

BENEFIT_SCHEME_LABELS = {
    BenefitScheme.CAF_GENERAL: _l("CAF (régime général)"),
    BenefitScheme.MSA: _l("MSA (régime agricole)"),
    BenefitScheme.OTHER: _l("Autre régime ou aucun"),
}


class CommuneChoiceMixin:
    """A form whose `commune_insee` lists the agglomeration's communes and « outside » (a NULL commune)."""

    commune_insee: SelectField

    def set_commune_choices(self, communes) -> None:
        self.commune_insee.choices = ([("", _l("Choisissez une commune"))]
                                      + [(c.insee, c.name) for c in communes]
                                      + [(OUTSIDE, _l("Hors agglomération du Grand Cahors"))])

    def commune_value(self) -> str | None:
        return None if self.commune_insee.data == OUTSIDE else self.commune_insee.data


class HouseholdForm(CommuneChoiceMixin, FlaskForm):
    name = StringField(_l("Nom du foyer"), validators=[Optional(), Length(max=150)])
    address = StringField(_l("Adresse"), validators=[DataRequired(REQUIRED), Length(max=300)])
    commune_insee = SelectField(_l("Commune de résidence"), validators=[DataRequired(
        _l("Choisissez votre commune dans la liste, ou « Hors agglomération »."))])
    family_quotient = IntegerField(_l("Quotient familial"), validators=[
        Optional(), NumberRange(min=0, max=9999, message=_l("Le quotient familial est un nombre entier entre 0 et 9999."))])
    family_quotient_valid_until = DateField(_l("Quotient familial valable jusqu'au"), validators=[Optional()])
    benefit_scheme = SelectField(_l("Régime de prestations familiales"),
                                 choices=[(k.value, v) for k, v in BENEFIT_SCHEME_LABELS.items()],
                                 validators=[DataRequired(REQUIRED)])
    proof_kind = SelectField(_l("Type de justificatif"), choices=[
        (ProofKind.CAF_CERTIFICATE.value, _l("Attestation de quotient familial (CAF ou MSA)")),
        (ProofKind.TAX_NOTICE.value, _l("Avis d'imposition"))], validators=[Optional()])
    proof = FileField(_l("Justificatif (PDF, PNG ou JPEG, 5 Mo au plus)"))
    guardian_relationship = StringField(_l("Votre lien avec les enfants"), validators=[Optional(), Length(max=50)])
    guardian_works = BooleanField(_l("J'exerce une activité professionnelle ou je suis en formation"))



class ChildForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Nom de famille"), validators=[DataRequired(REQUIRED), Length(max=100)])
    birth_date = DateField(_l("Date de naissance"), validators=[InputRequired(REQUIRED)])
    school_level = SelectField(_l("Classe à la rentrée en cours"),
                               choices=[(k.value, v) for k, v in SCHOOL_LEVEL_LABELS.items()])
    school_name = StringField(_l("École"), validators=[Optional(), Length(max=150)])
    consent_image = BooleanField(_l("J'autorise les photos et vidéos de mon enfant pendant les activités "
                                    "(droit à l'image)"))
    consent_outings = BooleanField(_l("J'autorise mon enfant à participer aux sorties hors de l'accueil"))
    needs_particular_care = BooleanField(_l("Mon enfant a besoin d'une attention particulière"))


class PersonForm(FlaskForm):
    full_name = StringField(_l("Prénom et nom"), validators=[DataRequired(REQUIRED), Length(max=150)])
    relationship_to_children = StringField(_l("Lien avec les enfants"), validators=[Optional(), Length(max=80)])
    phone = TelField(_l("Téléphone"), validators=[DataRequired(REQUIRED), Length(max=30)])


class InvitationForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail de l'autre parent"), validators=[Optional(), Length(max=254)])


class JoinForm(FlaskForm):
    code = StringField(_l("Code ou lien d'invitation"), validators=[DataRequired(REQUIRED), Length(max=500)])
    relationship_to_children = StringField(_l("Votre lien avec les enfants"), validators=[Optional(), Length(max=50)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for removals and other one-button actions."""


class JoinConfirmForm(FlaskForm):
    """Accepting an invitation opened from its link (the token is in the URL)."""

    relationship_to_children = StringField(_l("Votre lien avec les enfants"), validators=[Optional(), Length(max=50)])


class RefuseDeclarationForm(FlaskForm):
    reason = TextAreaField(_l("Motif du refus, lu par la famille"), validators=[
        DataRequired(_l("Indiquez à la famille pourquoi la déclaration est refusée.")), Length(max=1000)])
