"""Desk mode forms. Every action form carries the family's consent (a box and who agreed)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, HiddenField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.families.forms import BENEFIT_SCHEME_LABELS, REQUIRED, SCHOOL_LEVEL_LABELS, CommuneChoiceMixin
from app.forms import FlaskForm, IdField


class _ConsentMixin:
    consent_given_by = StringField(_l("Personne de la famille qui donne son accord"),
                                   validators=[DataRequired(REQUIRED), Length(max=150)])
    consent = BooleanField(_l("J'ai lu à la famille ce qui va être fait, et elle est d'accord"))


class StartForm(FlaskForm):
    desk = SelectField(_l("Accueil où vous recevez la famille"), validators=[DataRequired(REQUIRED)])
    household_id = IdField()


class NewHouseholdForm(_ConsentMixin, CommuneChoiceMixin, FlaskForm):
    desk = SelectField(_l("Accueil où vous recevez la famille"), validators=[DataRequired(REQUIRED)])
    first_name = StringField(_l("Prénom du parent"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Nom du parent"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Adresse e-mail du parent (facultative)"), validators=[Optional(), Length(max=254)])
    phone = TelField(_l("Téléphone du parent (facultatif)"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Adresse"), validators=[DataRequired(REQUIRED), Length(max=300)])
    commune_insee = SelectField(_l("Commune de résidence"), validators=[DataRequired(
        _l("Choisissez la commune dans la liste, ou « Hors agglomération »."))])
    benefit_scheme = SelectField(_l("Régime de prestations familiales"),
                                 choices=[(k.value, v) for k, v in BENEFIT_SCHEME_LABELS.items()],
                                 validators=[DataRequired(REQUIRED)])


class DeskChildForm(_ConsentMixin, FlaskForm):
    first_name = StringField(_l("Prénom de l'enfant"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Nom de famille de l'enfant"), validators=[DataRequired(REQUIRED), Length(max=100)])
    birth_date = DateField(_l("Date de naissance"), validators=[InputRequired(REQUIRED)])
    school_level = SelectField(_l("Classe à la rentrée en cours"),
                               choices=[(k.value, v) for k, v in SCHOOL_LEVEL_LABELS.items()])


class DeskBookForm(_ConsentMixin, FlaskForm):
    child_id = SelectField(_l("Enfant"), validators=[DataRequired(REQUIRED)])
    submission_key = HiddenField()


class DeskCancelForm(_ConsentMixin, FlaskForm):
    pass


class EndForm(FlaskForm):
    """A button only (CSRF)."""
