"""Journey (e): a parent on early and late shifts books a rotating pattern of occasional care,
with the keyboard, at desktop and phone sizes, and finds it among their requests."""
from datetime import timedelta

import pytest

from app import clock
from tests.browser_support import DESKTOP, PHONE
from tests.e2e.support import check, follow, keyboard_login, no_dialogs
from tests.occasional.factories import make_family, make_provider

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_parent_books_a_four_week_rotating_pattern(live_server, page_factory, size):
    provider = make_provider()
    parent, _household, child = make_family(first_name="Lou")
    # Read what the browser needs before it acts: on SQLite a query from the test after the
    # log-in would reopen a transaction holding the write lock.
    child_id, provider_id, provider_name, email = str(child.id), str(provider.id), provider.name, parent.email
    page = page_factory(DESKTOP if size == "desktop" else PHONE)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, email)

    page.goto(f"{live_server}/garde-ponctuelle/rythme")
    check(page, "occasional", size, "pattern-empty")
    monday = clock.today() + timedelta(days=14 - clock.today().weekday())
    page.get_by_label("Enfant").select_option(child_id)
    page.get_by_label("Structure").select_option(provider_id)
    page.get_by_label("Première semaine (ou première date)").fill(monday.isoformat())
    page.get_by_label("Nombre de semaines (8 au plus)").fill("4")
    # The defaults describe the shifts: early weeks 05:30–08:00, late weeks 18:00–21:30, Monday to Friday.
    follow(page, page.get_by_role("button", name="Envoyer le rythme"))
    page.get_by_role("heading", name="Réponse à votre demande").wait_for()
    check(page, "occasional", size, "pattern-answers")
    answers = page.locator("span.status")
    assert answers.count() == 20  # 4 weeks × 5 days, each answered on its own
    assert page.locator("span.status-confirmed").count() == 20

    page.goto(f"{live_server}/garde-ponctuelle/mes-demandes")
    check(page, "occasional", size, "my-requests")
    assert "Lou" in page.content() and provider_name in page.content()
    assert dialogs == []
