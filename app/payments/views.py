"""Payments pages: the family's invoices (list, one invoice, its PDF), the régie's invoices.
Thin: the services decide."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.models import Role
from app.accounts.permissions import roles_required
from app.navigation import register_nav
from app.payments import pdf, services
from app.payments.models import InvoiceStatus

bp = Blueprint("payments", __name__, url_prefix="/paiements")

register_nav(_l("Payer mes factures"), "payments.invoices", [Role.PARENT], order=23)
register_nav(_l("Régie"), "payments.regie", [Role.ADMIN], order=62)


# ---------------------------------------------------------------- families

@bp.get("/factures")
@roles_required(Role.PARENT)
def invoices():
    items = services.household_invoices(current_user)
    return render_template("payments/index.html", invoices=items, payable=services.PAYABLE)


@bp.get("/factures/<int:invoice_id>")
@roles_required(Role.PARENT, Role.ADMIN)
def invoice(invoice_id: int):
    item = services.get_invoice(current_user, invoice_id)
    return render_template("payments/invoice.html", invoice=item, payable=services.PAYABLE)


@bp.get("/factures/<int:invoice_id>.pdf")
@roles_required(Role.PARENT, Role.ADMIN)
def invoice_pdf(invoice_id: int):
    item = services.get_invoice(current_user, invoice_id)
    response = Response(pdf.invoice_pdf(item), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="facture-{item.number}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- the régie

@bp.get("/regie")
@roles_required(Role.ADMIN)
def regie():
    raw = request.args.get("etat") or ""
    status = next((s for s in InvoiceStatus if s.value == raw), None)
    items = services.regie_invoices(current_user, status)
    return render_template("payments/regie.html", invoices=items, status=status, statuses=list(InvoiceStatus),
                           totals=services.totals(items))
