"""Billing forms (administrator's tariffs and settings, closing a month, a parent's certificate)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, DecimalField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.forms import FlaskForm, IntegerField, MonthField  # IntegerField: bounded to what the database holds


class FrenchDecimalField(DecimalField):
    """Accepts "8,50" as well as "8.50"."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace(",", ".").replace("\u00a0", "").strip()]
        super().process_formdata(valuelist)


RESIDENCY_CHOICES = [("1", _l("Habitants du Grand Cahors")), ("0", _l("Hors Grand Cahors"))]


class TariffForm(FlaskForm):
    resident = SelectField(_l("Familles concernées"), choices=RESIDENCY_CHOICES, default="1")
    qf_min = IntegerField(_l("Quotient familial à partir de"), validators=[InputRequired(), NumberRange(0)],
                          default=0)
    qf_max = IntegerField(_l("Quotient familial jusqu'à, inclus (vide : sans limite)"),
                          validators=[Optional(), NumberRange(0)])
    price = FrenchDecimalField(_l("Prix de l'unité (€)"), places=2, validators=[InputRequired(), NumberRange(0)])
    valid_from = DateField(_l("Valable à partir du"), validators=[InputRequired()])
    valid_until = DateField(_l("Valable jusqu'au, inclus (vide : sans fin)"), validators=[Optional()])


class EndTariffForm(FlaskForm):
    valid_until = DateField(_l("Dernier jour d'application"), validators=[InputRequired()])


class SettingsForm(FlaskForm):
    charge_late_cancellations = BooleanField(_l("Facturer les annulations hors délai"))
    late_cancellation_percent = IntegerField(_l("Part du prix facturée pour une annulation hors délai (%)"),
                                             validators=[InputRequired(), NumberRange(0, 100)], default=100)
    charge_unjustified_absences = BooleanField(_l("Facturer les absences non justifiées"))


class CloseMonthForm(FlaskForm):
    month = MonthField(_l("Mois à clôturer"), validators=[InputRequired(_l("Choisissez le mois à clôturer."))])


class CertificateForm(FlaskForm):
    certificate = FileField(_l("Certificat médical (PDF, PNG ou JPEG, 5 Mo au plus)"))


class RenewGridForm(FlaskForm):
    starts_on = DateField(_l("Nouvelle grille à partir du"), validators=[InputRequired()])
    increase_percent = FrenchDecimalField(_l("Hausse des prix (%)"), places=2, default=0,
                                          validators=[InputRequired(), NumberRange(-50, 100)])
