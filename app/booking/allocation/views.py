"""Pages of allocation by draw, on the booking blueprint (imported at the bottom of booking/views.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import exports
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.booking import allocation
from app.booking.allocation import draw as allocation_draw
from app.booking.allocation import requests as requests_service
from app.booking.allocation.forms import DrawForm, PeriodForm, RequestForm, RulesForm, to_local, to_utc
from app.booking.views import bp
from app.errors import NotFound
from app.extensions import utcnow
from app.forms import attempt, submit

ALLOCATION_ROLES = (Role.PARENT, Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN)


@bp.get("/tirages")
@roles_required(*ALLOCATION_ROLES)
def allocation_index():
    periods = requests_service.periods_for(current_user)
    can_create = bool(requests_service.managed_activities(current_user))
    return render_template("booking/allocation/index.html", periods=periods, can_create=can_create,
                           now=utcnow())


@bp.route("/tirages/nouveau", methods=["GET", "POST"])
@login_required
def allocation_new():
    activities = requests_service.managed_activities(current_user)
    if not activities:
        raise NotFound()
    form = PeriodForm()
    form.activity_id.choices = [(a.id, f"{a.site.name} – {a.name}") for a in activities]
    if request.method == "GET":
        form.set_rules(requests_service.DEFAULT_RULES)
    created = submit(form, lambda: requests_service.create_period(
        current_user, form.activity_id.data, label=form.label.data, first_day=form.first_day.data,
        last_day=form.last_day.data, requests_open_at=to_utc(form.requests_open_at.data),
        requests_close_at=to_utc(form.requests_close_at.data), rules=form.rules()),
        success=lambda period: _("La période « %(label)s » est attribuée par tirage au sort.", label=period.label))
    if created:
        return redirect(url_for("booking.allocation_period", period_id=created.value.id))
    return render_template("booking/allocation/period_form.html", form=form)


@bp.get("/tirages/<int:period_id>")
@login_required
def allocation_period(period_id: int):
    data = requests_service.transparency(current_user, period_id)
    return render_template("booking/allocation/period.html", data=data, period=data.period,
                           draw_form=DrawForm(), now=utcnow(), band_labels=requests_service.BAND_LABELS)


@bp.get("/tirages/<int:period_id>/export.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/tirages/<int:period_id>/export.csv", defaults={"fmt": "csv"})
@login_required
def allocation_export(period_id: int, fmt: str):
    tables = requests_service.export_tables(current_user, period_id)
    return exports.respond(tables, f"tirage-{period_id}", fmt, request.args.get("tableau"))


@bp.route("/tirages/<int:period_id>/regles", methods=["GET", "POST"])
@login_required
def allocation_rules(period_id: int):
    period = requests_service.get_managed_period(current_user, period_id)
    form = RulesForm()
    if request.method == "GET":
        form.set_rules(period.rules)
        form.requests_open_at.data = to_local(period.requests_open_at)
        form.requests_close_at.data = to_local(period.requests_close_at)
    if submit(form, lambda: requests_service.update_period(current_user, period_id, rules=form.rules(),
                                                           requests_open_at=to_utc(form.requests_open_at.data),
                                                           requests_close_at=to_utc(form.requests_close_at.data)),
              success=_("Règles enregistrées.")):
        return redirect(url_for("booking.allocation_period", period_id=period_id))
    return render_template("booking/allocation/rules_form.html", form=form, period=period)


@bp.post("/tirages/<int:period_id>/clore")
@login_required
def allocation_close(period_id: int):
    form = DrawForm()
    if form.validate_on_submit():
        requests_service.close_requests_now(current_user, period_id)
        flash(_("Les demandes sont closes : le tirage peut avoir lieu."), "success")
    return redirect(url_for("booking.allocation_period", period_id=period_id))


@bp.post("/tirages/<int:period_id>/simulation")
@login_required
def allocation_simulate(period_id: int):
    period = requests_service.get_managed_period(current_user, period_id)
    form = DrawForm()
    if not form.validate_on_submit():
        return redirect(url_for("booking.allocation_period", period_id=period_id))
    result = allocation_draw.run_draw(current_user, period_id, seed=form.seed.data, simulate=True)
    period = requests_service.get_managed_period(current_user, period_id)
    return render_template("booking/allocation/simulation.html", period=period, result=result,
                           rules=allocation.rules_labels(period), band_labels=requests_service.BAND_LABELS)


@bp.post("/tirages/<int:period_id>/lancer")
@login_required
def allocation_run(period_id: int):
    form = DrawForm()
    if form.validate_on_submit():
        result = allocation_draw.run_draw(current_user, period_id, seed=form.seed.data)
        if result.already_drawn:
            flash(_("Le tirage avait déjà eu lieu : rien n'a changé."), "warning")
        else:
            placed = result.count("confirmed") + result.count("pending_preparation")
            flash(_("Tirage effectué (graine %(seed)s) : %(placed)s, %(w)s en liste d'attente. "
                    "Les familles sont prévenues par e-mail.", seed=result.seed,
                    placed=ngettext("%(num)d place attribuée", "%(num)d places attribuées", placed),
                    w=result.count("waitlisted")), "success")
    return redirect(url_for("booking.allocation_period", period_id=period_id))


@bp.route("/tirages/<int:period_id>/demande", methods=["GET", "POST"])
@login_required
def allocation_request(period_id: int):
    period, children, sessions, own, current = requests_service.request_form_data(current_user, period_id)
    form = RequestForm()
    if request.method == "GET" and own is not None:
        form.siblings_together.data = own.siblings_together
    chosen_children = {c for c, _s in current}
    ranks = {}
    for (_c, s), rank in current.items():
        ranks[s] = rank
    if form.validate_on_submit():
        child_ids = {int(v) for v in request.form.getlist("child_ids") if v.isdigit()}
        ranks = {}
        for session in sessions:
            value = request.form.get(f"rank_{session.id}", "")
            if value.isdigit() and int(value) > 0:
                ranks[session.id] = int(value)
        chosen_children = child_ids
        items = [(c, s, r) for c in sorted(child_ids) for s, r in sorted(ranks.items())]
        if attempt(lambda: requests_service.submit_request(current_user, period_id, items,
                                                           siblings_together=form.siblings_together.data),
                   form=form, summary=True,
                   success=_("Votre demande est enregistrée. Rien n'est décidé avant le tirage ; vous pouvez la "
                             "modifier jusqu'à la clôture.")):
            return redirect(url_for("booking.allocation_period", period_id=period_id))
    max_rank = max(len(sessions), 1)
    return render_template("booking/allocation/request_form.html", period=period, children=children,
                           sessions=sessions, form=form, own=own, chosen_children=chosen_children, ranks=ranks,
                           max_rank=max_rank, window_open=period.window_open(utcnow()))


@bp.post("/tirages/<int:period_id>/demande/retirer")
@login_required
def allocation_withdraw(period_id: int):
    form = DrawForm()
    if form.validate_on_submit():
        requests_service.withdraw_request(current_user, period_id)
        flash(_("Votre demande est retirée."), "success")
    return redirect(url_for("booking.allocation_period", period_id=period_id))
