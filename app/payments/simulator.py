"""A simulated payment page for eopayment's `dummy` backend: development, demo and tests only.

Registered only when PAYMENT_SIMULATOR is on (never in production). It plays the payment service:
shows the amount, lets the person pay, refuse or abandon, then, like the real service, calls the
notification address back (a server-side HTTP request, signed the dummy way) and sends the
browser to the return address. It asks for no card number: no card data exists anywhere here.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request
from flask_wtf import FlaskForm

bp = Blueprint("payments_simulator", __name__, url_prefix="/paiements/simulateur")

FIELDS = ("transaction_id", "amount", "return_url", "direct_notification_url", "origin", "orderid", "subject")


def _ours(url: str) -> bool:
    """Only the application's own addresses: the simulator never redirects or calls elsewhere."""
    return bool(url) and url.startswith(request.host_url)


def _params(source) -> dict:
    params = {name: (source.get(name) or "")[:500] for name in FIELDS}
    if not params["transaction_id"] or not _ours(params["return_url"]) or not _ours(
            params["direct_notification_url"]):
        abort(400)
    try:
        params["amount_value"] = Decimal(params["amount"])
    except InvalidOperation:
        abort(400)
    return params


def call_back(url: str, query: dict) -> int:
    """The service's server-to-server notification (replaced in tests without a live server)."""
    import requests

    response = requests.get(url + "?" + urlencode(query), timeout=30)
    return response.status_code


@bp.get("/")
def page():
    return render_template("payments/simulator.html", params=_params(request.args), form=FlaskForm())


@bp.post("/")
def choose():
    form = FlaskForm()
    if not form.validate():
        abort(400)
    params = _params(request.form)
    choice = request.form.get("choice")
    transaction = params["transaction_id"]
    # The simulator stands for another server: it holds no transaction of ours while the
    # notification runs (on SQLite this request's transaction would hold the write lock).
    from app.extensions import db

    db.session.rollback()
    if choice == "pay":
        call_back(params["direct_notification_url"], {"transaction_id": transaction, "signed": "1", "ok": "1"})
    elif choice == "refuse":
        call_back(params["direct_notification_url"],
                  {"transaction_id": transaction, "signed": "1", "reason": "refused"})
    elif choice != "abandon":
        abort(400)
    # The browser's return: unsigned, it only names the transaction (the notification decided).
    return redirect(params["return_url"] + "?" + urlencode({"transaction_id": transaction}), code=303)
