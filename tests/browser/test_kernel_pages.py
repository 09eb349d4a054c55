"""The kernel's pages in a real browser: accessible, usable with the keyboard, on a phone."""
import pytest

from app.accounts.models import Role
from tests.browser_support import assert_accessible, browser_login
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_public_pages_are_accessible(live_server, page_factory, viewport):
    name, size = viewport
    page = page_factory(size)
    for path, label in [("/", "landing"), ("/connexion", "login"), ("/inscription", "register"),
                        ("/mot-de-passe-oublie", "forgot"), ("/accessibilite", "accessibility"),
                        ("/connexion/lien", "sign-in-link"), ("/inscription/envoyee", "registration-sent")]:
        page.goto(live_server + path)
        assert_accessible(page, f"kernel-{label}-{name}")


def test_registration_errors_are_accessible_and_announced(live_server, page_factory, viewport):
    name, size = viewport
    page = page_factory(size)
    page.goto(live_server + "/inscription")
    page.get_by_label("Prénom").fill("Inès")
    page.locator("#last_name").fill("Delmas")
    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    page.locator("#password").fill("court")
    page.get_by_label("Confirmez le mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    summary = page.get_by_role("alert").first
    assert "Le formulaire contient des erreurs" in summary.inner_text()
    assert page.get_by_label("Adresse e-mail").get_attribute("aria-invalid") == "true"
    assert_accessible(page, f"kernel-register-errors-{name}")


def test_parent_registers_with_the_keyboard(live_server, page_factory):
    page = page_factory()
    page.goto(live_server + "/inscription")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Aller au contenu"
    page.get_by_label("Prénom").focus()
    for value in ["Inès", "Delmas", "ines@example.fr", "0565000000", "Quercy-Vignes-Ete-2026",
                  "Quercy-Vignes-Ete-2026"]:
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/inscription/envoyee")
    assert_accessible(page, "kernel-registration-sent")
    # The confirmation link from the e-mail, then its button, with the keyboard.
    import re

    from sqlalchemy import select

    from app.extensions import db
    from app.notifications.models import OutboxMessage

    db.session.remove()
    body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "account.verify_email"))
    db.session.remove()  # end the read: on SQLite it holds the write lock the server needs
    page.goto(live_server + re.search(r"https?://\S+?(/inscription/confirmer/\S+)", body).group(1))
    assert_accessible(page, "kernel-verify-email")
    page.get_by_role("button", name="Confirmer mon adresse").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/accueil")
    assert "Bonjour Inès Delmas" in page.content()


@pytest.mark.parametrize("role", [Role.PARENT, Role.ADMIN])
def test_home_pages_are_accessible(live_server, page_factory, viewport, role):
    name, size = viewport
    user = make_user(role)
    page = page_factory(size)
    browser_login(page, live_server, user.email, DEFAULT_PASSWORD)
    assert_accessible(page, f"kernel-home-{role.value}-{name}")
    if role == Role.ADMIN:
        page.goto(live_server + "/admin/comptes")
        assert_accessible(page, f"kernel-admin-accounts-{name}")
