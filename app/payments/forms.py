"""Payments forms: the pay button (CSRF only), a payment at the régie's desk."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.billing.forms import FrenchDecimalField
from app.forms import FlaskForm
from app.payments.models import PaymentMethod


class PayForm(FlaskForm):
    """The pay form: the chosen invoices come as `invoice_ids` (checkboxes or one hidden field)."""


def _method_choices():
    from app.payments.services import DESK_METHODS, METHOD_LABELS

    return [(m.value, METHOD_LABELS[m]) for m in DESK_METHODS]


class DeskPaymentForm(FlaskForm):
    amount = FrenchDecimalField(_l("Montant reçu (€)"), places=2,
                                validators=[InputRequired(_l("Saisissez le montant reçu.")), NumberRange(0.01)])
    method = SelectField(_l("Moyen de paiement"), choices=_method_choices, validators=[InputRequired()])
    reference = StringField(_l("Référence (numéro de chèque, de titre CESU ou ANCV)"),
                            validators=[Optional(), Length(max=120)])

    def method_value(self) -> PaymentMethod:
        return PaymentMethod(self.method.data)


class MandateForm(FlaskForm):
    from wtforms import BooleanField as _Bool

    holder_name = StringField(_l("Titulaire du compte"), validators=[InputRequired(_l("Indiquez le titulaire.")),
                                                                      Length(max=140)])
    iban = StringField(_l("IBAN"), validators=[InputRequired(_l("Indiquez l'IBAN.")), Length(max=50)])
    accept = _Bool(_l("J'autorise la régie des services familles du Grand Cahors à envoyer des instructions à ma "
                      "banque pour débiter mon compte du montant de mes factures, et ma banque à le débiter."))


class DebitFileForm(FlaskForm):
    from wtforms import DateField as _Date

    collection_date = _Date(_l("Date de prélèvement"), validators=[InputRequired(_l("Choisissez une date."))])


class RejectionsForm(FlaskForm):
    from flask_wtf.file import FileField as _File
    from flask_wtf.file import FileRequired as _Required

    report = _File(_l("Rapport de la banque (pain.002, XML)"), validators=[_Required(_l("Choisissez le fichier."))])


class ReconciliationForm(FlaskForm):
    from flask_wtf.file import FileField as _File
    from flask_wtf.file import FileRequired as _Required

    statement = _File(_l("Relevé de la banque ou du Trésor (camt.054 ou camt.053, XML)"),
                      validators=[_Required(_l("Choisissez le relevé."))])
