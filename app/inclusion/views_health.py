"""The fiche sanitaire de liaison: the guardian's form (phone-friendly) and the staff's read view."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import submit
from app.inclusion import health
from app.inclusion.forms import HealthFormForm
from app.inclusion.views import bp


def _fill(form: HealthFormForm, view: health.HealthView) -> None:
    from datetime import date

    saved = view.form
    form.has_pai.data = view.has_pai
    if saved is None:
        form.authorisation_signed_by.data = current_user.display_name
        return
    for code in health.VACCINE_CODES:
        value = (saved.vaccinations or {}).get(code)
        form[f"vaccine_{code}"].data = date.fromisoformat(value) if value else None
    for name in health.TEXT_FIELDS + health.FLAG_FIELDS + ("emergency_care_authorised",):
        form[name].data = getattr(saved, name)
    form.authorisation_signed_by.data = saved.authorisation_signed_by or current_user.display_name


@bp.route("/enfants/<int:child_id>/fiche-sanitaire", methods=["GET", "POST"])
@login_required
def health_form(child_id: int):
    """Guardians fill in the form; the staff allowed to read it see the read view."""
    user = current_user._get_current_object()
    if request.method == "POST":
        health.require_guardian(user, child_id)  # the staff read, never write: 404
    view = health.read_health_form(user, child_id)
    if not view.editable:
        return render_template("inclusion/health_view.html", view=view, vaccines=health.VACCINES)
    form = HealthFormForm()
    if form.is_submitted():
        if submit(form, lambda: health.save_health_form(
                user, child_id,
                vaccinations={code: form[f"vaccine_{code}"].data for code in health.VACCINE_CODES},
                has_pai=form.has_pai.data, emergency_care_authorised=form.emergency_care_authorised.data,
                authorisation_signed_by=form.authorisation_signed_by.data or "",
                **{name: form[name].data for name in health.TEXT_FIELDS + health.FLAG_FIELDS}),
                success=_("La fiche sanitaire est enregistrée."), on_submit=False):
            return redirect(url_for("inclusion.health_form", child_id=child_id))
        status = 422
    else:
        _fill(form, view)
        status = 200
    return render_template("inclusion/health_form.html", view=view, form=form, vaccines=health.VACCINES), status
