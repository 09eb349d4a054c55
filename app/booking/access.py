"""Who may do what in booking: named actions and staff scopes."""
from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session as OrmSession

from app.accounts.access import policy, require
from app.accounts.models import Role, User
from app.extensions import db
from app.families.models import Child, Household, HouseholdMember
from app.sites.access import site_ids_of


class Action:
    BOOK_FOR_CHILD = "booking.book_for_child"
    MANAGE_SITE = "booking.manage_site"
    VIEW_SITE = "booking.view_site"
    MARK_ATTENDANCE = "booking.mark_attendance"
    # The guardians' phones and the emergency contacts on a session's register (obj: Session): the
    # director and animators of its site, who may have to call a family; not administrators.
    READ_FAMILY_CONTACTS = "booking.read_family_contacts"
    # Offer a freed place to the next waiting family, take a family off the list (obj: site id).
    MANAGE_WAITLIST = "booking.manage_waitlist"
    CREATE_SITE = "booking.create_site"  # a new leisure centre: the administrator
    REQUEST_PLACES = "booking.request_places"  # ask for places in a draw (allocation): a parent
    VIEW_ALLOCATION_RESULTS = "booking.allocation.view_results"  # a draw's transparency pages


_HOUSEHOLDS = "pitchoun.households_of"  # Session.info: {user id: Household or None}, this transaction's


def household_of(user: User) -> Household | None:
    """The user's household. Asked by several parts of one page (the page, the menu's notices): read once
    per transaction and kept with what it loaded (its children), read again after any write."""
    session = db.session()
    known = session.info.setdefault(_HOUSEHOLDS, {})
    if session.new or session.dirty or session.deleted or user.id not in known:  # pending writes: read again
        known[user.id] = db.session.scalar(select(Household).join(HouseholdMember)
                                           .where(HouseholdMember.user_id == user.id))
    return known[user.id]


@event.listens_for(OrmSession, "after_flush")
def _forget_households_written(session, *_args) -> None:
    session.info.pop(_HOUSEHOLDS, None)


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_households_on_statement(state) -> None:
    if not state.is_select:  # an INSERT, UPDATE or DELETE through the session, ORM or Core
        state.session.info.pop(_HOUSEHOLDS, None)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_households(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: the next one reads again
        session.info.pop(_HOUSEHOLDS, None)


def works_at_sites(user: User) -> bool:
    """Directors and animators work at the sites they are attached to."""
    return user.role in (Role.DIRECTOR, Role.ANIMATOR)


def manages_sites(user: User) -> bool:
    """Directors manage their sites' activities, the administrator every site's."""
    return user.role in (Role.DIRECTOR, Role.ADMIN)


def sees_every_allocation_period(user: User) -> bool:
    """Parents (any site of the territory), the Relais and the administrator see every draw period."""
    return user.role in (Role.PARENT, Role.ADMIN, Role.RAM_STAFF)


def sees_allocation_results(user: User) -> bool:
    """The draw's transparency pages: parents of the territory and staff."""
    return user.role in (Role.PARENT, Role.ANIMATOR, Role.DIRECTOR, Role.RAM_STAFF, Role.ADMIN)


def requests_places(user: User) -> bool:
    """Only a parent asks for places in a draw."""
    return user.role == Role.PARENT


def creates_sites(user: User) -> bool:
    return user.role == Role.ADMIN


def creates_sessions(user: User) -> bool:
    """Through the API: the site's direction and the administrators."""
    return user.role in (Role.DIRECTOR, Role.ADMIN)


def books_as_family(user: User) -> bool:
    """Booking for one's children is a parent's operation."""
    return user.role == Role.PARENT


def _site_id(obj) -> int | None:
    return obj if isinstance(obj, int) else getattr(obj, "id", None)


@policy(Action.BOOK_FOR_CHILD)
def _can_book(user: User, child: Child) -> bool:
    if user.role != Role.PARENT or child is None:
        return False
    return db.session.scalar(select(HouseholdMember.id).where(
        HouseholdMember.user_id == user.id, HouseholdMember.household_id == child.household_id)) is not None


@policy(Action.MANAGE_SITE)
def _can_manage(user: User, site) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.DIRECTOR and _site_id(site) in site_ids_of(user)


@policy(Action.VIEW_SITE)
def _can_view(user: User, site) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role in (Role.DIRECTOR, Role.ANIMATOR) and _site_id(site) in site_ids_of(user)


@policy(Action.MARK_ATTENDANCE)
def _can_mark(user: User, site) -> bool:
    return _can_view(user, site)


@policy(Action.READ_FAMILY_CONTACTS)
def _can_read_contacts(user: User, session) -> bool:
    if user.role not in (Role.DIRECTOR, Role.ANIMATOR) or session is None:
        return False
    return session.unit.activity.site_id in site_ids_of(user)


@policy(Action.MANAGE_WAITLIST)
def _can_manage_waitlist(user: User, site) -> bool:
    return _can_manage(user, site)


@policy(Action.CREATE_SITE)
def _can_create_site(user: User, _obj=None) -> bool:
    return creates_sites(user)


@policy(Action.REQUEST_PLACES)
def _can_request_places(user: User, _obj=None) -> bool:
    return requests_places(user)


__all__ = ["Action", "household_of", "require"]
