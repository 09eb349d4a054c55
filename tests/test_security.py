"""Headers, cookies and error pages on every response."""
from app.accounts.models import Role
from tests.factories import make_user


def test_security_headers_on_public_page(client):
    response = client.get("/connexion")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_personal_pages_are_not_cached(login_as):
    c = login_as(make_user(Role.PARENT))
    assert c.get("/accueil").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client):
    response = client.get("/connexion")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_404_page_is_french_and_reveals_nothing(client):
    response = client.get("/nexiste-pas")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page introuvable" in html and "Traceback" not in html and 'lang="fr"' in html


def test_500_page_reveals_nothing(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    # A failing view, added only for this test through a fresh app.
    from app import create_app
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        PROPAGATE_EXCEPTIONS = False

    other = create_app(Config)

    @other.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = other.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in html and "Erreur inattendue" in html


def test_no_state_change_on_get(client):
    assert client.get("/deconnexion").status_code == 405


def test_production_config_refuses_default_secret(monkeypatch):
    import pytest

    from app import create_app
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "dev-only-not-secret")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_language_switch_to_english(client):
    from tests.conftest import get_csrf

    client.post("/langue", data={"lang": "en", "next": "/connexion", "csrf_token": get_csrf(client)})
    html = client.get("/connexion").get_data(as_text=True)
    assert 'lang="en"' in html


def test_nul_bytes_in_forms_and_queries_are_refused_not_crashing(client):
    from tests.conftest import get_csrf

    token = get_csrf(client)
    response = client.post("/connexion", data={"email": "a\x00@example.fr", "password": "x", "csrf_token": token})
    assert response.status_code == 422 and "caractères non autorisés" in response.get_data(as_text=True)
    assert client.get("/connexion?next=%00").status_code == 422


def test_nul_byte_in_api_login_is_an_ordinary_refusal(client):
    response = client.post("/api/v1/auth/token", json={"email": "a\x00@example.fr", "password": "secret"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "email"
