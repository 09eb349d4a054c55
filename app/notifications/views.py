"""Notification preferences (everyone) and failed e-mails (administrator)."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.accounts.access import roles_required
from app.accounts.models import Role
from app.errors import DomainError
from app.notifications import services
from app.notifications.forms import field_name, preferences_form
from app.notifications.kinds import group_label
from app.notifications.links import public_url
from app.notifications.models import OutboxStatus

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global("public_url")
def _public_url(endpoint_or_path: str, **values) -> str:
    return public_url(endpoint_or_path, **values)


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    choices = services.preference_choices(current_user)
    kinds = [c.kind for c in choices]
    form = preferences_form(kinds, {c.kind.kind: c.receives for c in choices})
    if form.validate_on_submit():
        received = [k.kind for k in kinds if not k.essential and form[field_name(k.kind)].data]
        services.set_preferences(current_user, received)
        flash(_("Vos préférences de notifications sont enregistrées."), "success")
        return redirect(url_for("notifications.preferences"))
    groups = [(group_label(prefix), list(items)) for prefix, items in groupby(choices, key=lambda c: c.kind.group)]
    return render_template("notifications/preferences.html", form=form, groups=groups, field_name=field_name)


@bp.get("/admin/echecs")
@roles_required(Role.ADMIN)
def admin_failures():
    messages = services.failed_messages(current_user)
    return render_template("notifications/failures.html", messages=messages, counts=services.outbox_counts(),
                           statuses=OutboxStatus)


@bp.post("/admin/echecs/<int:message_id>/reessayer")
@roles_required(Role.ADMIN)
def admin_retry(message_id: int):
    try:
        message = services.retry_failed_message(current_user, message_id)
    except DomainError as error:
        if error.http_status == 409:
            flash(error.message, "warning")
            return redirect(url_for("notifications.admin_failures"))
        raise
    flash(_("Le message à %(address)s est remis en file d'envoi.", address=message.to_address), "success")
    return redirect(url_for("notifications.admin_failures"))


@bp.post("/admin/echecs/reessayer-tout")
@roles_required(Role.ADMIN)
def admin_retry_all():
    count = services.retry_all_failed_messages(current_user)
    flash(ngettext("%(num)d message remis en file d'envoi.", "%(num)d messages remis en file d'envoi.", count), "success")
    return redirect(url_for("notifications.admin_failures"))
