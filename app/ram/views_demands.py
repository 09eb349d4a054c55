"""Family demands, matching, introductions, unmatched demands and the observatory."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import exports, months
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.errors import DomainError
from app.forms import attempt, submit
from app.ram import access as perm
from app.ram import demands as demand_services
from app.ram import matching, observatory, services
from app.ram import schedule as sch
from app.ram.forms import DemandForm, IntroductionForm, ObservatoryForm, OutcomeForm
from app.ram.models import DemandStatus, IntroductionOutcome
from app.ram.views import STAFF, bp, commune_choices, relais_choices
from app.urls import id_arg, parse_id

DEMAND_FORM_FIELDS = ("family_name", "contact_phone", "contact_email", "child_first_name", "child_birth_date",
                      "birth_expected", "start_date", "atypical_hours", "needs_meals", "needs_school_pickup",
                      "commune_insee", "max_distance_km", "notes")


def _demand_form(demand=None) -> DemandForm:
    if demand is None and request.method == "GET" and request.args:
        # Pre-filled from a search (ram.search): the family need not type its criteria again.
        form = DemandForm(formdata=request.args)
    else:
        form = DemandForm(obj=demand) if demand and request.method == "GET" else DemandForm()
    if demand and request.method == "GET":
        form.fill_schedule(demand.schedule)
        form.relais_id.data = demand.relais_id or 0
    form.commune_insee.choices = commune_choices()
    form.relais_id.choices = relais_choices(_("Le plus proche du domicile"))
    return form


def _demand_fields(form: DemandForm, user) -> dict:
    fields = {name: form[name].data for name in DEMAND_FORM_FIELDS}
    fields["schedule"] = form.schedule_data()
    for name in ("family_name", "contact_phone", "contact_email", "child_first_name", "notes"):
        fields[name] = fields[name] or ""
    if perm.is_relais_staff(user):
        fields["relais_id"] = form.relais_id.data or None
    return fields


@bp.get("/demandes")
@roles_required(Role.PARENT, *STAFF)
def demands():
    user = current_user._get_current_object()
    status = request.args.get("statut")
    try:
        status = DemandStatus(status) if status else None
    except ValueError:
        status = None
    rows = demand_services.list_demands(user, status=status, relais_id=id_arg("relais"))
    return render_template("ram/demands.html", demands=rows, status=status, statuses=list(DemandStatus),
                           is_staff=perm.is_relais_staff(user), schedule_text=sch.schedule_text)


@bp.route("/demandes/nouvelle", methods=["GET", "POST"])
@roles_required(Role.PARENT, *STAFF)
def demand_new():
    user = current_user._get_current_object()
    form = _demand_form()
    created = submit(form, lambda: demand_services.create_demand(user, **_demand_fields(form, user)),
                     success=_("La demande est enregistrée."))
    if created:
        return redirect(url_for("ram.demand", demand_id=created.value.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("ram/demand_form.html", form=form, demand=None,
                           is_staff=perm.is_relais_staff(user)), status


@bp.get("/demandes/<int:demand_id>")
@login_required
def demand(demand_id: int):
    user = current_user._get_current_object()
    demand = demand_services.get_demand(user, demand_id)
    return render_template("ram/demand.html", demand=demand, is_staff=perm.is_relais_staff(user),
                           schedule_text=sch.schedule_text, outcome_form=OutcomeForm(formdata=None,
                                                                                     outcome_on=services.today_local()))


@bp.route("/demandes/<int:demand_id>/modifier", methods=["GET", "POST"])
@login_required
def demand_edit(demand_id: int):
    user = current_user._get_current_object()
    demand = demand_services.get_demand(user, demand_id)
    form = _demand_form(demand)
    if submit(form, lambda: demand_services.update_demand(user, demand, **_demand_fields(form, user)),
              success=_("La demande est modifiée.")):
        return redirect(url_for("ram.demand", demand_id=demand.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("ram/demand_form.html", form=form, demand=demand,
                           is_staff=perm.is_relais_staff(user)), status


@bp.post("/demandes/<int:demand_id>/annuler")
@login_required
def demand_cancel(demand_id: int):
    user = current_user._get_current_object()
    demand = demand_services.get_demand(user, demand_id)
    attempt(lambda: demand_services.cancel_demand(user, demand), success=_("La demande est annulée."))
    return redirect(url_for("ram.demand", demand_id=demand.id))


@bp.get("/demandes/<int:demand_id>/correspondances")
@roles_required(*STAFF)
def demand_matches(demand_id: int):
    user = current_user._get_current_object()
    demand = demand_services.get_demand(user, demand_id)
    include_stale = request.args.get("inclure_anciennes") == "1"
    result = matching.match_demand(user, demand, include_stale=include_stale)
    introduced = {i.childminder_id for i in demand.introductions}
    return render_template("ram/matches.html", demand=demand, result=result, include_stale=include_stale,
                           introduced=introduced, schedule_text=sch.schedule_text, describe=sch.describe_text,
                           form=IntroductionForm(formdata=None))


@bp.post("/demandes/<int:demand_id>/mises-en-relation")
@roles_required(*STAFF)
def introduction_new(demand_id: int):
    user = current_user._get_current_object()
    demand = demand_services.get_demand(user, demand_id)
    form = IntroductionForm()
    if form.validate_on_submit() and parse_id(form.childminder_id.data):
        attempt(lambda: demand_services.record_introduction(user, demand, parse_id(form.childminder_id.data),
                                                            notes=form.notes.data or ""),
                success=_("La mise en relation est enregistrée."))
    else:
        flash(_("La mise en relation n'a pas pu être enregistrée."), "error")
    return redirect(url_for("ram.demand", demand_id=demand.id))


@bp.post("/mises-en-relation/<int:introduction_id>/issue")
@roles_required(*STAFF)
def introduction_outcome(introduction_id: int):
    user = current_user._get_current_object()
    form = OutcomeForm()
    demand_id = None
    if form.validate_on_submit():
        recorded = attempt(lambda: demand_services.record_outcome(
            user, introduction_id, IntroductionOutcome(form.outcome.data), form.outcome_on.data,
            form.notes.data or ""), success=_("L'issue est enregistrée."))
        if recorded:
            demand_id = recorded.value.demand_id
    else:
        flash(_("Choisissez une issue et une date."), "error")
    if demand_id is None:
        from app.extensions import db
        from app.ram.models import Introduction

        introduction = db.session.get(Introduction, introduction_id)
        if introduction is None:
            from app.errors import NotFound

            raise NotFound()
        demand_id = introduction.demand_id
    return redirect(url_for("ram.demand", demand_id=demand_id))


@bp.get("/demandes/sans-solution")
@roles_required(*STAFF)
def unmatched():
    include_stale = request.args.get("inclure_anciennes") == "1"
    rows = matching.unmatched_demands(current_user._get_current_object(), include_stale=include_stale)
    return render_template("ram/unmatched.html", rows=rows, include_stale=include_stale,
                           schedule_text=sch.schedule_text)


def _month(text: str | None) -> date | None:
    try:
        return months.parse_month(text)[0] if text else None
    except DomainError:
        return None


def _observatory():
    form = ObservatoryForm(request.args)
    form.validate()
    obs = observatory.compute(current_user._get_current_object(), group_by=form.group_by.data or "relais",
                              first_month=_month(form.first_month.data), last_month=_month(form.last_month.data))
    return form, obs


@bp.get("/observatoire", endpoint="observatory")
@roles_required(*STAFF)
def observatory_page():
    form, obs = _observatory()
    return render_template("ram/observatory.html", form=form, obs=obs, charts=observatory.charts(obs),
                           labels=observatory.metric_labels(), metrics=observatory.METRICS,
                           csv_args=request.args.to_dict())


@bp.get("/observatoire/graphique-<int:number>.svg", endpoint="observatory_chart")
@roles_required(*STAFF)
def observatory_chart(number: int):
    """One chart of the page as an SVG image (pygal): the page embeds it with <img>, so its own style and
    markup never meet the page's CSP or HTML; the same figures are in the table beside it."""
    _form, obs = _observatory()
    charts = observatory.charts(obs)
    if not 1 <= number <= len(charts):
        abort(404)
    response = Response(observatory.render_svg(charts[number - 1]), mimetype="image/svg+xml")
    # The SVG carries pygal's <style>; it runs no script (js=[]) and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/observatoire.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/observatoire.csv", defaults={"fmt": "csv"})
@roles_required(*STAFF)
def observatory_csv(fmt: str):
    _form, obs = _observatory()
    return exports.respond([observatory.to_table(obs)], "observatoire-relais", fmt)
