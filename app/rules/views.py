"""The administrators' page "Règles et paramètres": thin adapters onto app.rules.services."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.errors import ValidationFailed
from app.rules import services

bp = Blueprint("rules_admin", __name__, url_prefix="/administration/regles")


def _page(errors: dict | None = None, status: int = 200):
    from flask_wtf.csrf import generate_csrf

    return render_template("rules/index.html", rules=services.overview(current_user), today=clock.today(),
                           errors=errors or {}, csrf=generate_csrf()), status


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return _page()


@bp.post("/<key>")
@roles_required(Role.ADMIN)
def record(key: str):
    from datetime import date

    raw_day = request.form.get("valid_from", "").strip()
    try:
        valid_from = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        return _page({"key": key, "field": "valid_from", "message": _("Date non valide."),
                      "form": request.form}, 422)
    try:
        services.record(current_user, key, request.form.get("value", ""), valid_from, request.form.get("note", ""))
    except ValidationFailed as error:
        return _page({"key": key, "field": error.field or "value", "message": error.message,
                      "form": request.form}, 422)
    flash(_("Nouvelle valeur enregistrée à partir du %(day)s.", day=valid_from.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("rules_admin.index") + "#rule-" + key.replace(".", "-").replace("_", "-"))
