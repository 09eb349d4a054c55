"""Registration, password reset and change, rate limits, admin pages, CLI, API tokens."""
import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import Role, User
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD, make_user

GOOD_PASSWORD = "Quercy-Vignes-Ete-2026"


def register(client, **overrides):
    data = {"first_name": "Inès", "last_name": "Delmas", "email": "ines.delmas@example.fr", "phone": "",
            "password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD,
            "csrf_token": get_csrf(client, "/inscription")}
    data.update(overrides)
    return client.post("/inscription", data=data)


def _link_in(kind: str, to: str, path_prefix: str) -> str:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.to_address == to)
                                 .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no {kind} message to {to}"
    return re.search(r"https?://\S+?(" + re.escape(path_prefix) + r"\S+)", message.body_text).group(1)


def test_parent_registers_confirms_the_address_and_is_logged_in(client):
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/inscription/envoyee")
    user = db.session.scalar(select(User).where(User.email == "ines.delmas@example.fr"))
    assert user.role == Role.PARENT and not user.email_verified
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/accueil").status_code == 302  # not logged in before the address is confirmed
    # Not even with the right password: the same refusal as a wrong one (and the link is sent again).
    assert login(client, user, GOOD_PASSWORD).status_code == 401
    path = _link_in("account.verify_email", user.email, "/inscription/confirmer/")
    assert client.get(path).status_code == 200  # GET does not use the link (e-mail scanners)
    assert client.post(path, data={"csrf_token": get_csrf(client, path)}).status_code == 302
    assert client.get("/accueil").status_code == 200
    db.session.refresh(user)
    assert user.email_verified
    assert "account.welcome" in db.session.scalars(select(OutboxMessage.kind)
                                                  .where(OutboxMessage.to_address == user.email)).all()
    assert client.post(path, data={"csrf_token": get_csrf(client, "/connexion")}).status_code == 302  # single use
    assert login(client, user, GOOD_PASSWORD).status_code == 302


def test_verification_email_carries_no_text_chosen_by_the_registrant(client):
    register(client, first_name="Gagnez http://evil.example", last_name="Promo")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.verify_email"))
    assert "evil.example" not in message.body_text + message.subject + (message.body_html or "")


@pytest.mark.parametrize("password, message", [
    ("court-2026", "au moins 12 caractères"),
    ("azertyuiop123", "trop courant"),
    ("password1234", "trop courant"),
    ("ines.delmas-2026", "ne doit pas contenir votre nom"),
])
def test_weak_passwords_are_refused_in_french(client, password, message):
    response = register(client, password=password, password_confirm=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_registration_answers_the_same_whether_or_not_the_account_exists(client, make_client):
    """Issue #17 item 8: the page said "Un compte existe déjà"; the explanation now goes by e-mail."""
    owner = make_user(email="ines.delmas@example.fr")
    existing = register(client, email="Ines.Delmas@Example.fr")
    fresh = register(make_client(), email="nouvelle@example.fr")
    assert (existing.status_code, existing.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert "existe" not in existing.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 2
    db.session.refresh(owner)
    assert owner.password_hash == make_user.__globals__["_hash"](DEFAULT_PASSWORD)  # unchanged
    # The owner is told by e-mail, with a way in.
    path = _link_in("account.already_registered", owner.email, "/reinitialiser/")
    assert make_client().get(path).status_code == 200


def test_registration_is_rate_limited_per_address(app, make_client):
    app.config["REGISTRATIONS_PER_ADDRESS"] = "2 per hour"
    try:
        c = make_client()
        assert register(c, email="a1@example.fr").status_code == 302
        assert register(c, email="a2@example.fr").status_code == 302
        assert register(c, email="a3@example.fr").status_code == 429
    finally:
        app.config["REGISTRATIONS_PER_ADDRESS"] = "10 per hour"


def test_registration_emails_to_one_address_are_limited(make_client):
    make_user(email="cible@example.fr")
    for _ in range(6):
        register(make_client(), email="cible@example.fr")
    assert db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.to_address == "cible@example.fr")) == 3


def test_registration_field_errors_are_tied_to_fields(client):
    response = register(client, email="pas-une-adresse", password_confirm="autre chose")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="email-error"' in html and 'id="email-error"' in html
    assert "Les deux mots de passe ne sont pas identiques." in html


def _reset_link(to: str) -> str:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.password_reset",
                                                            OutboxMessage.to_address == to))
    return re.search(r"https?://\S+(/reinitialiser/\S+)", message.body_text).group(1)


def test_password_reset_by_signed_link_is_single_use(client):
    user = make_user(email="papa@example.fr")
    client.post("/mot-de-passe-oublie", data={"email": "papa@example.fr",
                                              "csrf_token": get_csrf(client, "/mot-de-passe-oublie")})
    path = _reset_link("papa@example.fr")
    response = client.post(path, data={"password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD,
                                       "csrf_token": get_csrf(client, path)})
    assert response.status_code == 302
    assert login(client, user, GOOD_PASSWORD).status_code == 302
    # The same link cannot be used twice.
    again = client.get(path)
    assert again.status_code == 302
    follow = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "déjà été utilisé" in follow


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/mot-de-passe-oublie", data={"email": "personne@example.fr",
                                                          "csrf_token": get_csrf(client, "/mot-de-passe-oublie")},
                           follow_redirects=True)
    assert "Si un compte existe pour cette adresse" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_expired_reset_link_is_refused(app, client):
    user = make_user()
    with time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), tick=False):  # a time change
        token = services.make_reset_token(user)
        db.session.commit()
    with time_machine.travel(datetime(2026, 3, 29, 1, 29, tzinfo=UTC), tick=False):
        assert services.user_for_reset_token(token) == user
    with time_machine.travel(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), tick=False):
        with pytest.raises(services.InvalidResetLink, match="expiré"):
            services.user_for_reset_token(token)


def test_forged_reset_link_is_refused():
    with pytest.raises(services.InvalidResetLink, match="pas valide"):
        services.user_for_reset_token("forged.token.value")


def test_password_change_ends_other_sessions(login_as):
    user = make_user()
    phone = login_as(user)
    laptop = login_as(user)
    response = laptop.post("/mon-compte/mot-de-passe", data={
        "current_password": DEFAULT_PASSWORD, "password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD,
        "csrf_token": get_csrf(laptop, "/mon-compte/mot-de-passe")})
    assert response.status_code == 302
    assert laptop.get("/accueil").status_code == 200
    assert phone.get("/accueil").status_code == 302


def test_wrong_current_password_is_refused(login_as):
    user = make_user()
    c = login_as(user)
    response = c.post("/mon-compte/mot-de-passe", data={
        "current_password": "wrong-password-here", "password": GOOD_PASSWORD, "password_confirm": GOOD_PASSWORD,
        "csrf_token": get_csrf(c, "/mon-compte/mot-de-passe")})
    assert "Le mot de passe actuel est incorrect." in response.get_data(as_text=True)


def test_failed_logins_are_limited_per_account(client, make_client):
    user = make_user()
    for _ in range(5):
        assert login(client, user, "wrong-password-xx").status_code == 401
    # The password is not checked any more for a while, from any address, for this account;
    # the page offers the one-time link instead (see test_throttling.py).
    blocked = login(make_client(), user)
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    assert "lien de connexion" in blocked.get_data(as_text=True)
    # Another account is not affected.
    assert login(make_client(), make_user()).status_code == 302


def test_successful_logins_from_one_address_are_never_blocked(app, make_client):
    for _ in range(40):  # more than the per-address failure limit
        assert login(make_client(), make_user()).status_code == 302


def test_failures_are_limited_per_address(app, make_client):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = "3 per 15 minutes"
    try:
        for i in range(3):
            assert login(make_client(), f"inconnu{i}@example.fr", "wrong-password").status_code == 401
        assert login(make_client(), make_user()).status_code == 429
    finally:
        app.config["LOGIN_FAILURES_PER_ADDRESS"] = "30 per 15 minutes"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_next_parameter_cannot_redirect_off_site(client, target):
    user = make_user()
    response = client.post("/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD, "next": target,
                                               "csrf_token": get_csrf(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accueil"


def test_next_parameter_keeps_local_paths(client):
    user = make_user()
    response = client.post("/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                               "next": "/mon-compte/mot-de-passe", "csrf_token": get_csrf(client)})
    assert response.headers["Location"] == "/mon-compte/mot-de-passe"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_account_administration_is_for_admins_only(login_as, role):
    kwargs = {}
    c = login_as(make_user(role, **kwargs))
    assert c.get("/admin/comptes").status_code == 403
    assert c.get("/admin/comptes/nouveau").status_code == 403


def test_admin_creates_and_disables_an_account(login_as):
    admin = make_user(Role.ADMIN)
    c = login_as(admin)
    assert c.get("/admin/comptes").status_code == 200
    response = c.post("/admin/comptes/nouveau", data={
        "first_name": "Aude", "last_name": "Vidal", "email": "aude.vidal@grandcahors.fr", "role": "admin",
        "site_ids": "", "relais_ids": "", "password": GOOD_PASSWORD,
        "csrf_token": get_csrf(c, "/admin/comptes/nouveau")})
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.email == "aude.vidal@grandcahors.fr"))
    other = login_as(created, GOOD_PASSWORD)
    c.post(f"/admin/comptes/{created.id}/activation", data={"csrf_token": get_csrf(c, "/admin/comptes")})
    assert other.get("/accueil").status_code == 302  # disabled: its session ends


def test_director_needs_a_site():
    with pytest.raises(ValidationFailed, match="au moins un accueil"):
        services.create_user("dir@example.fr", GOOD_PASSWORD, Role.DIRECTOR)


def test_cli_creates_users(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "admin2@example.fr", "--password", GOOD_PASSWORD,
                                 "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.email == "admin2@example.fr")) == Role.ADMIN
    weak = runner.invoke(args=["users", "create", "--email", "x@example.fr", "--password", "short", "--role", "admin"])
    assert weak.exit_code != 0 and "12 caractères" in weak.output


def test_api_token_and_revocation(client):
    user = make_user()
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    token = response.get_json()["token"]
    services.end_all_sessions(user)
    from app.api.auth import Unauthorized, user_from_token

    with pytest.raises(Unauthorized):
        user_from_token(token)


def test_api_token_errors_are_json_in_french(client):
    response = client.post("/api/v1/auth/token", json={"email": "x@example.fr", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    bad = client.post("/api/v1/auth/token", data="not json", content_type="application/json")
    assert bad.status_code == 422
    assert "objet JSON" in bad.get_json()["error"]["message"]


def test_api_token_endpoint_is_rate_limited(client):
    user = make_user()
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong-password"})
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
