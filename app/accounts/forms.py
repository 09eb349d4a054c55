from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.forms import FlaskForm, MultiCheckboxField

REQUIRED = _l("Ce champ est obligatoire.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), Length(max=256)])
    next = HiddenField()


class RegistrationForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Adresse e-mail"), validators=[
        DataRequired(REQUIRED), Length(max=254),
        Email(_l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), check_deliverability=False)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), Length(max=256)])
    password_confirm = PasswordField(_l("Confirmez le mot de passe"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))])


class SignInLinkForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])


class ConfirmForm(FlaskForm):
    """A button only (CSRF): links opened from an e-mail act on POST, not on GET."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(REQUIRED), Length(max=256)])
    password_confirm = PasswordField(_l("Confirmez le mot de passe"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired(REQUIRED), Length(max=256)])
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(REQUIRED), Length(max=256)])
    password_confirm = PasswordField(_l("Confirmez le nouveau mot de passe"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))])


class StaffAccountForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("Adresse e-mail"), validators=[
        DataRequired(REQUIRED), Length(max=254),
        Email(_l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), check_deliverability=False)])
    role = SelectField(_l("Rôle"), validators=[DataRequired(REQUIRED)])
    site_ids = MultiCheckboxField(_l("Accueils de loisirs"))
    relais_ids = MultiCheckboxField(_l("Relais Petite Enfance"))
    password = PasswordField(_l("Mot de passe initial"), validators=[DataRequired(REQUIRED), Length(max=256)])


class AccountEditForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    role = SelectField(_l("Rôle"), validators=[DataRequired(REQUIRED)])
    site_ids = MultiCheckboxField(_l("Accueils de loisirs"))
    relais_ids = MultiCheckboxField(_l("Relais Petite Enfance"))
