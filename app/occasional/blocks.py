"""Time ranges cut into 30-minute blocks, block rows, locking and availability.

The capacity guard: the blocks a request needs are created if missing
(INSERT ... ON CONFLICT DO NOTHING, in (day, start) order), then locked with
SELECT ... FOR UPDATE in ascending id order (on SQLite every transaction is
BEGIN IMMEDIATE, see app/extensions.py) and counted in the same
transaction, as booking does for its sessions.

The provider guard, against administrators (app/occasional/admin.py): a new
block copies its capacity from the provider's opening period, so every
transaction that may create blocks first takes a shared lock on the
provider row (SELECT ... FOR SHARE, `lock_provider`, done by
`ensure_and_lock` itself) and reads the openings again under it. A change
of openings or of provider settings takes the same row FOR UPDATE before
its checks. Bookings do not wait for one another; a booking waits for an
administrator's change in progress and then sees the new openings; an
administrator's change waits for the bookings in flight and then sees the
blocks and requests they wrote. Lock order on both sides: the provider row,
then the blocks in ascending id order, so the two cannot deadlock. On
SQLite FOR SHARE / FOR UPDATE are not written: writers are serialised.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.occasional.errors import InvalidRange, OutsideOpeningHours, ProviderNotFound, RangeNotAligned
from app.occasional.models import BLOCK_MINUTES, CareBand, CareBlock, OccasionalProvider, block_starts


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def long_day(day: date | str, *, email: bool = False) -> str:
    """"mardi 1er décembre 2026", as every page writes a date (templates: |day_long, app/formats.py).

    E-mails are always written in French (see notifications.outbox.render_message), whatever the
    language of the page that caused them.
    """
    from app.formats import day_long, email_day

    day = day if isinstance(day, date) else date.fromisoformat(day)
    return email_day(day) if email else day_long(day)


def parse_time(value, field: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return datetime.strptime(str(value).strip(), "%H:%M").time()
    except ValueError:
        raise InvalidRange(_("Heure non valide : indiquez-la sous la forme HH:MM (par exemple 05:30)."),
                           field=field) from None


def parse_day(value, field: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidRange(_("Date non valide : indiquez-la sous la forme AAAA-MM-JJ."), field=field) from None


def check_range(provider: OccasionalProvider, day: date, start: time, end: time) -> list[time]:
    """The block starts of [start, end) at `provider` on `day`.

    Raises RangeNotAligned (not on a half hour), InvalidRange (end not after
    start) or OutsideOpeningHours (a block outside the day's opening periods).
    """
    for value, field in ((start, "start"), (end, "end")):
        if value.minute % BLOCK_MINUTES or value.second or value.microsecond:
            raise RangeNotAligned(field=field)
    if end <= start:
        raise InvalidRange(field="end")
    starts = block_starts(start, end)
    if any(provider.opening_for(day, s) is None for s in starts):
        raise OutsideOpeningHours(_("%(name)s n'accueille pas les enfants de %(start)s à %(end)s ce jour-là. "
                                    "Horaires : %(hours)s.", name=provider.name, start=hhmm(start), end=hhmm(end),
                                    hours=opening_text(provider, day)), field="start")
    return starts


def opening_text(provider: OccasionalProvider, day: date) -> str:
    if provider.opening_for(day, time(12, 0)) is None and provider.closed_on_public_holidays:
        from app.occasional.models import is_public_holiday

        if is_public_holiday(day):
            return _("fermé (jour férié)")
    periods = [f"{hhmm(o.opens_at)}–{hhmm(o.closes_at)}" for o in provider.openings if o.weekday == day.weekday()]
    return ", ".join(periods) if periods else _("fermé")


def day_block_starts(provider: OccasionalProvider, day: date) -> list[time]:
    out = []
    if provider.closed_on_public_holidays:
        from app.occasional.models import is_public_holiday

        if is_public_holiday(day):
            return out
    for opening in provider.openings:
        if opening.weekday == day.weekday():
            out.extend(block_starts(opening.opens_at, opening.closes_at))
    return sorted(out)


def lock_provider(provider_id: int, *, exclusive: bool = False) -> OccasionalProvider | None:
    """The provider row locked FOR SHARE (booking) or FOR UPDATE (`exclusive`: administration),
    its settings and opening periods read again under the lock. None if it no longer exists.

    Pending changes are flushed first, so reading again loses nothing of the
    transaction's own. Taking the lock twice in one transaction is harmless.
    """
    db.session.flush()
    return db.session.scalar(
        select(OccasionalProvider).where(OccasionalProvider.id == provider_id)
        .with_for_update(read=not exclusive).options(selectinload(OccasionalProvider.openings))
        .execution_options(populate_existing=True))


def ensure_and_lock(provider: OccasionalProvider, wanted: list[tuple[date, time]]) -> dict[tuple[date, time], CareBlock]:
    """Create the missing blocks, then lock every wanted block in ascending id order.

    Takes the provider row FOR SHARE first (see the module's docstring), so a
    new block copies the capacity of the openings as they are once no
    administrator's change is in progress. Raises ProviderNotFound if the
    provider was deleted meanwhile.
    """
    wanted = sorted(set(wanted))
    if not wanted:
        return {}
    if lock_provider(provider.id) is None:
        raise ProviderNotFound(_("Structure inconnue."), field="provider_id")
    rows = []
    for day, start in wanted:
        opening = provider.opening_for(day, start)
        rows.append({"provider_id": provider.id, "day": day, "starts_at": start,
                     "capacity_not_walking": opening.capacity_not_walking if opening else 0,
                     "capacity_walking": opening.capacity_walking if opening else 0,
                     "taken_not_walking": 0, "taken_walking": 0})
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(CareBlock).values(rows).on_conflict_do_nothing(
        index_elements=["provider_id", "day", "starts_at"]))
    days = sorted({d for d, _s in wanted})
    locked = db.session.scalars(
        select(CareBlock).where(CareBlock.provider_id == provider.id, CareBlock.day.in_(days))
        .where(CareBlock.starts_at.in_(sorted({s for _d, s in wanted})))
        .order_by(CareBlock.id).with_for_update().execution_options(populate_existing=True)).all()
    found = {(b.day, b.starts_at): b for b in locked}
    return {key: found[key] for key in wanted}


@dataclass
class BlockAvailability:
    start: time
    end: time
    capacity: dict[str, int]
    free: dict[str, int]


def availability(provider: OccasionalProvider, day: date) -> list[BlockAvailability]:
    """Free places per block and age band on `day` (no lock: for display)."""
    existing = {b.starts_at: b for b in db.session.scalars(
        select(CareBlock).where(CareBlock.provider_id == provider.id, CareBlock.day == day))}
    out = []
    for start in day_block_starts(provider, day):
        block = existing.get(start)
        opening = provider.opening_for(day, start)
        capacity, free = {}, {}
        for band in CareBand:
            cap = block.capacity(band) if block else getattr(opening, f"capacity_{band.value}")
            capacity[band.value] = cap
            free[band.value] = block.free(band) if block else cap
        end = (datetime.combine(day, start) + timedelta(minutes=BLOCK_MINUTES)).time()
        out.append(BlockAvailability(start, end, capacity, free))
    return out


def free_ranges(provider: OccasionalProvider, day: date, band: CareBand, duration: int,
                around: time) -> list[tuple[time, time]]:
    """Ranges of `duration` blocks with a place in every block for `band`, nearest to `around` first."""
    blocks = {b.start: b for b in availability(provider, day)}
    ranges = []
    for start in blocks:
        starts = [(datetime.combine(day, start) + timedelta(minutes=BLOCK_MINUTES * i)).time()
                  for i in range(duration)]
        if len(set(starts)) < duration or starts[-1] < start:  # would cross midnight
            continue
        if all(s in blocks and blocks[s].free[band.value] > 0 for s in starts):
            end = (datetime.combine(day, starts[-1]) + timedelta(minutes=BLOCK_MINUTES)).time()
            ranges.append((start, end))
    anchor = around.hour * 60 + around.minute
    return sorted(ranges, key=lambda r: (abs(r[0].hour * 60 + r[0].minute - anchor), r[0]))
