"""No page scrolls sideways on a phone: every page of every role, with real identifiers, at 390 px.

The pages are those the HTML validity test reaches (tests/test_html_validity.py `_crawl`: the access-
matrix world, every GET route with real ids and the links followed to depth 2), found with the test
client as each role; Chromium, logged in as the same role, then loads each one at 390 px and measures
`document.documentElement.scrollWidth`.
"""
from __future__ import annotations

import pytest

from tests.browser_support import PHONE, browser_login, release_db
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD
from tests.security.world import ROLES, build_world
from tests.test_html_validity import _crawl

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_no_page_of_any_role_is_wider_than_a_phone(app, make_client, live_server, page_factory):
    world = build_world()
    release_db()
    wide: list[str] = []
    measured = 0
    for role in ROLES:
        client = make_client()
        user = world.users[role]
        if user is not None:
            assert login(client, user).status_code == 302
        urls = sorted(_crawl(app, client, world))
        release_db()
        page = page_factory(PHONE)
        if user is not None:
            browser_login(page, live_server, user.email, DEFAULT_PASSWORD)
        for url in urls:
            page.goto(f"{live_server}{url}")
            width = page.evaluate("document.documentElement.scrollWidth")
            measured += 1
            if width > PHONE["width"]:
                culprit = page.evaluate("""() => {
                    const limit = document.documentElement.clientWidth;
                    const wide = [...document.querySelectorAll('main *')]
                        .filter(e => e.getBoundingClientRect().right > limit + 1);
                    const e = wide[wide.length - 1];
                    return e ? e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') : '';
                }""")
                wide.append(f"{role} {url}: {width} px ({culprit})")
        page.context.close()
    print(f"\nPhone width: {measured} pages measured at {PHONE['width']} px, {len(wide)} too wide")
    assert measured > 150, f"only {measured} pages measured"
    assert not wide, "\n".join(wide)
