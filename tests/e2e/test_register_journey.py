"""Issue 19, registers on a phone (Chromium at 390 px): an animator marks a register of 20 children from
the home page in at most 3 taps (open today's register, one child absent, "Tous présents"), seeing the
contacts and the alert of the child with a PAI; then a director offers a freed place from the waiting list
and the family accepts it from the page of the e-mail. Every screen: no sideways scroll, valid HTML, axe
without serious or critical violations."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, rules
from app.accounts.models import Role
from app.booking import services
from app.booking.models import Attendance, AttendanceStatus, Booking, BookingStatus
from app.extensions import db
from app.families.models import EmergencyContact
from app.inclusion.models import ChildNeeds
from tests.booking.factories import (
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.browser_support import PHONE
from tests.e2e.support import check, follow, keyboard_login, no_dialogs

pytestmark = pytest.mark.browser

TAP_CEILING = 3  # open today's register, mark one child absent, "Tous présents"


def _today_session_with(children: int, over6: int):
    site = make_site()
    session = make_session(make_unit(make_activity(site)), day=clock.today(), under6=0, over6=over6)
    booked_at = clock.now() - timedelta(days=20)  # before every booking deadline of today's session
    families = []
    for n in range(children):
        parent, household, child = make_parent_with_child(first_name=f"Enfant{n:02d}")
        services.book(parent, [(child.id, session.id)], now=booked_at)
        families.append((parent, household, child))
    return site, session, families, booked_at


def test_animator_marks_a_register_of_20_children_in_three_taps(live_server, page_factory):
    site, session, families, _booked_at = _today_session_with(20, over6=20)
    parent, household, child = families[0]
    parent.phone = "06 11 22 33 44"
    household.emergency_contacts.append(EmergencyContact(full_name="Odette Martin", phone="05 65 00 00 01"))
    child.needs_particular_care = True
    db.session.add(ChildNeeds(child_id=child.id, needs_particular_care=True, has_pai=True, allergies="Arachide",
                              emergency_protocol="Stylo d'adrénaline dans la trousse PAI, puis appeler le 15."))
    animator_email = make_staff(site, Role.ANIMATOR).email
    session_id, site_id, absent_name = session.id, site.id, families[7][2].first_name
    absent_booking = db.session.scalar(select(Booking.id).where(Booking.child_id == families[7][2].id))
    db.session.commit()

    page = page_factory(PHONE)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, animator_email)
    check(page, "register", "phone", "home")
    taps = 0

    def tap(locator):
        nonlocal taps
        taps += 1
        follow(page, locator)

    tap(page.locator(f"a[href='/accueils/seances/{session_id}']").first)
    check(page, "register", "phone", "register-open")
    main = page.inner_text("main")
    assert "Allergie sévère (PAI) : Arachide" in main and "20 enfants inscrits" in main
    page.get_by_text("Qui appeler, qui peut venir chercher l'enfant").first.click()  # opens a disclosure, no request
    assert page.get_by_text("06 11 22 33 44").first.is_visible()
    card = page.locator("article", has_text=absent_name)
    tap(card.get_by_role("button", name="Absent", exact=True))
    assert page.url.endswith(f"#child-{absent_booking}")  # back at the same card, no scrolling
    tap(page.get_by_role("button", name="Tous présents"))
    assert "Présences notées pour 19 enfants" in page.inner_text("main")
    check(page, "register", "phone", "register-marked")
    assert taps <= TAP_CEILING, taps
    db.session.expire_all()
    marks = dict(db.session.execute(select(Attendance.status, func.count(Attendance.id))
                                    .group_by(Attendance.status)).all())
    db.session.commit()  # releases the SQLite write lock for the server's next requests
    assert marks == {AttendanceStatus.PRESENT: 19, AttendanceStatus.ABSENT: 1}
    page.goto(f"{live_server}/accueils/aujourdhui")
    check(page, "register", "phone", "today")
    page.goto(f"{live_server}/accueils/sites/{site_id}/registre")
    check(page, "register", "phone", "printable")
    assert dialogs == []


def test_director_offers_a_freed_place_and_the_family_accepts(live_server, page_factory):
    rules.set_value("booking.waitlist_offer_hours", 48, valid_from=clock.today() - timedelta(days=30), note="test")
    site, session, families, booked_at = _today_session_with(3, over6=1)
    session.day = clock.today() + timedelta(days=7)
    holder, waiting = families[0], families[1]
    db.session.commit()
    services.cancel_booking(holder[0], db.session.scalar(select(Booking.id).where(Booking.child_id == holder[2].id)),
                            now=booked_at)
    director_email, parent_email = make_staff(site).email, waiting[0].email
    session_id, site_id, session_day = session.id, site.id, session.day
    booking_id = db.session.scalar(select(Booking.id).where(Booking.child_id == waiting[2].id))
    db.session.commit()

    director = page_factory(PHONE)
    keyboard_login(director, live_server, director_email)
    director.goto(f"{live_server}/accueils/seances/{session_id}")
    check(director, "waitlist", "phone", "free-place")
    follow(director, director.get_by_role("button", name="Proposer la place libre (6 ans et plus) à la famille suivante"))
    assert "réponse attendue avant le" in director.inner_text("main")
    check(director, "waitlist", "phone", "offered")
    # The staffing pages keep their alert column on the phone's screen.
    for url, label in ((f"/accueils/sites/{site_id}/seances?month={session_day:%Y-%m}", "Animateurs requis / prévus"),
                       ("/inclusion/encadrement", "Alerte")):
        director.goto(f"{live_server}{url}")
        check(director, "waitlist", "phone", "staffing-" + url.split("/")[-1].split("?")[0])
        box = director.locator(f"td[data-label='{label}']").first.bounding_box()
        assert box and box["width"] > 0 and box["x"] + box["width"] <= PHONE["width"], (url, box)

    family = page_factory(PHONE)
    keyboard_login(family, live_server, parent_email)
    family.goto(f"{live_server}/accueils/mes-reservations/{booking_id}/place-proposee")
    check(family, "waitlist", "phone", "offer")
    follow(family, family.get_by_role("button", name="Accepter la place"))
    assert "Place acceptée" in family.inner_text("main")
    check(family, "waitlist", "phone", "accepted")
    db.session.expire_all()
    assert db.session.get(Booking, booking_id).status is BookingStatus.CONFIRMED
