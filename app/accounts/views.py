"""Log-in, log-out, registration, password reset and change; account administration."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import admin, api_tokens, services
from app.accounts.access import roles_required
from app.accounts.forms import (
    AccountEditForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
    SignInLinkForm,
    StaffAccountForm,
)
from app.accounts.models import Role, User
from app.accounts.scopes import scope_options
from app.extensions import limiter
from app.forms import attempt, submit
from app.security import mark_session_start
from app.urls import id_arg, safe_next_url

bp = Blueprint("accounts", __name__)


def _client_address() -> str:
    """The client's address as the reverse proxy saw it (TRUSTED_PROXIES)."""
    return request.remote_addr or "unknown"


def _per_address(setting: str, scope: str):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"], scope=scope)


def start_session(user: User) -> None:
    """Log `user` in on a fresh session: nothing from before the log-in survives
    (no session fixation), except the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)
    mark_session_start()


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    link_form = None
    if form.validate_on_submit():
        try:
            user = services.log_in(form.email.data, form.password.data, _client_address())
        except (services.InvalidCredentials, services.AccountThrottled, services.AddressThrottled) as error:
            form.form_errors.append(error.message)
            if not isinstance(error, services.InvalidCredentials) or error.offer_link:
                link_form = SignInLinkForm(email=form.email.data)
            return render_template("accounts/login.html", form=form, link_form=link_form), error.http_status
        start_session(user)
        return redirect(safe_next_url(form.next.data) or url_for("main.home"))
    return render_template("accounts/login.html", form=form, link_form=link_form)


@bp.route("/connexion/lien", methods=["GET", "POST"])
@_per_address("SIGN_IN_LINK_REQUESTS_PER_ADDRESS", "sign-in-link-request")
def request_sign_in_link():
    """Ask for a one-time sign-in link by e-mail (the same answer whether or not the account exists)."""
    form = SignInLinkForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        services.send_sign_in_link(form.email.data)
        flash(_("Si un compte existe pour cette adresse, un e-mail avec un lien de connexion vient de lui être "
                "envoyé. Le lien est valable %(minutes)d minutes et ne sert qu'une fois.",
                minutes=current_app.config["SIGN_IN_LINK_MAX_AGE"] // 60), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/sign_in_link.html", form=form), 422 if form.errors else 200


@bp.route("/connexion/lien/<token>", methods=["GET", "POST"])
def sign_in_with_link(token: str):
    """GET shows a button (an e-mail scanner opening the link must not use it up); POST signs in."""
    try:
        services.check_sign_in_link(token)
    except services.InvalidSignInLink as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.request_sign_in_link"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in_with_link(token)
        except services.InvalidSignInLink as error:
            flash(error.message, "error")
            return redirect(url_for("accounts.request_sign_in_link"))
        start_session(user)
        flash(_("Vous êtes connecté."), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/sign_in_with_link.html", form=form)


@bp.post("/deconnexion")
@login_required
def logout():
    services.end_all_sessions(current_user._get_current_object())
    logout_user()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("main.index"))


@bp.post("/mon-compte/deconnexion-partout")
@login_required
def logout_everywhere():
    """Ends every session of the account on every device, and its calendar subscription addresses."""
    services.end_all_sessions(current_user._get_current_object(), everywhere=True)
    logout_user()
    flash(_("Vous êtes déconnecté sur tous vos appareils. Vos adresses d'abonnement aux calendriers ne "
            "fonctionnent plus : créez-en une nouvelle depuis vos réservations."), "success")
    return redirect(url_for("main.index"))


@bp.route("/inscription", methods=["GET", "POST"])
@_per_address("REGISTRATIONS_PER_ADDRESS", "register")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if submit(form, lambda: services.register_parent(form.email.data, form.password.data, form.first_name.data,
                                                     form.last_name.data, form.phone.data or "")):
        # The same answer whether or not the address already had an account: the
        # explanation goes to the address itself.
        return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.get("/inscription/envoyee")
def registration_sent():
    return render_template("accounts/registration_sent.html",
                           hours=current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 3600)


@bp.route("/inscription/confirmer/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """GET shows a button; POST confirms the address and signs in."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.verify_email(token)
        except services.InvalidVerificationLink as error:
            flash(error.message, "error")
            return redirect(url_for("accounts.login"))
        start_session(user)
        flash(_("Votre adresse est confirmée et votre compte est prêt. Complétez maintenant votre foyer."),
              "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/verify_email.html", form=form)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@_per_address("PASSWORD_RESETS_PER_ADDRESS", "password-reset")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
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
    if submit(form, lambda: services.reset_password(token, form.password.data)):
        logout_user()
        flash(_("Votre mot de passe est modifié. Connectez-vous avec le nouveau."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.get("/mon-compte")
@login_required
def account():
    user = current_user._get_current_object()
    return render_template("accounts/account.html", user=user, api_tokens=api_tokens.tokens_of(user),
                           form=ConfirmForm())


@bp.post("/mon-compte/jetons/<int:token_id>/revoquer")
@login_required
def revoke_api_token(token_id: int):
    api_tokens.revoke_token(current_user._get_current_object(), token_id)
    flash(_("Le jeton est révoqué : l'application qui l'utilisait doit se reconnecter."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/mon-compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if submit(form, lambda: services.change_password(user, form.current_password.data, form.password.data),
              success=_("Votre mot de passe est modifié. Vos autres sessions sont fermées.")):
        start_session(user)  # this session continues with the new version; all others end
        return redirect(url_for("main.home"))
    return render_template("accounts/change_password.html", form=form)


def _scope_choices(form) -> None:
    form.site_ids.choices = scope_options("site")
    form.relais_ids.choices = scope_options("relais")


@bp.get("/admin/comptes")
@roles_required(Role.ADMIN)
def admin_users():
    query = (request.args.get("q") or "")[:200]
    role = request.args.get("role") or ""
    if role not in {r.value for r in Role}:
        role = ""
    page = id_arg("page") or 1
    result = admin.search_accounts(current_user, query, role or None, page)
    return render_template("accounts/admin_users.html", result=result, query=query, role=role, roles=list(Role),
                           form=ConfirmForm())


@bp.route("/admin/comptes/nouveau", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_create_user():
    form = StaffAccountForm()
    form.role.choices = [(role.value, role.label) for role in Role]
    _scope_choices(form)
    if submit(form, lambda: services.create_user(form.email.data, form.password.data, Role(form.role.data),
                                                 first_name=form.first_name.data, last_name=form.last_name.data,
                                                 site_ids=form.site_ids.data or [],
                                                 relais_ids=form.relais_ids.data or []),
              success=_("Le compte est créé.")):
        return redirect(url_for("accounts.admin_users"))
    return render_template("accounts/admin_user_form.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/admin/comptes/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_edit_user(user_id: int):
    user = admin.get_account(current_user, user_id)
    sites, relais = admin.account_scopes(current_user, user)
    form = AccountEditForm(data=None if request.method == "POST" else {
        "email": user.email, "role": user.role.value, "site_ids": sorted(sites), "relais_ids": sorted(relais)})
    form.role.choices = [(role.value, role.label) for role in Role]
    _scope_choices(form)
    old_email = user.email
    if submit(form, lambda: admin.update_account(current_user, user.id, admin.AccountChanges(
            email=form.email.data, role=form.role.data, site_ids=form.site_ids.data or [],
            relais_ids=form.relais_ids.data or [])),
            success=lambda _result: _("Le compte est modifié. Un lien de confirmation est envoyé à la nouvelle "
                                      "adresse : la personne se connectera après l'avoir ouvert.")
            if user.email != old_email else _("Le compte est modifié.")):
        return redirect(url_for("accounts.admin_edit_user", user_id=user.id))
    return render_template("accounts/admin_user_edit.html", user=user, form=form, confirm=ConfirmForm(),
                           audit=admin.audit_trail(current_user, user), audit_labels=admin.AUDIT_LABELS,
                           minutes=admin.reset_max_minutes()), 422 if form.errors or form.form_errors else 200


@bp.post("/admin/comptes/<int:user_id>/lien-de-reinitialisation")
@roles_required(Role.ADMIN)
def admin_send_reset_link(user_id: int):
    if not ConfirmForm().validate_on_submit():
        flash(_("Le formulaire a expiré. Rechargez la page et recommencez."), "error")
        return redirect(url_for("accounts.admin_edit_user", user_id=user_id))
    attempt(lambda: admin.send_reset_link(current_user, user_id),
            success=lambda _result: _("Un lien pour choisir un nouveau mot de passe est envoyé par e-mail à la "
                                      "personne. Il est valable %(minutes)d minutes.",
                                      minutes=admin.reset_max_minutes()))
    return redirect(url_for("accounts.admin_edit_user", user_id=user_id))


@bp.post("/admin/comptes/<int:user_id>/activation")
@roles_required(Role.ADMIN)
def admin_toggle_user(user_id: int):
    user = admin.get_account(current_user, user_id)
    attempt(lambda: admin.set_active(current_user, user.id, not user.active),
            success=lambda _result: _("Le compte est activé.") if user.active else _("Le compte est désactivé."))
    return redirect(safe_next_url(request.form.get("next")) or url_for("accounts.admin_users"))
