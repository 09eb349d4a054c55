"""Helpers of the end-to-end journeys: log in with the keyboard, check a screen."""
from __future__ import annotations

from tests.browser_support import assert_accessible, release_db
from tests.factories import DEFAULT_PASSWORD


def keyboard_login(page, base_url: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """From the log-in page, as a person with a keyboard: type, Tab, type, Enter."""
    release_db()
    page.goto(f"{base_url}/connexion")
    page.get_by_label("Adresse e-mail").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/accueil")


def check(page, journey: str, size: str, step: str) -> None:
    """One <h1>, no sideways scroll on a phone, axe clean; the screenshot is kept."""
    assert page.locator("h1").count() == 1, (journey, step, page.url)
    if size == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (journey, step, overflow)
    assert_accessible(page, f"e2e-{journey}-{step}-{size}")


def no_dialogs(page) -> list[str]:
    """Every alert()/confirm() the page opens, dismissed and recorded."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen
