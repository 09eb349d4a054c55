"""Workshops (ateliers d'éveil), their iCalendar feed, and the public salary simulator."""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import can, roles_required
from app.accounts.models import Role
from app.errors import DomainError
from app.forms import attempt, submit
from app.notifications import ical
from app.ram import access as perm
from app.ram import salary, services, workshops
from app.ram.forms import SalaryForm, WorkshopForm, WorkshopRegistrationForm
from app.ram.views import STAFF, bp
from app.urls import id_arg


def _my_childminder_id():
    if not perm.has_childminder_profile(current_user):
        return None
    try:
        return services.childminder_of(current_user._get_current_object()).id
    except DomainError:
        return None


@bp.get("/ateliers", endpoint="workshops")
@roles_required(Role.CHILDMINDER, *STAFF)
def workshops_list():
    relais_id = id_arg("relais")
    return render_template("ram/workshops.html", workshops=workshops.list_workshops(relais_id=relais_id),
                           relais=services.list_relais(), relais_id=relais_id, me=_my_childminder_id(),
                           can_create=can(current_user, perm.Action.MANAGE_WORKSHOP, None))


@bp.route("/ateliers/nouveau", methods=["GET", "POST"])
@roles_required(*STAFF)
def workshop_new():
    user = current_user._get_current_object()
    form = WorkshopForm()
    form.relais_id.choices = [(r.id, r.name) for r in services.staff_relais(user)]
    created = submit(form, lambda: workshops.create_workshop(
        user, relais_id=form.relais_id.data, theme=form.theme.data, day=form.day.data,
        start_time=form.start_time.data, end_time=form.end_time.data, place=form.place.data,
        capacity=form.capacity.data, description=form.description.data or ""), success=_("L'atelier est créé."))
    if created:
        return redirect(url_for("ram.workshop", workshop_id=created.value.id))
    return render_template("ram/workshop_form.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.get("/ateliers/<int:workshop_id>")
@roles_required(Role.CHILDMINDER, *STAFF)
def workshop(workshop_id: int):
    item = workshops.get_workshop(workshop_id)
    me = _my_childminder_id()
    mine = next((r for r in item.registrations if me and r.childminder_id == me), None)
    return render_template("ram/workshop.html", workshop=item, mine=mine, me=me,
                           manage=can(current_user, perm.Action.MANAGE_WORKSHOP, item.relais_id),
                           form=WorkshopRegistrationForm(formdata=None))


@bp.post("/ateliers/<int:workshop_id>/inscription")
@roles_required(Role.CHILDMINDER)
def workshop_register(workshop_id: int):
    form = WorkshopRegistrationForm()
    if form.validate_on_submit():
        attempt(lambda: workshops.register(current_user._get_current_object(), workshop_id, form.children()),
                success=_("Vous êtes inscrite à l'atelier."))
    else:
        flash(_("L'inscription n'a pas pu être enregistrée."), "error")
    return redirect(url_for("ram.workshop", workshop_id=workshop_id))


@bp.post("/ateliers/<int:workshop_id>/desinscription")
@roles_required(Role.CHILDMINDER)
def workshop_unregister(workshop_id: int):
    workshops.cancel_registration(current_user._get_current_object(), workshop_id)
    flash(_("Votre inscription est annulée."), "success")
    return redirect(url_for("ram.workshop", workshop_id=workshop_id))


@bp.get("/<int:relais_id>/ateliers.ics")
def workshop_ical(relais_id: int):
    """Public: calendar applications cannot log in, and the feed holds no personal data."""
    return ical.ics_response(workshops.ical_feed(relais_id), f"ateliers-relais-{relais_id}.ics")


@bp.get("/simulateur-salaire", endpoint="salary")
def salary_page():
    form = SalaryForm(request.args)
    result = None
    error = None
    if request.args:
        simulated = submit(form, lambda: salary.simulate(
            hourly_rate=form.hourly_rate.data, hours_per_week=form.hours_per_week.data,
            full_year=form.year_kind.data == "full", weeks=form.weeks.data,
            days_per_week=form.days_per_week.data, hours_per_day=form.hours_per_day.data,
            maintenance_per_day=form.maintenance_per_day.data or Decimal("0"),
            meal_per_day=form.meal_per_day.data or Decimal("0")), on_submit=False)
        result, error = simulated.value, simulated.error
    status = 422 if (request.args and (form.errors or form.form_errors)) else 200
    return render_template("ram/salary.html", form=form, result=result, error=error,
                           minimum_rate=salary.MIN_HOURLY_RATE.value(),
                           minimum_9h=salary.MIN_MAINTENANCE_PER_9H.value(),
                           raised_from=salary.RAISED_HOURS_FROM.value()), status

