"""Every booking URL requested as every role: nobody reaches what their role may not see."""
import pytest

from app.accounts.models import Role
from app.booking import feeds, services
from tests.booking.factories import (
    future_wednesday,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.factories import make_user

PARENT_ONLY = {"booking.calendar", "booking.my_bookings", "booking.confirm_cancel", "booking.confirm_renew_feed",
               "booking.offer_page"}
STAFF = {"booking.staff_sites", "booking.site_detail", "booking.site_sessions", "booking.session_detail",
         "booking.daily_register", "booking.staff_today"}
MANAGERS = {"booking.activity_detail", "booking.generate"}
PUBLIC = {"booking.household_feed", "booking.site_feed"}
POST_ACCESS = {
    "booking.submit": {Role.PARENT}, "booking.review": {Role.PARENT}, "booking.cancel": {Role.PARENT},
    "booking.renew_feed": {Role.PARENT},
    "booking.revoke_feed": {Role.PARENT},
    "booking.create_site": {Role.ADMIN},
    "booking.update_site": {Role.DIRECTOR, Role.ADMIN}, "booking.create_activity": {Role.DIRECTOR, Role.ADMIN},
    "booking.activity_detail": {Role.DIRECTOR, Role.ADMIN}, "booking.generate": {Role.DIRECTOR, Role.ADMIN},
    "booking.adjust_session": {Role.DIRECTOR, Role.ADMIN}, "booking.cancel_session": {Role.DIRECTOR, Role.ADMIN},
    "booking.cancel_by_centre": {Role.DIRECTOR, Role.ADMIN},
    "booking.renew_site_feed": {Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN},
    "booking.mark_attendance": {Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN},
    "booking.mark_one": {Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN},
    "booking.mark_all_present": {Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN},
    "booking.offer_place": {Role.DIRECTOR, Role.ADMIN},
    "booking.remove_from_waitlist": {Role.DIRECTOR, Role.ADMIN},
    "booking.answer_offer": {Role.PARENT},
}


@pytest.mark.parametrize("role", list(Role))
def test_every_booking_page_as_every_role(app, role, login_as):
    site = make_site()
    activity = make_activity(site)
    session = make_session(make_unit(activity), day=future_wednesday())
    parent, _household, child = make_parent_with_child()
    booked = services.book(parent, [(child.id, session.id)]).items[0]
    director = make_staff(site)
    ids = {"site_id": site.id, "activity_id": activity.id, "session_id": session.id, "booking_id": booked.booking_id,
           "token": feeds.renew_household_feed(parent).token}
    site_token = feeds.renew_site_feed(director, site.id).token
    if role is Role.PARENT:
        user = parent
    elif role in (Role.DIRECTOR, Role.ANIMATOR):
        user = make_staff(site, role)
    else:
        user = make_user(role)
    client = login_as(user)
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "booking" or "GET" not in rule.methods:
            continue
        if app.view_functions[rule.endpoint].__module__ == "app.booking.allocation.views":
            continue  # allocation by draw has its own access tests
        seen.add(rule.endpoint)
        values = {name: ids[name] for name in rule.arguments}
        if rule.endpoint == "booking.site_feed":
            values["token"] = site_token
        url = app.url_map.bind("localhost").build(rule.endpoint, values)
        status = client.get(url).status_code
        if rule.endpoint in PUBLIC:
            expected = 200
        elif rule.endpoint in PARENT_ONLY:
            expected = 200 if role is Role.PARENT else 403
        elif rule.endpoint in MANAGERS:
            expected = 200 if role in (Role.DIRECTOR, Role.ADMIN) else 403
        else:
            expected = 200 if role in (Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN) else 403
        assert status == expected, (rule.endpoint, role, status)
    assert seen == PARENT_ONLY | STAFF | MANAGERS | PUBLIC  # a new page must be classified here
    # Every POST refuses the roles it is not for (before reading anything else).
    from tests.conftest import get_csrf

    token = get_csrf(client, "/connexion")
    ids["booking_id"] = 999999
    posts = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "booking" or "POST" not in rule.methods:
            continue
        if app.view_functions[rule.endpoint].__module__ == "app.booking.allocation.views":
            continue  # allocation by draw has its own access tests
        posts.add(rule.endpoint)
        url = app.url_map.bind("localhost").build(rule.endpoint, {name: ids[name] for name in rule.arguments})
        status = client.post(url, data={"csrf_token": token}).status_code
        if role in POST_ACCESS[rule.endpoint]:
            assert status != 403 and status < 500, (rule.endpoint, role, status)
        else:
            assert status == 403, (rule.endpoint, role, status)
    assert posts == set(POST_ACCESS)
