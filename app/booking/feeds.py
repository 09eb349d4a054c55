"""iCalendar subscriptions: a household's bookings, a site's sessions.

Phone calendars cannot log in, so each feed is a secret URL whose token
can be revoked (a new one replaces it). UIDs are stable per booking or
session; SEQUENCE grows with every change, so a cancellation replaces the
event with a STATUS:CANCELLED one in the subscriber's calendar.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from icalendar import Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.booking.access import Action, household_of
from app.booking.day_plans import day_plans
from app.booking.models import PLACE_STATUSES, Activity, Booking, BookingStatus, CalendarFeedToken, Session, Unit
from app.booking.registry import add_once, booking_registry
from app.errors import NotFound
from app.extensions import db, utcnow
from app.families.models import Child
from app.notifications import ical
from app.sites.models import Site
from app.transactions import use_case

UID_DOMAIN = ical.UID_DOMAIN

# Other domains (occasional care) add their events to the household feed
# without booking importing them: fn(household_id, since) -> iterable of Event.
def register_household_feed_source(source) -> None:
    add_once(booking_registry().household_feed_sources, source)


def is_live(row: CalendarFeedToken | None) -> bool:
    """A feed URL works while it is not revoked and its creator's account is in the state it was
    issued in: active, and no "log out everywhere" or new password since (User.feed_generation).
    An ordinary log-out leaves it working: phones keep subscribing."""
    if row is None or row.revoked_at is not None:
        return False
    creator = row.created_by
    return (creator is not None and creator.active
            and (creator.feed_generation or 0) == (row.creator_feed_generation or 0))


def _active_token(**where) -> CalendarFeedToken | None:
    query = select(CalendarFeedToken).where(CalendarFeedToken.revoked_at.is_(None))
    for name, value in where.items():
        query = query.where(getattr(CalendarFeedToken, name) == value)
    row = db.session.scalar(query.order_by(CalendarFeedToken.id.desc()))
    return row if is_live(row) else None


def webcal(url: str) -> str:
    """The subscription form of a feed address (webcal://…): a phone's calendar app opens it and subscribes."""
    scheme, _sep, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else url


def household_feed_token(user: User) -> CalendarFeedToken | None:
    household = household_of(user)
    return _active_token(household_id=household.id) if household else None


@use_case
def renew_household_feed(user: User) -> CalendarFeedToken:
    """Revoke the household's feed URL (if any) and issue a new one. Raises NotFound without a household."""
    household = household_of(user)
    if household is None:
        raise NotFound()
    now = utcnow()
    for token in db.session.scalars(select(CalendarFeedToken).where(
            CalendarFeedToken.household_id == household.id, CalendarFeedToken.revoked_at.is_(None))):
        token.revoked_at = now
    token = CalendarFeedToken(token=secrets.token_urlsafe(32), household_id=household.id, created_by_id=user.id,
                              creator_feed_generation=user.feed_generation or 0)
    db.session.add(token)
    return token


@use_case
def revoke_household_feed(user: User) -> None:
    """Revoke the household's feed: the old URL stops working at once."""
    household = household_of(user)
    if household is None:
        raise NotFound()
    for token in db.session.scalars(select(CalendarFeedToken).where(
            CalendarFeedToken.household_id == household.id, CalendarFeedToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()


def site_feed_token(user: User, site_id: int) -> CalendarFeedToken | None:
    return _active_token(site_id=site_id, created_by_id=user.id)


@use_case
def renew_site_feed(user: User, site_id: int) -> CalendarFeedToken:
    """A new private URL for a site's calendar (its director), revoking the user's previous one."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound()
    require(user, Action.VIEW_SITE, site)
    for token in db.session.scalars(select(CalendarFeedToken).where(
            CalendarFeedToken.site_id == site_id, CalendarFeedToken.created_by_id == user.id,
            CalendarFeedToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()
    token = CalendarFeedToken(token=secrets.token_urlsafe(32), site_id=site_id, created_by_id=user.id,
                              creator_feed_generation=user.feed_generation or 0)
    db.session.add(token)
    return token


def _event(uid: str, session: Session, summary: str, sequence: int, stamp, cancelled: bool, plan=None) -> Event:
    site = session.unit.activity.site
    description = f"{site.name} – {session.unit.activity.name} ({session.unit.label})"
    if plan:  # a day plan (an adaptation step) gives that day's own arrival and pick-up times
        description += "\n" + plan.title + " – " + ", ".join(
            [_("avec un parent") if plan.with_parent else _("sans parent"),
             _("avec repas") if plan.with_meal else _("sans repas")])
    return ical.new_event(uid=uid, start=plan.starts_at(session.day) if plan else session.starts_at(),
                          end=plan.ends_at(session.day) if plan else session.ends_at(), summary=summary,
                          stamp=stamp, sequence=sequence, status="CANCELLED" if cancelled else "CONFIRMED",
                          location=site.full_address, description=description)


def household_calendar(token: str) -> bytes:
    """The household's feed: one event per booking that held a place. Raises NotFound for unknown or revoked tokens."""
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.token == token,
                                                            CalendarFeedToken.household_id.is_not(None),
                                                            CalendarFeedToken.revoked_at.is_(None)))
    if not is_live(row):
        raise NotFound()
    since = clock.today() - timedelta(days=current_app.config.get("CALENDAR_FEED_PAST_DAYS", 60))
    bookings = db.session.scalars(
        select(Booking).join(Child).join(Session)
        .where(Child.household_id == row.household_id, Session.day >= since,
               Booking.status.in_([*PLACE_STATUSES, BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED]))
        .options(selectinload(Booking.child),
                 selectinload(Booking.session).selectinload(Session.unit).selectinload(Unit.activity)
                 .selectinload(Activity.site).selectinload(Site.commune))
        .order_by(Session.day, Booking.id)).all()
    cal = ical.new_calendar("Pitchoun – réservations")
    plans = day_plans(b.id for b in bookings if b.status in PLACE_STATUSES)
    for booking in bookings:
        cancelled = booking.status in (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED)
        if cancelled and not _ever_held(booking):
            continue  # a waiting-list entry withdrawn before promotion never reached the calendar
        session = booking.session
        summary = f"{booking.child.first_name} – {session.unit.activity.site.name} ({session.unit.label})"
        cal.add_component(_event(ical.uid("booking", booking.id), session, summary, booking.sequence,
                                 booking.updated_at, cancelled, plans.get(booking.id)))
    for source in list(booking_registry().household_feed_sources):
        for event in source(row.household_id, since):
            cal.add_component(event)
    return ical.to_bytes(cal)


def _ever_held(booking: Booking) -> bool:
    # A booking that started on the waiting list is bumped once by its
    # promotion, then once more by its cancellation.
    return booking.waitlist_order is None or booking.sequence >= 2


def site_calendar(token: str) -> bytes:
    """A site's sessions with their number of children. Raises NotFound for unknown or revoked tokens."""
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.token == token,
                                                            CalendarFeedToken.site_id.is_not(None),
                                                            CalendarFeedToken.revoked_at.is_(None)))
    if not is_live(row):
        raise NotFound()
    since = clock.today() - timedelta(days=60)
    sessions = db.session.scalars(
        select(Session).join(Unit).join(Activity)
        .where(Activity.site_id == row.site_id, Session.day >= since)
        .options(selectinload(Session.unit).selectinload(Unit.activity).selectinload(Activity.site)
                 .selectinload(Site.commune))
        .order_by(Session.day, Session.id)).all()
    cal = ical.new_calendar(f"Pitchoun – {row.site.name}")
    stamp = utcnow()  # sessions keep no time of change
    for session in sessions:
        children = session.taken_under6 + session.taken_over6
        summary = f"{session.unit.activity.name} ({session.unit.label}) – " + ngettext(
            "%(num)d enfant", "%(num)d enfants", children)
        cal.add_component(_event(ical.uid("session", session.id), session, summary,
                                 1 if session.cancelled else 0, stamp, session.cancelled))
    return ical.to_bytes(cal)
