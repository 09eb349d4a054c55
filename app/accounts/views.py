"""Log-in, log-out, registration, password reset and change; account administration."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.accounts import services
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
    StaffAccountForm,
)
from app.accounts.models import Role, User
from app.accounts.permissions import roles_required
from app.errors import DomainError
from app.extensions import db, limiter
from app.navigation import register_nav
from app.urls import safe_next_url
from app.forms import show_domain_error as _apply_form_error

bp = Blueprint("accounts", __name__)

register_nav(_l("Comptes"), "accounts.admin_users", [Role.ADMIN], order=90)


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def limit_failed_logins(view):
    """Count failed attempts per account and per address; successes never count."""
    view = limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], key_func=_account_key,
                         methods=["POST"], deduct_when=_login_failed, scope="login-account")(view)
    view = limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"], methods=["POST"],
                         deduct_when=_login_failed, scope="login-address")(view)
    return view


def start_session(user: User) -> None:
    """Log `user` in on a fresh session: nothing from before the log-in survives
    (no session fixation), except the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)


@bp.route("/connexion", methods=["GET", "POST"])
@limit_failed_logins
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.InvalidCredentials as error:
            g.login_failed = True
            form.form_errors.append(error.message)
            return render_template("accounts/login.html", form=form), 401
        start_session(user)
        return redirect(safe_next_url(form.next.data) or url_for("main.home"))
    return render_template("accounts/login.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout():
    services.end_all_sessions(current_user._get_current_object())
    logout_user()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("main.index"))


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_parent(form.email.data, form.password.data, form.first_name.data,
                                            form.last_name.data, form.phone.data or "")
        except DomainError as error:
            _apply_form_error(form, error)
        else:
            start_session(user)
            flash(_("Votre compte est créé. Complétez maintenant votre foyer."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="password-reset")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(
            form.email.data, lambda token: url_for("accounts.reset_password", token=token, _external=True))
        flash(_("Si un compte existe pour cette adresse, un e-mail avec un lien vient de lui être envoyé. "
                "Le lien est valable une heure."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except services.InvalidResetLink as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            _apply_form_error(form, error)
        else:
            logout_user()
            flash(_("Votre mot de passe est modifié. Connectez-vous avec le nouveau."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/mon-compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except DomainError as error:
            _apply_form_error(form, error)
        else:
            start_session(user)  # this session continues with the new version; all others end
            flash(_("Votre mot de passe est modifié. Vos autres sessions sont fermées."), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/change_password.html", form=form)


@bp.get("/admin/comptes")
@roles_required(Role.ADMIN)
def admin_users():
    users = db.session.scalars(select(User).order_by(User.role, User.last_name, User.email)).all()
    return render_template("accounts/admin_users.html", users=users)


@bp.route("/admin/comptes/nouveau", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_create_user():
    form = StaffAccountForm()
    form.role.choices = [(role.value, role.label) for role in Role]
    if form.validate_on_submit():
        try:
            site_ids = _parse_ids(form.site_ids.data)
            relais_ids = _parse_ids(form.relais_ids.data)
            services.create_user(form.email.data, form.password.data, Role(form.role.data),
                                 first_name=form.first_name.data, last_name=form.last_name.data,
                                 site_ids=site_ids, relais_ids=relais_ids)
        except ValueError:
            form.form_errors.append(_("Les numéros d'accueil et de relais doivent être des nombres séparés par des virgules."))
        except DomainError as error:
            _apply_form_error(form, error)
        else:
            flash(_("Le compte est créé."), "success")
            return redirect(url_for("accounts.admin_users"))
    return render_template("accounts/admin_user_form.html", form=form)


@bp.post("/admin/comptes/<int:user_id>/activation")
@roles_required(Role.ADMIN)
def admin_toggle_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
    else:
        services.set_active(user, not user.active)
        flash(_("Le compte est activé.") if user.active else _("Le compte est désactivé."), "success")
    return redirect(url_for("accounts.admin_users"))


def _parse_ids(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").replace(" ", "").split(",") if part]
