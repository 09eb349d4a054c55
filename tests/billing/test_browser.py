"""The statement and the CAF report in a real browser: accessible (axe, WCAG 2.1 AA), usable at 390 px,
no CSP violation (the charts are SVG without inline styles)."""
from datetime import date

import pytest
from sqlalchemy import select

from app.billing import services
from app.billing.models import Statement
from app.booking.models import AttendanceStatus, BookingStatus
from app.extensions import db
from tests.billing.factories import AFTER_MAY, MARCH, make_booking, make_unit_at, session_on
from tests.booking.factories import make_parent_with_child, make_site, make_staff
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

def _serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                             "wcag21aa"]}})
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def _login(page, base, email):
    page.goto(f"{base}/connexion")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/connexion" not in url)


@pytest.mark.parametrize("width", [1280, 390])
def test_statement_and_caf_report_are_accessible(app, browser, width):
    site = make_site()
    unit = make_unit_at(site)
    parent, _household, child = make_parent_with_child()
    make_booking(child, session_on(unit, date(2026, 3, 4)), attendance=AttendanceStatus.PRESENT)
    make_booking(child, session_on(unit, date(2026, 3, 11)), attendance=AttendanceStatus.ABSENT)
    make_booking(child, session_on(unit, date(2026, 3, 18)), status=BookingStatus.LATE_CANCELLED)
    services.close_month(MARCH, today=AFTER_MAY)
    statement_id = db.session.scalar(select(Statement.id))
    director = make_staff(site)
    parent_email, director_email, site_id = parent.email, director.email, site.id
    db.session.commit()  # release the test's transaction: on SQLite it holds the write lock
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        csp_errors = []
        page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        _login(page, base, parent_email)
        page.goto(f"{base}/facturation/releves/{statement_id}")
        assert page.locator("h1").inner_text().startswith("Relevé de mars 2026")
        assert "25,50" in page.locator("tfoot").inner_text()
        assert _serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1 or width > 400
        context.clear_cookies()
        _login(page, base, director_email)
        page.goto(f"{base}/facturation/caf/{site_id}/2026-03")
        assert page.locator("svg[role=img]").count() == 2
        assert _serious_violations(page) == []
        assert csp_errors == []
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=10)
