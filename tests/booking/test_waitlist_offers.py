"""Issue 19, waiting list: the director offers a freed place with a deadline (rule booking.waitlist_offer_hours),
the family accepts or declines, an unanswered offer lapses, a family is taken off the list at its request.
Every step goes through the engine and is recorded (WaitlistEvent) and told (outbox)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app import rules
from app.accounts.models import Role
from app.booking import services, waitlist
from app.booking.models import Booking, BookingStatus, Session, WaitlistEvent, WaitlistEventKind
from app.errors import Conflict, NotFound
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.booking.factories import (
    NOW,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)

HOURS = 48


def _offers_on(hours: int = HOURS) -> None:
    rules.set_value("booking.waitlist_offer_hours", hours, valid_from=date(2026, 1, 1), note="test")
    db.session.commit()


def _kinds(booking_id: int) -> list[str]:
    return [e.kind.value for e in db.session.scalars(select(WaitlistEvent).where(WaitlistEvent.booking_id == booking_id)
                                                     .order_by(WaitlistEvent.id))]


def _mails(kind: str, user) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == kind,
                                                                         OutboxMessage.to_address == user.email))


@pytest.fixture
def full_session():
    """One place (6 and over), taken by family 1; families 2 and 3 wait; the director of the site."""
    site = make_site()
    session = make_session(make_unit(make_activity(site)), under6=0, over6=1)
    families = [make_parent_with_child(first_name=name) for name in ("Léo", "Inès", "Malo")]
    ids = [services.book(parent, [(child.id, session.id)], now=NOW).items[0].booking_id
           for parent, _h, child in families]
    assert [db.session.get(Booking, i).status for i in ids] == [BookingStatus.CONFIRMED, BookingStatus.WAITLISTED,
                                                                 BookingStatus.WAITLISTED]
    return session, make_staff(site), [f[0] for f in families], ids


def test_without_the_rule_places_are_given_at_once_and_there_is_nothing_to_offer(full_session):
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    assert db.session.get(Booking, ids[1]).status is BookingStatus.CONFIRMED
    with pytest.raises(Conflict) as refused:
        waitlist.offer_place(director, session.id, "over6", now=NOW)
    assert refused.value.code == "offers_off"


def test_a_freed_place_waits_for_the_director_and_no_newcomer_takes_it(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    assert db.session.get(Booking, ids[1]).status is BookingStatus.WAITLISTED
    assert db.session.get(Session, session.id).taken_over6 == 0
    newcomer, _h, child = make_parent_with_child(first_name="Zoé")
    assert services.book(newcomer, [(child.id, session.id)], now=NOW).items[0].status == "waitlisted"
    assert db.session.get(Session, session.id).taken_over6 == 0


def test_offer_then_accept_before_the_deadline(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    offered = waitlist.offer_place(director, session.id, "over6", now=NOW)
    assert offered.id == ids[1] and offered.status is BookingStatus.OFFERED
    assert offered.offer_expires_at == NOW + timedelta(hours=HOURS)
    assert db.session.get(Session, session.id).taken_over6 == 1  # the offered place is kept for the family
    assert _mails("booking.offer", parents[1]) == 1 and _mails("booking.offer", parents[2]) == 0
    # Nobody else can be offered the same place.
    with pytest.raises(Conflict) as refused:
        waitlist.offer_place(director, session.id, "over6", now=NOW)
    assert refused.value.code == "no_free_place"
    accepted = waitlist.respond(parents[1], ids[1], True, now=NOW + timedelta(hours=HOURS - 1))
    assert accepted.status is BookingStatus.CONFIRMED and accepted.promoted_at is not None
    assert db.session.get(Session, session.id).taken_over6 == 1
    assert _kinds(ids[1]) == ["offered", "accepted"]
    event = db.session.scalar(select(WaitlistEvent).where(WaitlistEvent.kind == WaitlistEventKind.OFFERED))
    assert event.actor_id == director.id and director.display_name in event.actor_label
    booking, events = waitlist.family_offer(parents[1], ids[1])
    assert [e.kind.value for e in events] == ["offered", "accepted"]


def test_decline_frees_the_place_for_the_next_family(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    declined = waitlist.respond(parents[1], ids[1], False, now=NOW + timedelta(hours=1))
    assert declined.status is BookingStatus.CANCELLED
    assert db.session.get(Session, session.id).taken_over6 == 0
    nxt = waitlist.offer_place(director, session.id, "over6", now=NOW + timedelta(hours=2))
    assert nxt.id == ids[2] and nxt.status is BookingStatus.OFFERED
    assert _kinds(ids[1]) == ["offered", "declined"] and _kinds(ids[2]) == ["offered"]
    # A declined offer cannot be accepted afterwards.
    with pytest.raises(Conflict) as refused:
        waitlist.respond(parents[1], ids[1], True, now=NOW + timedelta(hours=3))
    assert refused.value.code == "not_offered"


def test_an_unanswered_offer_lapses_and_the_next_family_can_be_offered(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    late = NOW + timedelta(hours=HOURS, minutes=1)
    with pytest.raises(Conflict) as refused:
        waitlist.respond(parents[1], ids[1], True, now=late)
    assert refused.value.code == "offer_expired"
    lapsed = db.session.get(Booking, ids[1])
    assert lapsed.status is BookingStatus.CANCELLED and _kinds(ids[1]) == ["offered", "lapsed"]
    assert _mails("booking.offer_lapsed", parents[1]) == 1
    assert db.session.get(Session, session.id).taken_over6 == 0
    assert waitlist.offer_place(director, session.id, "over6", now=late).id == ids[2]


def test_the_daily_job_lapses_offers_past_their_deadline_only(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    assert waitlist.lapse_offers(now=NOW + timedelta(hours=HOURS - 1)) == 0
    assert db.session.get(Booking, ids[1]).status is BookingStatus.OFFERED
    assert waitlist.lapse_offers(now=NOW + timedelta(hours=HOURS + 1)) == 1
    assert db.session.get(Booking, ids[1]).status is BookingStatus.CANCELLED
    assert waitlist.lapse_offers(now=NOW + timedelta(hours=HOURS + 2)) == 0  # nothing twice
    assert _kinds(ids[1]) == ["offered", "lapsed"]


def test_offering_lapses_expired_offers_first(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    nxt = waitlist.offer_place(director, session.id, "over6", now=NOW + timedelta(hours=HOURS + 1))
    assert nxt.id == ids[2] and _kinds(ids[1]) == ["offered", "lapsed"]


def test_the_director_removes_a_family_at_its_request(full_session):
    session, director, parents, ids = full_session
    removed = waitlist.remove(director, ids[2], now=NOW, note="Appel de la mère le 2 mars")
    assert removed.status is BookingStatus.CANCELLED
    event = db.session.scalar(select(WaitlistEvent).where(WaitlistEvent.booking_id == ids[2]))
    assert event.kind is WaitlistEventKind.REMOVED and event.note == "Appel de la mère le 2 mars"
    assert event.actor_id == director.id
    assert _mails("booking.waitlist_removed", parents[2]) == 1
    # The queue closes up: the remaining waiting child is first.
    assert services.waitlist_position(db.session.get(Booking, ids[1])) == 1
    # A confirmed booking is not on the list: refused, nothing written.
    with pytest.raises(Conflict) as refused:
        waitlist.remove(director, ids[0], now=NOW)
    assert refused.value.code == "not_waiting"
    assert db.session.get(Booking, ids[0]).status is BookingStatus.CONFIRMED


def test_removing_an_offered_family_frees_its_place(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    waitlist.remove(director, ids[1], now=NOW)
    assert db.session.get(Session, session.id).taken_over6 == 0
    assert _kinds(ids[1]) == ["offered", "removed"]


def test_only_the_site_director_acts_and_only_the_family_answers(full_session):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    other_director = make_staff(make_site("Centre social de Pradines"))
    animator = make_staff(session.unit.activity.site, Role.ANIMATOR)
    for user in (other_director, animator, parents[1]):
        with pytest.raises(NotFound):
            waitlist.offer_place(user, session.id, "over6", now=NOW)
        with pytest.raises(NotFound):
            waitlist.remove(user, ids[2], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    for user in (parents[2], director, other_director):
        with pytest.raises(NotFound):
            waitlist.respond(user, ids[1], True, now=NOW)
        with pytest.raises(NotFound):
            waitlist.family_offer(user, ids[1])
    assert db.session.get(Booking, ids[1]).status is BookingStatus.OFFERED
    assert db.session.scalar(select(func.count(WaitlistEvent.id))) == 1


def test_the_database_refuses_a_second_active_booking_of_a_child_for_a_session(full_session):
    """The partial unique index now matches the stored statuses (the enum's names), offered included."""
    import uuid

    from sqlalchemy.exc import IntegrityError

    from app.booking.models import AgeBand

    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    offered = waitlist.offer_place(director, session.id, "over6", now=NOW)
    db.session.add(Booking(child_id=offered.child_id, session_id=session.id, status=BookingStatus.WAITLISTED,
                           age_band=AgeBand.OVER6, submission_id=str(uuid.uuid4())))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_family_reaches_the_offer_from_its_bookings_page(full_session, login_as):
    _offers_on()
    session, director, parents, ids = full_session
    services.cancel_booking(parents[0], ids[0], now=NOW)
    waitlist.offer_place(director, session.id, "over6", now=NOW)
    with time_machine.travel(NOW, tick=False):
        page = login_as(parents[1]).get("/accueils/mes-reservations").get_data(as_text=True)
        other = login_as(parents[2]).get("/accueils/mes-reservations").get_data(as_text=True)
    assert f'href="/accueils/mes-reservations/{ids[1]}/place-proposee"' in page
    assert "place-proposee" not in other  # still waiting: nothing to answer
