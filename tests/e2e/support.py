"""Helpers of the end-to-end journeys: log in with the keyboard, check a screen."""
from __future__ import annotations

import json

from tests.browser_support import ARTIFACTS, release_db, screenshot
from tests.factories import DEFAULT_PASSWORD
from tests.html_check import assert_valid_html, warm_up


def keyboard_login(page, base_url: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """From the log-in page, as a person with a keyboard: type, Tab, type, Enter."""
    warm_up()  # the HTML checker of check(), started while the journey begins
    release_db()
    page.goto(f"{base_url}/connexion")
    page.get_by_label("Adresse e-mail").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/accueil")


def check(page, journey: str, size: str, step: str) -> None:
    """One <h1>, no sideways scroll on a phone, valid HTML (W3C Nu checker), axe clean; the screenshot is kept."""
    assert page.locator("h1").count() == 1, (journey, step, page.url)
    # The page as the browser holds it now (after its scripts), through the session's one checker.
    assert_valid_html(page.content(), f"{journey} / {step} ({size}) {page.url}")
    if size == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (journey, step, overflow)
    name = f"e2e-{journey}-{step}-{size}"
    screenshot(page, name)
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    violations = results.response["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in serious)
    # Minor and moderate findings are kept for ACCESSIBILITY.md (one JSON line per screen).
    if violations:
        with (ARTIFACTS.parent / "axe-minor.jsonl").open("a", encoding="utf-8") as out:
            for v in violations:
                out.write(json.dumps({"screen": name, "id": v["id"], "impact": v["impact"], "help": v["help"],
                                      "targets": [n["target"] for n in v["nodes"]][:3]}) + "\n")


def no_dialogs(page) -> list[str]:
    """Every alert()/confirm() the page opens, dismissed and recorded."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def follow(page, locator) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()
