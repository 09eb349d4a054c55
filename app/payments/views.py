"""Payments pages: the family's invoices (list, one invoice, its PDF), the régie's invoices.
Thin: the services decide."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import clock, exports
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.errors import DomainError
from app.extensions import csrf
from app.forms import attempt, submit
from app.payments import gateway, online, pdf, services
from app.payments.forms import (
    DebitFileForm,
    DeskPaymentForm,
    MandateForm,
    PayForm,
    ReconciliationForm,
    RejectionsForm,
)
from app.payments.models import InvoiceStatus
from app.security import CSP
from app.urls import parse_id

bp = Blueprint("payments", __name__, url_prefix="/paiements")


def _with_pay_form(html: str) -> Response:
    """A page holding the pay form: its CSP lets the form lead to the payment service."""
    response = Response(html)
    origins = gateway.form_action_origins()
    if origins:
        response.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", "form-action 'self' " + " ".join(origins))
    return response


# ---------------------------------------------------------------- families

@bp.get("/factures")
@roles_required(Role.PARENT)
def invoices():
    items = services.household_invoices(current_user)
    return _with_pay_form(render_template("payments/index.html", invoices=items, payable=services.PAYABLE,
                                          form=PayForm(), online=gateway.enabled(),
                                          last_year=clock.today().year - 1))


@bp.get("/factures/<int:invoice_id>")
@roles_required(Role.PARENT, Role.ADMIN)
def invoice(invoice_id: int):
    item = services.get_invoice(current_user, invoice_id)
    return _invoice_page(item, DeskPaymentForm())


def _invoice_page(item, desk_form, status: int = 200):
    response = _with_pay_form(render_template(
        "payments/invoice.html", invoice=item, payable=services.PAYABLE,
        transactions=online.invoice_transactions(item), form=PayForm(), desk_form=desk_form,
        online=gateway.enabled()))
    response.status_code = status
    return response


@bp.post("/factures/<int:invoice_id>/paiement-guichet")
@roles_required(Role.ADMIN)
def desk_payment(invoice_id: int):
    form = DeskPaymentForm()
    if submit(form, lambda: services.record_desk_payment(current_user, invoice_id, form.amount.data,
                                                         form.method_value(), form.reference.data or ""),
              success=_("Paiement enregistré."), on_submit=False):
        return redirect(url_for("payments.invoice", invoice_id=invoice_id))
    return _invoice_page(services.get_invoice(current_user, invoice_id), form, 422)


@bp.get("/factures/<int:invoice_id>.pdf")
@roles_required(Role.PARENT, Role.ADMIN)
def invoice_pdf(invoice_id: int):
    item = services.get_invoice(current_user, invoice_id)
    response = Response(pdf.invoice_pdf(item), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="facture-{item.number}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/payer")
@roles_required(Role.PARENT)
def pay():
    if not PayForm().validate():
        flash(_("Le formulaire a expiré. Rechargez la page et recommencez."), "error")
        return redirect(url_for("payments.invoices"))
    ids = [parse_id(raw) for raw in request.form.getlist("invoice_ids")]
    started = attempt(lambda: online.start_payment(current_user, [i for i in ids if i is not None]))
    if not started:
        return redirect(url_for("payments.invoices"))
    _transaction, url = started.value
    return redirect(url, code=303)


@bp.get("/retour")
@roles_required(Role.PARENT)
def payment_return():
    transaction = online.returned_transaction(current_user, request.query_string.decode("latin-1"))
    return render_template("payments/return.html", transaction=transaction)


@bp.route("/notification", methods=["GET", "POST"])
@csrf.exempt
def notification():
    """The payment service's call (no session, no CSRF token: eopayment verifies it)."""
    # GET with a query string, or a form POST (already parsed by the request hooks: re-encoded).
    query = request.query_string.decode("latin-1") or urlencode(list(request.form.items(multi=True)))
    try:
        outcome = online.handle_notification(query)
    except DomainError:
        return Response("bad notification\n", status=400, mimetype="text/plain")
    status = 400 if outcome.result == "unsigned" else 200
    return Response(f"{outcome.result}\n", status=status, mimetype="text/plain")


@bp.get("/attestation-fiscale/<int:year>.pdf")
@roles_required(Role.PARENT)
def tax_certificate(year: int):
    from app.payments import tax

    if not 2000 <= year < clock.today().year:
        return redirect(url_for("payments.invoices"))
    made = attempt(lambda: tax.household_certificate(current_user, year))
    if not made:
        return redirect(url_for("payments.invoices"))
    certificate = made.value
    response = Response(pdf.render_pdf("payments/tax_certificate_pdf.html", certificate=certificate),
                        mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="attestation-frais-de-garde-{year}.pdf"'
    return response


@bp.route("/prelevement", methods=["GET", "POST"])
@roles_required(Role.PARENT)
def direct_debit():
    from app.payments import sepa

    form = MandateForm()
    status = 200
    if request.method == "POST":
        if submit(form, lambda: sepa.sign_mandate(current_user, form.holder_name.data, form.iban.data,
                                                  bool(form.accept.data)),
                  success=_("Mandat de prélèvement signé : vos prochaines factures seront prélevées."),
                  on_submit=False):
            return redirect(url_for("payments.direct_debit"))
        status = 422
    return render_template("payments/direct_debit.html", form=form, revoke_form=PayForm(),
                           mandates=sepa.household_mandates(current_user)), status


@bp.post("/prelevement/<int:mandate_id>/revoquer")
@roles_required(Role.PARENT)
def revoke_mandate(mandate_id: int):
    from app.payments import sepa

    if PayForm().validate():
        sepa.revoke_mandate(current_user, mandate_id)
        flash(_("Mandat révoqué : plus aucun prélèvement ne sera fait avec lui."), "success")
    return redirect(url_for("payments.direct_debit"))


# ---------------------------------------------------------------- the régie

@bp.get("/regie")
@roles_required(Role.ADMIN)
def regie():
    raw = request.args.get("etat") or ""
    status = next((s for s in InvoiceStatus if s.value == raw), None)
    items = services.regie_invoices(current_user, status)
    return render_template("payments/regie.html", invoices=items, status=status, statuses=list(InvoiceStatus),
                           totals=services.totals(items))


@bp.route("/regie/prelevements", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def debit_file():
    from app.payments import sepa

    form = DebitFileForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("payments/debit_file.html", form=form, rejections_form=RejectionsForm()), 422
        made = attempt(lambda: sepa.debit_file(current_user, form.collection_date.data), form=form)
        if made:
            xml, _invoices = made.value
            response = Response(xml, mimetype="application/xml")
            response.headers["Content-Disposition"] = (
                f'attachment; filename="prelevements-{form.collection_date.data:%Y-%m-%d}.xml"')
            return response
        return render_template("payments/debit_file.html", form=form, rejections_form=RejectionsForm()), 422
    return render_template("payments/debit_file.html", form=form, rejections_form=RejectionsForm())


@bp.post("/regie/prelevements/rejets")
@roles_required(Role.ADMIN)
def import_rejections():
    from app.payments import sepa

    form = RejectionsForm()
    imported = submit(form, lambda: sepa.import_rejections(current_user, form.report.data.read(2 * 1024 * 1024)),
                      success=lambda result: ngettext(
                          "%(num)d prélèvement rejeté enregistré ; la famille est prévenue.",
                          "%(num)d prélèvements rejetés enregistrés ; les familles sont prévenues.", len(result[0])),
                      on_submit=False)
    if imported:
        unknown = imported.value[1]
        if unknown:
            flash(_("Références inconnues : %(refs)s.", refs=", ".join(unknown)), "warning")
        return redirect(url_for("payments.debit_file"))
    return render_template("payments/debit_file.html", form=DebitFileForm(), rejections_form=form), 422


@bp.get("/regie/impayes", defaults={"fmt": None})
@bp.get("/regie/impayes.csv", defaults={"fmt": "csv"})
@bp.get("/regie/impayes.xlsx", defaults={"fmt": "xlsx"})
@roles_required(Role.ADMIN)
def unpaid(fmt: str | None):
    today = clock.today()
    items = services.unpaid_invoices(current_user, today)
    if fmt:
        return exports.respond([services.unpaid_table(items, today)], f"impayes-{today:%Y-%m-%d}", fmt)
    return render_template("payments/unpaid.html", invoices=items, today=today, totals=services.totals(items))


@bp.get("/regie/journal", defaults={"fmt": None})
@bp.get("/regie/journal.csv", defaults={"fmt": "csv"})
@bp.get("/regie/journal.xlsx", defaults={"fmt": "xlsx"})
@roles_required(Role.ADMIN)
def journal(fmt: str | None):
    from datetime import date

    try:
        day = date.fromisoformat(request.args.get("jour") or "")
    except ValueError:
        day = clock.today()
    items = services.day_journal(current_user, day)
    tables = services.journal_tables(items, day)
    if fmt:
        return exports.respond(tables, f"journal-regie-{day:%Y-%m-%d}", fmt, request.args.get("tableau"))
    return render_template("payments/journal.html", day=day, payments=items, totals=tables[1])


@bp.route("/regie/rapprochement", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reconciliation():
    """The bank's statement (camt) against the online payments and direct debits Pitchoun recorded."""
    from app.payments import reconciliation as recon

    form = ReconciliationForm()
    if request.method == "POST":
        outcome = submit(form, lambda: recon.reconcile(current_user, form.statement.data.read(recon.MAX_BYTES + 1)),
                         on_submit=False)
        if outcome:
            return render_template("payments/reconciliation.html", form=ReconciliationForm(), result=outcome.value)
        return render_template("payments/reconciliation.html", form=form, result=None), 422
    return render_template("payments/reconciliation.html", form=form, result=None)
