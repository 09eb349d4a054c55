from app.accounts.models import Role
from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD, make_user


def test_login_then_home_shows_role(client):
    user = make_user(Role.PARENT, first_name="Nadia", last_name="Roux")
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/accueil")
    page = client.get("/accueil").get_data(as_text=True)
    assert "Bonjour Nadia Roux" in page


def test_wrong_password_is_refused_with_french_message(client):
    user = make_user()
    response = login(client, user, "not-the-right-password")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/accueil").status_code == 302


def test_logout_invalidates_copied_session_cookie(client, make_client):
    user = make_user()
    login(client, user)
    cookie = client.get_cookie("session")
    stolen = make_client()
    stolen.set_cookie("session", cookie.value)
    assert stolen.get("/accueil").status_code == 200
    client.post("/deconnexion", data={"csrf_token": get_csrf(client, "/accueil")})
    assert stolen.get("/accueil").status_code == 302


def test_post_without_csrf_token_is_rejected(client):
    user = make_user()
    response = client.post("/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)
