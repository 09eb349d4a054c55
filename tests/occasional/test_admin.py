"""Administration of occasional care, services called directly: providers, opening periods and
their effect on existing blocks, hourly tariffs, coordinators."""
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.occasional import admin, services
from app.occasional.models import (
    CareBlock,
    OccasionalBooking,
    OccasionalProvider,
    ProviderOpening,
    ProviderStaff,
    RequestStatus,
)
from tests.factories import make_user
from tests.occasional.factories import MONDAY, NOW, make_coordinator, make_family, make_provider

# NOW is Monday 2 March 2026 09:00 UTC; MONDAY is 16 March 2026.
LATER = NOW + timedelta(days=3)


@pytest.fixture
def admin_user():
    return make_user(Role.ADMIN)


def _block(provider, day, start):
    return db.session.scalar(select(CareBlock).where(CareBlock.provider_id == provider.id, CareBlock.day == day,
                                                     CareBlock.starts_at == start))


def _opening(provider, weekday, opens_at):
    return next(o for o in provider.openings if o.weekday == weekday and o.opens_at == opens_at)


def _book(provider, day, start="05:30", end="07:30", **kwargs):
    parent, _h, child = make_family()
    answer = services.request_care(parent, child.id, provider.id, day, start, end, now=NOW, **kwargs).answers[0]
    return db.session.get(OccasionalBooking, answer.booking_id) if answer.booking_id else answer


def _settings(**values):
    return admin.ProviderSettings(**{"name": "Multi-accueil Les Lucioles", "commune_insee": None, **values})


# ---------------------------------------------------------------- providers

def test_admin_creates_a_provider_with_default_ratios(admin_user):
    provider = admin.create_provider(admin_user, _settings(kind="shifted_hours", notice_hours=24))
    assert (provider.ratio_not_walking, provider.ratio_walking, provider.notice_hours) == (5, 8, 24)
    assert provider.active and provider.openings == []


def test_a_provider_name_is_unique_whatever_the_case(admin_user):
    make_provider("Les Lucioles")
    with pytest.raises(ValidationFailed) as refused:
        admin.create_provider(admin_user, _settings(name="  les lucioles "))
    assert refused.value.field == "name" and "déjà ce nom" in refused.value.message
    other = admin.create_provider(admin_user, _settings(name="Les Grillons"))
    with pytest.raises(ValidationFailed):
        admin.update_provider(admin_user, other.id, _settings(name="Les Lucioles"))
    admin.update_provider(admin_user, other.id, _settings(name="Les Grillons", phone="05 65 00 00 00"))
    assert other.phone == "05 65 00 00 00"


@pytest.mark.parametrize("values, field", [
    ({"name": " "}, "name"),
    ({"kind": "creche"}, "kind"),
    ({"commune_insee": "99999"}, "commune_insee"),
    ({"min_age_months": 24, "max_age_months": 24}, "max_age_months"),
    ({"walking_age_months": -1}, "walking_age_months"),
    ({"notice_hours": 1000}, "notice_hours"),
    ({"ratio_not_walking": 0}, "ratio_not_walking"),
    ({"ratio_walking": 21}, "ratio_walking"),
])
def test_provider_settings_are_checked(admin_user, values, field):
    with pytest.raises(ValidationFailed) as refused:
        admin.create_provider(admin_user, _settings(**values))
    assert refused.value.field == field
    assert db.session.scalar(select(OccasionalProvider.id)) is None


def test_only_an_administrator_manages_providers():
    provider = make_provider()
    for role in (Role.PARENT, Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER):
        user = make_user(role)
        with pytest.raises(Forbidden):
            admin.create_provider(user, _settings())
        with pytest.raises(Forbidden):
            admin.add_tariff(user, provider.id, 0, None, Decimal("1"))
        with pytest.raises(Forbidden):
            admin.update_opening(user, provider.id, provider.openings[0].id, 0, time(5), time(8), 1, 1)


def test_a_provider_with_requests_is_deactivated_not_deleted(admin_user):
    used = make_provider()
    _book(used, MONDAY)
    with pytest.raises(Conflict) as refused:
        admin.delete_provider(admin_user, used.id)
    assert "Désactivez-la" in refused.value.message
    admin.update_provider(admin_user, used.id, _settings(name=used.name, active=False))
    assert not used.active and admin.future_request_count(used, NOW) == 1
    unused = make_provider("Erreur de saisie")
    make_coordinator(unused)
    admin.delete_provider(admin_user, unused.id)
    assert db.session.get(OccasionalProvider, unused.id) is None
    assert db.session.scalar(select(ProviderStaff.id).where(ProviderStaff.provider_id == unused.id)) is None


def test_closing_on_public_holidays_is_refused_while_a_request_falls_on_one(admin_user):
    provider = make_provider()  # open on public holidays
    easter_monday = date(2026, 4, 6)
    _book(provider, easter_monday)
    with pytest.raises(Conflict) as refused:
        admin.update_provider(admin_user, provider.id, _settings(name=provider.name, closed_on_public_holidays=True),
                              now=NOW)
    assert "lundi 6 avril 2026" in refused.value.message
    db.session.expire_all()
    assert not db.session.get(OccasionalProvider, provider.id).closed_on_public_holidays


# ---------------------------------------------------------------- opening periods: validation

@pytest.mark.parametrize("opens_at, closes_at, not_walking, walking, code, field", [
    (time(5, 15), time(8), 1, 1, "period_not_aligned", "opens_at"),
    (time(9), time(12, 45), 1, 1, "period_not_aligned", "closes_at"),
    (time(12), time(12), 1, 1, "period_invalid", "closes_at"),
    (time(12), time(9), 1, 1, "period_invalid", "closes_at"),
    (time(9), time(12), 0, 0, "period_without_places", "capacity_not_walking"),
    (time(9), time(12), -1, 3, "invalid", "capacity_not_walking"),
    (time(7), time(9), 1, 1, "period_overlap", "opens_at"),      # overlaps 05:00–08:00
    (time(4), time(23), 1, 1, "period_overlap", "opens_at"),     # covers both periods
])
def test_opening_periods_are_checked(admin_user, opens_at, closes_at, not_walking, walking, code, field):
    provider = make_provider()
    with pytest.raises(ValidationFailed) as refused:
        admin.add_opening(admin_user, provider.id, 0, opens_at, closes_at, not_walking, walking, now=NOW)
    assert (refused.value.code, refused.value.field) == (code, field)
    db.session.expire_all()
    assert len(db.session.get(OccasionalProvider, provider.id).openings) == 12


def test_overlap_message_names_the_other_period_and_adjacent_periods_are_fine(admin_user):
    provider = make_provider()
    with pytest.raises(ValidationFailed) as refused:
        admin.add_opening(admin_user, provider.id, 0, time(7, 30), time(9), 1, 1)
    assert "lundi de 05:00 à 08:00" in refused.value.message
    admin.add_opening(admin_user, provider.id, 0, time(8), time(9), 1, 0, now=NOW)  # right after 05:00–08:00
    admin.add_opening(admin_user, provider.id, 6, time(7), time(9), 0, 2, now=NOW)  # Sunday, free
    assert len(provider.openings) == 14
    # Editing a period may keep its own hours (it does not overlap itself).
    opening = _opening(provider, 0, time(5))
    admin.update_opening(admin_user, provider.id, opening.id, 0, time(5), time(8), 3, 3, now=NOW)


def test_a_new_period_is_bookable(admin_user):
    provider = admin.create_provider(admin_user, _settings(closed_on_public_holidays=False))
    admin.add_opening(admin_user, provider.id, 0, time(7, 30), time(12), 2, 3, now=NOW)
    admin.add_tariff(admin_user, provider.id, 0, None, "1.50")
    booking = _book(provider, MONDAY, "08:00", "10:00")
    assert booking.status is RequestStatus.CONFIRMED and booking.price == Decimal("3.00")


# ---------------------------------------------------------------- opening periods: existing blocks

def test_new_capacity_reaches_existing_future_blocks_not_past_ones(admin_user):
    provider = make_provider(walking=2)
    _book(provider, MONDAY, "05:30", "06:30")
    _book(provider, MONDAY + timedelta(days=7), "05:30", "06:30")
    opening = _opening(provider, 0, time(5))
    # "Now" is between the two Mondays: the first one is history.
    now = NOW + timedelta(days=15)
    admin.update_opening(admin_user, provider.id, opening.id, 0, time(5), time(8), 4, 6, now=now)
    past, future = _block(provider, MONDAY, time(5, 30)), _block(provider, MONDAY + timedelta(days=7), time(5, 30))
    assert (past.capacity_not_walking, past.capacity_walking) == (2, 2)
    assert (future.capacity_not_walking, future.capacity_walking) == (4, 6)
    assert future.taken_walking == 1
    # Another weekday's blocks keep their capacity.
    _book(provider, MONDAY + timedelta(days=8), "05:30", "06:30")
    assert _block(provider, MONDAY + timedelta(days=8), time(5, 30)).capacity_walking == 2


def test_capacity_cannot_go_below_places_taken_and_nothing_is_half_written(admin_user):
    provider = make_provider(walking=3)
    _book(provider, MONDAY + timedelta(days=7), "05:00", "06:00")  # one child on a later Monday
    _book(provider, MONDAY, "05:30", "06:30")
    _book(provider, MONDAY, "05:30", "06:00")
    opening = _opening(provider, 0, time(5))
    with pytest.raises(Conflict) as refused:
        admin.update_opening(admin_user, provider.id, opening.id, 0, time(5), time(8), 2, 1, now=NOW)
    message = refused.value.message
    assert refused.value.code == "capacity_below_taken"
    assert "lundi 16 mars 2026 à 05:30" in message and "2 enfants qui marchent" in message
    db.session.expire_all()
    opening = db.session.get(ProviderOpening, opening.id)
    assert (opening.capacity_not_walking, opening.capacity_walking) == (2, 3)
    # The later Monday's block (one child, would have fitted) was not changed either.
    assert _block(provider, MONDAY + timedelta(days=7), time(5)).capacity_walking == 3
    # Down to exactly the places taken is allowed.
    admin.update_opening(admin_user, provider.id, opening.id, 0, time(5), time(8), 2, 2, now=NOW)
    assert _block(provider, MONDAY, time(5, 30)).capacity_walking == 2
    assert _book(provider, MONDAY, "05:30", "06:00").status == "full"


def test_shortening_a_period_used_by_requests_is_refused(admin_user):
    provider = make_provider()
    _book(provider, MONDAY, "07:00", "08:00")
    opening = _opening(provider, 0, time(5))
    with pytest.raises(Conflict) as refused:
        admin.update_opening(admin_user, provider.id, opening.id, 0, time(5), time(7, 30), 2, 4, now=NOW)
    assert refused.value.code == "period_in_use"
    assert "lundi 16 mars 2026 de 07:00 à 08:00" in refused.value.message
    # Moving it to another weekday, or removing it, gives the same answer.
    with pytest.raises(Conflict):
        admin.update_opening(admin_user, provider.id, opening.id, 6, time(5), time(8), 2, 4, now=NOW)
    with pytest.raises(Conflict):
        admin.remove_opening(admin_user, provider.id, opening.id, now=NOW)
    db.session.expire_all()
    opening = db.session.get(ProviderOpening, opening.id)
    assert (opening.weekday, opening.closes_at) == (0, time(8))
    # Shortening where nobody is booked works, and the blocks given up go.
    assert _block(provider, MONDAY, time(7)) is not None
    admin.update_opening(admin_user, provider.id, opening.id, 0, time(6), time(8), 2, 4, now=NOW)
    assert _block(provider, MONDAY, time(5)) is None and _block(provider, MONDAY, time(7)).taken_walking == 1


def test_cancelled_requests_do_not_hold_a_period(admin_user):
    provider = make_provider()
    booking = _book(provider, MONDAY, "06:00", "07:00")
    services.cancel_request(db.session.get(User, booking.booked_by_id), booking.id, now=NOW)
    admin.remove_opening(admin_user, provider.id, _opening(provider, 0, time(5)).id, now=NOW)
    assert _block(provider, MONDAY, time(6)) is None


def test_a_waitlisted_request_blocks_removal(admin_user):
    provider = make_provider(walking=1)
    _book(provider, MONDAY + timedelta(days=7), "06:00", "07:00")
    _book(provider, MONDAY + timedelta(days=7), "06:00", "07:00", join_waitlist=True)
    opening = _opening(provider, 0, time(5))
    with pytest.raises(Conflict) as refused:
        admin.remove_opening(admin_user, provider.id, opening.id, now=NOW)
    assert "lundi 23 mars 2026 de 06:00 à 07:00" in refused.value.message


def test_past_requests_do_not_hold_a_period(admin_user):
    provider = make_provider()
    _book(provider, MONDAY, "05:30", "06:30")
    opening = _opening(provider, 0, time(5))
    admin.remove_opening(admin_user, provider.id, opening.id, now=NOW + timedelta(days=15))
    assert _block(provider, MONDAY, time(5, 30)).taken_walking == 1  # history kept


def test_raising_a_capacity_gives_the_place_to_the_waiting_list(admin_user):
    provider = make_provider(walking=1)
    _book(provider, MONDAY, "06:00", "07:00")
    waiting = _book(provider, MONDAY, "06:00", "07:00", join_waitlist=True)
    opening = _opening(provider, 0, time(5))
    admin.update_opening(admin_user, provider.id, opening.id, 0, time(5), time(8), 2, 2, now=NOW)
    db.session.refresh(waiting)
    assert waiting.status is RequestStatus.CONFIRMED
    assert _block(provider, MONDAY, time(6)).taken_walking == 2
    kinds = [m.kind for m in db.session.scalars(select(OutboxMessage))]
    assert "occasional.promoted" in kinds


def test_a_new_period_gives_its_capacity_to_blocks_left_from_an_earlier_one(admin_user):
    provider = make_provider()
    _book(provider, MONDAY, "05:30", "06:00")
    booking = db.session.scalars(select(OccasionalBooking)).one()
    services.cancel_request(db.session.get(User, booking.booked_by_id), booking.id, now=NOW)
    admin.remove_opening(admin_user, provider.id, _opening(provider, 0, time(5)).id, now=NOW)
    admin.add_opening(admin_user, provider.id, 0, time(5), time(7), 5, 7, now=NOW)
    assert _book(provider, MONDAY, "05:30", "06:00").status is RequestStatus.CONFIRMED
    assert _block(provider, MONDAY, time(5, 30)).capacity_walking == 7


# ---------------------------------------------------------------- tariffs

def test_tariff_bands_may_not_overlap(admin_user):
    provider = make_provider()  # 0–700 at 1,20 €, 701 and more at 2,50 €
    with pytest.raises(ValidationFailed) as refused:
        admin.add_tariff(admin_user, provider.id, 500, 900, "1.80")
    assert refused.value.code == "tariff_overlap" and "QF 0 à 700 (1,20 €" in refused.value.message
    with pytest.raises(ValidationFailed):
        admin.add_tariff(admin_user, provider.id, 5000, None, "3")  # inside "701 and more"
    first, last = sorted(provider.tariffs, key=lambda t: t.qf_min)
    admin.update_tariff(admin_user, provider.id, last.id, 1201, None, "3.00")
    admin.add_tariff(admin_user, provider.id, 701, 1200, "2.00")
    admin.update_tariff(admin_user, provider.id, first.id, 0, 700, "1.10")  # its own band: no overlap with itself
    assert [(t.qf_min, t.qf_max, t.hourly_price) for t in sorted(provider.tariffs, key=lambda t: t.qf_min)] == [
        (0, 700, Decimal("1.10")), (701, 1200, Decimal("2.00")), (1201, None, Decimal("3.00"))]


@pytest.mark.parametrize("qf_min, qf_max, price, field", [
    (800, 700, "1", "qf_max"), (800, None, "-1", "hourly_price"), (800, None, "1.005", "hourly_price")])
def test_tariff_values_are_checked(admin_user, qf_min, qf_max, price, field):
    provider = make_provider()
    provider.tariffs.clear()
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        admin.add_tariff(admin_user, provider.id, qf_min, qf_max, price)
    assert refused.value.field == field


def test_tariff_table_shows_prices_gaps_and_fallback(admin_user):
    provider = make_provider()
    provider.tariffs.clear()
    db.session.commit()
    admin.add_tariff(admin_user, provider.id, 0, 600, "0.80")
    admin.add_tariff(admin_user, provider.id, 801, 1200, "1.60")
    table = admin.tariff_table(provider)
    assert [(r.band, r.hourly, r.three_hours) for r in table.rows] == [
        ("QF 0 à 600", "0,80 €", "2,40 €"), ("QF 801 à 1200", "1,60 €", "4,80 €")]
    assert table.gaps == ["QF 601 à 800", "QF 1201 et plus"] and table.fallback == "QF 801 à 1200"
    admin.add_tariff(admin_user, provider.id, 601, 800, "1.20")
    admin.add_tariff(admin_user, provider.id, 1201, None, "2.40")
    assert admin.tariff_table(provider).gaps == []


def test_a_removed_or_changed_tariff_leaves_earlier_prices_alone(admin_user):
    provider = make_provider()
    booking = _book(provider, MONDAY, "05:30", "07:30")  # QF 650: 1,20 € an hour
    first = min(provider.tariffs, key=lambda t: t.qf_min)
    admin.update_tariff(admin_user, provider.id, first.id, 0, 700, "2.00")
    assert _book(provider, MONDAY, "06:00", "07:00").hourly_price == Decimal("2.00")
    admin.remove_tariff(admin_user, provider.id, first.id)
    db.session.refresh(booking)
    assert booking.price == Decimal("2.40")
    with pytest.raises(NotFound):
        admin.remove_tariff(admin_user, make_provider("Autre").id, provider.tariffs[0].id)


# ---------------------------------------------------------------- coordinators

def test_admin_attaches_directors_and_animators_only(admin_user):
    provider = make_provider()
    director, animator = make_user(Role.DIRECTOR), make_user(Role.ANIMATOR)
    parent, relais = make_user(Role.PARENT), make_user(Role.RAM_STAFF)
    retired = make_user(Role.DIRECTOR, active=False)
    candidates = admin.staff_candidates(provider)
    assert director in candidates and animator in candidates
    assert not {parent, relais, retired, admin_user} & set(candidates)
    admin.assign_staff(admin_user, provider.id, director.id)
    admin.assign_staff(admin_user, provider.id, director.id)  # twice: still one row
    admin.assign_staff(admin_user, provider.id, animator.id)
    assert set(admin.provider_staff(provider)) == {director, animator}
    assert director not in admin.staff_candidates(provider)
    for user in (parent, relais, retired):
        with pytest.raises(ValidationFailed) as refused:
            admin.assign_staff(admin_user, provider.id, user.id)
        assert refused.value.field == "user_id"
    with pytest.raises(ValidationFailed):
        admin.assign_staff(admin_user, provider.id, 999999)
    # The coordinator now sees the provider's urgent queue.
    from app.occasional.access import provider_ids_of

    assert provider.id in provider_ids_of(director)
    assert admin.remove_staff(admin_user, provider.id, animator.id) is True
    assert admin.remove_staff(admin_user, provider.id, director.id) is False  # no coordinator left
    with pytest.raises(NotFound):
        admin.remove_staff(admin_user, provider.id, director.id)


def test_cli_uses_the_same_rule(app, admin_user):
    provider = make_provider()
    animator, parent = make_user(Role.ANIMATOR), make_user(Role.PARENT)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["occasional", "assign-staff", animator.email, str(provider.id)]).exit_code == 0
    result = runner.invoke(args=["occasional", "assign-staff", parent.email, str(provider.id)])
    assert result.exit_code != 0 and "animateur" in result.output
