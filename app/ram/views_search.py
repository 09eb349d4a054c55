"""A childminder's accepted days and hours and absences; the families' search of childminders."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.access import roles_required
from app.accounts.models import Role
from app.forms import submit
from app.ram import availability as av
from app.ram import hours, services
from app.ram import schedule as sch
from app.ram import search as search_services
from app.ram.forms import AbsenceForm, AcceptedHoursForm, SearchForm
from app.ram.views import STAFF, bp, commune_choices


def _hours_page(childminder, status: int = 200, hours_form=None, absence_form=None):
    if hours_form is None:
        hours_form = AcceptedHoursForm(formdata=None)
        hours_form.fill_schedule(childminder.accepted_schedule)
    today = services.today_local()
    return render_template(
        "ram/hours.html", childminder=childminder, form=hours_form,
        absence_form=absence_form or AbsenceForm(formdata=None), absences=hours.current_absences(childminder, today),
        declared=sch.schedule_text(childminder.accepted_schedule) if childminder.accepted_schedule else "",
        places=av.full_time_places(services.profile_of(childminder), today), today=today), status


@bp.route("/assistantes-maternelles/<int:childminder_id>/horaires", methods=["GET", "POST"])
@login_required
def childminder_hours(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    if request.method == "GET":
        return _hours_page(childminder)
    form = AcceptedHoursForm()
    if submit(form, lambda: hours.declare_accepted_hours(user, childminder,
                                                         None if form.clear.data else form.schedule_data()),
              success=lambda _result: _("Vos horaires sont effacés : seul l'agrément compte.") if form.clear.data
              else _("Vos jours et horaires d'accueil sont enregistrés ; vos places sont recalculées.")):
        return redirect(url_for("ram.childminder_hours", childminder_id=childminder.id))
    return _hours_page(childminder, 422, hours_form=form)


@bp.post("/assistantes-maternelles/<int:childminder_id>/absences")
@login_required
def absence_add(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    form = AbsenceForm()
    if submit(form, lambda: hours.add_absence(user, childminder, form.start_date.data, form.end_date.data,
                                              form.reason.data or ""),
              success=_("La période d'absence est enregistrée.")):
        return redirect(url_for("ram.childminder_hours", childminder_id=childminder.id))
    return _hours_page(childminder, 422, absence_form=form)


@bp.post("/assistantes-maternelles/<int:childminder_id>/absences/<int:absence_id>/supprimer")
@login_required
def absence_remove(childminder_id: int, absence_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    hours.remove_absence(user, childminder, absence_id)
    flash(_("La période d'absence est retirée."), "success")
    return redirect(url_for("ram.childminder_hours", childminder_id=childminder.id))


@bp.get("/trouver-une-assistante-maternelle")
@roles_required(Role.PARENT, *STAFF)
def search():
    user = current_user._get_current_object()
    form = SearchForm(request.args)
    form.commune_insee.choices = commune_choices()
    result = None
    status = 200
    if request.args:

        def find():
            query = search_services.validate(form.commune_insee.data, form.max_km.data, form.child_birth.data,
                                             form.start.data, form.schedule_data())
            page = request.args.get("page", "1")
            return search_services.search(user, query, int(page) if page.isdigit() else 1)

        result = submit(form, find, on_submit=False).value
        if form.errors or form.form_errors:
            status = 422
    demand_args = _demand_args(result.query) if result else {}
    query_text = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "page"])
    return render_template("ram/search.html", form=form, result=result, query_text=query_text,
                           demand_args=demand_args), status


def _demand_args(query: search_services.SearchQuery) -> dict:
    """The search's criteria as the demand form's fields, to file a request without retyping them."""
    args = {"commune_insee": query.commune_insee, "child_birth_date": query.child_birth.isoformat(),
            "start_date": query.start.isoformat(), "max_distance_km": max(1, query.max_km)}
    for day, intervals in query.schedule.items():
        args[f"day{day}_start"], args[f"day{day}_end"] = intervals[0][0], intervals[-1][1]
    return args
