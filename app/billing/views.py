"""Billing pages: parents' statements and certificates, the administrator's tariffs, settings and
month closing, the directors' CAF reports. Thin: the services decide."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import clock, exports, uploads
from app.accounts.access import can, roles_required
from app.accounts.models import Role
from app.billing import caf, certificates, pricing, services, tariffs
from app.billing.access import Action
from app.billing.forms import CertificateForm, CloseMonthForm, EndTariffForm, RenewGridForm, SettingsForm, TariffForm
from app.billing.models import LineKind
from app.errors import DomainError
from app.forms import attempt, submit
from app.urls import id_arg, parse_id

bp = Blueprint("billing", __name__, url_prefix="/facturation")


KIND_LABELS = services.KIND_LABELS


# ---------------------------------------------------------------- parents

@bp.get("/")
@roles_required(Role.PARENT, Role.ADMIN, Role.DIRECTOR)
def index():
    if can(current_user, Action.MANAGE_BILLING):
        return redirect(url_for("billing.months"))
    if can(current_user, Action.CAF_REPORTS_HOME):
        return redirect(url_for("billing.caf_index"))
    statements = services.household_statements(current_user)
    closed = {s.month for s in statements}
    today = clock.today()
    open_months = [m for m in (services.closable_month(today), today.replace(day=1)) if m not in closed]
    return render_template("billing/index.html", statements=statements, open_months=open_months,
                           month_label=services.month_label)


@bp.get("/releves/<int:statement_id>")
@roles_required(Role.PARENT, Role.ADMIN)
def statement(statement_id: int):
    view = services.get_statement(current_user, statement_id)
    return render_template("billing/statement.html", view=view, kind_labels=KIND_LABELS,
                           month_label=services.month_label, line_kind=LineKind)


@bp.get("/releves/<int:statement_id>.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/releves/<int:statement_id>.csv", defaults={"fmt": "csv"})
@roles_required(Role.PARENT, Role.ADMIN)
def statement_csv(statement_id: int, fmt: str):
    view = services.get_statement(current_user, statement_id)
    return exports.respond(services.statement_tables(view), f"releve-{view.statement.number}", fmt,
                           request.args.get("tableau"))


@bp.get("/provisoire")
@roles_required(Role.PARENT)
def provisional():
    try:
        view = services.provisional_statement(current_user, request.args.get("month") or None)
    except DomainError as error:
        if error.code != "month_closed":
            raise
        flash(error.message, "warning")
        return redirect(url_for("billing.index"))
    if request.args.get("format") in ("csv", "xlsx"):
        return exports.respond(services.statement_tables(view), f"releve-provisoire-{view.first:%Y-%m}",
                               request.args["format"], request.args.get("tableau"))
    return render_template("billing/statement.html", view=view, kind_labels=KIND_LABELS,
                           month_label=services.month_label, line_kind=LineKind)


@bp.get("/absences")
@roles_required(Role.PARENT)
def absences():
    bookings = certificates.justifiable_bookings(current_user)
    return render_template("billing/absences.html", bookings=bookings, form=CertificateForm(),
                           certificates=certificates.certificates_by_booking(b.id for b in bookings))


@bp.post("/absences/<int:booking_id>/certificat")
@roles_required(Role.PARENT)
def upload_certificate(booking_id: int):
    form = CertificateForm()
    if not form.validate():
        flash(_("Le formulaire a expiré. Rechargez la page et recommencez."), "error")
        return redirect(url_for("billing.absences"))
    upload = form.certificate.data
    attempt(lambda: certificates.upload_certificate(current_user, booking_id, upload.stream if upload else None,
                                                    upload.filename if upload else ""),
            success=_("Certificat reçu : l'absence ne sera pas facturée. Si le mois est déjà clôturé, "
                      "le montant sera déduit sur votre prochain relevé."))
    return redirect(url_for("billing.absences"))


@bp.get("/certificats/<int:certificate_id>")
@roles_required(Role.PARENT, Role.DIRECTOR, Role.ADMIN)
def download_certificate(certificate_id: int):
    certificate, path = certificates.get_certificate(current_user, certificate_id)
    return uploads.attachment(path, certificate.content_type, "certificat", certificate.id)


@bp.get("/certificats")
@roles_required(Role.DIRECTOR, Role.ADMIN)
def site_certificates():
    return render_template("billing/certificates.html", rows=certificates.site_certificates(current_user))


# ---------------------------------------------------------------- administrator: months, settings

@bp.get("/mois")
@roles_required(Role.ADMIN)
def months():
    form = CloseMonthForm(month=services.closable_month())
    return render_template("billing/months.html", months=services.closed_months(current_user), form=form,
                           month_label=services.month_label)


@bp.post("/mois/cloturer")
@roles_required(Role.ADMIN)
def close_month():
    form = CloseMonthForm()
    closed = submit(form, lambda: services.close_month(form.month.data, current_user), on_submit=False)
    if closed:
        result = closed.value
        if result.already_closed:
            flash(_("%(month)s était déjà clôturé : rien n'a changé.",
                    month=services.month_label(result.month)), "warning")
        else:
            flash(ngettext("%(month)s clôturé : %(num)d relevé créé.", "%(month)s clôturé : %(num)d relevés créés.",
                           result.statements, month=services.month_label(result.month)), "success")
        return redirect(url_for("billing.month_detail", month=result.month.strftime("%Y-%m")))
    return render_template("billing/months.html", months=services.closed_months(current_user), form=form,
                           month_label=services.month_label), 422


@bp.get("/mois/<month>")
@roles_required(Role.ADMIN)
def month_detail(month: str):
    first, statements = services.month_statements(current_user, month)
    return render_template("billing/month.html", first=first, statements=statements,
                           month_label=services.month_label)


@bp.route("/reglages", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    rules = services.current_rules()
    form = SettingsForm(data={"charge_late_cancellations": rules.charge_late_cancellations,
                              "late_cancellation_percent": int(rules.late_cancellation_share * 100),
                              "charge_unjustified_absences": rules.charge_unjustified_absences})
    if request.method == "POST":
        form = SettingsForm()
        if submit(form, lambda: services.update_rules(
                current_user, charge_late_cancellations=form.charge_late_cancellations.data,
                late_cancellation_share=Decimal(form.late_cancellation_percent.data) / 100,
                charge_unjustified_absences=form.charge_unjustified_absences.data),
                success=_("Règles de facturation enregistrées ; elles s'appliquent aux mois non clôturés."),
                on_submit=False):
            return redirect(url_for("billing.settings"))
    return render_template("billing/settings.html", form=form)


# ---------------------------------------------------------------- administrator: tariffs

@bp.get("/tarifs")
@roles_required(Role.ADMIN)
def tariff_grid():
    today = clock.today()
    return render_template("billing/tariffs.html", grid=tariffs.tariff_grid(current_user),
                           gaps=pricing.tariff_gaps(current_user, on=today),
                           fallback=pricing.MISSING_TARIFF_FALLBACK,
                           describe=tariffs.describe, today=today, renew_form=RenewGridForm())


@bp.post("/tarifs/activites/<int:activity_id>/nouvelle-grille")
@roles_required(Role.ADMIN)
def renew_grid(activity_id: int):
    form = RenewGridForm()
    if not form.validate():
        flash(_("Indiquez une date de début et une hausse entre -50 et 100 %."), "error")
        return redirect(url_for("billing.tariff_grid"))
    attempt(lambda: tariffs.renew_grid(current_user, activity_id, form.starts_on.data, form.increase_percent.data),
            success=lambda created: ngettext("Nouvelle grille créée : %(num)d tarif à partir du %(day)s.",
                                             "Nouvelle grille créée : %(num)d tarifs à partir du %(day)s.", created,
                                             day=form.starts_on.data.strftime("%d/%m/%Y")))
    return redirect(url_for("billing.tariff_grid"))


@bp.route("/tarifs/unites/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def unit_tariffs(unit_id: int):
    grid = tariffs.get_unit(current_user, unit_id)
    form = TariffForm()
    status = 200
    if request.method == "POST":
        if submit(form, lambda: tariffs.add_tariff(
                current_user, unit_id, qf_min=form.qf_min.data, qf_max=form.qf_max.data,
                resident=form.resident.data == "1", price=form.price.data, valid_from=form.valid_from.data,
                valid_until=form.valid_until.data), success=_("Tarif ajouté."), on_submit=False):
            return redirect(url_for("billing.unit_tariffs", unit_id=unit_id))
        status = 422
    return render_template("billing/unit_tariffs.html", grid=grid, form=form, end_form=EndTariffForm(),
                           today=clock.today()), status


@bp.post("/tarifs/<int:tariff_id>/fin")
@roles_required(Role.ADMIN)
def end_tariff(tariff_id: int):
    form = EndTariffForm()
    unit_id = parse_id(request.form.get("unit_id"))
    if form.validate():
        ended = attempt(lambda: tariffs.end_tariff(current_user, tariff_id, form.valid_until.data),
                        success=_("Date de fin enregistrée."))
        if ended:
            unit_id = ended.value.unit_id
    else:
        flash(_("Indiquez une date de fin valide."), "error")
    return redirect(url_for("billing.unit_tariffs", unit_id=unit_id) if unit_id else url_for("billing.tariff_grid"))


@bp.post("/tarifs/<int:tariff_id>/supprimer")
@roles_required(Role.ADMIN)
def delete_tariff(tariff_id: int):
    unit_id = parse_id(request.form.get("unit_id"))
    attempt(lambda: tariffs.delete_tariff(current_user, tariff_id), success=_("Tarif supprimé."))
    return redirect(url_for("billing.unit_tariffs", unit_id=unit_id) if unit_id else url_for("billing.tariff_grid"))


# ---------------------------------------------------------------- CAF reports

@bp.get("/caf")
@roles_required(Role.DIRECTOR, Role.ADMIN)
def caf_index():
    site_id = id_arg("site")
    month = request.args.get("month")
    if request.args.get("report") == "psu" and month:
        first, _last = services.parse_month(month)
        return redirect(url_for("billing.caf_psu", month=first.strftime("%Y-%m")))
    if site_id and month:
        first, _last = services.parse_month(month)
        return redirect(url_for("billing.caf_report", site_id=site_id, month=first.strftime("%Y-%m")))
    return render_template("billing/caf_index.html", sites=caf.report_sites(current_user),
                           default_month=services.closable_month().strftime("%Y-%m"))


@bp.get("/caf/accueil-ponctuel/<month>")
@roles_required(Role.DIRECTOR, Role.ADMIN)
def caf_psu(month: str):
    first, _last = services.parse_month(month)
    return render_template("billing/caf_psu.html", report=caf.psu_report(current_user, first),
                           month_label=services.month_label)


@bp.get("/caf/accueil-ponctuel/<month>/export.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/caf/accueil-ponctuel/<month>/export.csv", defaults={"fmt": "csv"})
@roles_required(Role.DIRECTOR, Role.ADMIN)
def caf_psu_export(month: str, fmt: str):
    first, _last = services.parse_month(month)
    return exports.respond(caf.psu_tables(caf.psu_report(current_user, first)), f"caf-psu-{first:%Y-%m}", fmt,
                           request.args.get("tableau"))


@bp.get("/caf/<int:site_id>/<month>")
@roles_required(Role.DIRECTOR, Role.ADMIN)
def caf_report(site_id: int, month: str):
    first, _last = services.parse_month(month)
    report = caf.site_report(current_user, site_id, first)
    return render_template("billing/caf_report.html", report=report, kind_labels=caf.KIND_LABELS,
                           band_labels=caf.BAND_LABELS, scheme_labels=caf.SCHEME_LABELS, bands=caf.BANDS,
                           schemes=caf.SCHEMES, hours=caf.hours, month_label=services.month_label,
                           charts=caf.charts(report))


@bp.get("/caf/<int:site_id>/<month>/export.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/caf/<int:site_id>/<month>/export.csv", defaults={"fmt": "csv"})
@roles_required(Role.DIRECTOR, Role.ADMIN)
def caf_report_csv(site_id: int, month: str, fmt: str):
    first, _last = services.parse_month(month)
    report = caf.site_report(current_user, site_id, first)
    table = "detail" if request.args.get("detail") == "1" else request.args.get("tableau")
    return exports.respond(caf.report_tables(report), f"caf-{report.site.id}-{first:%Y-%m}", fmt, table)
