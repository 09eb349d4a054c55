"""Property test: whatever the order of requests, waiting-list entries and cancellations,
every block's count equals the children holding it, never exceeds capacity, and no waiting
request stays waiting while every one of its blocks has a place."""
from __future__ import annotations

import contextlib
import itertools
from datetime import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.occasional import services
from app.occasional.errors import NotCancellable
from app.occasional.models import HOLDING_STATUSES, CareBlock, OccasionalBooking, RequestStatus
from tests.occasional.factories import MONDAY, NOW, make_family, make_provider

pytestmark = pytest.mark.slow

_names = itertools.count(1)
HALF_HOURS = [time(5, 0), time(5, 30), time(6, 0), time(6, 30), time(7, 0), time(7, 30), time(8, 0)]

ranges = st.tuples(st.integers(0, 5), st.integers(1, 3)).map(
    lambda t: (HALF_HOURS[t[0]], HALF_HOURS[min(6, t[0] + t[1])]))
operations = st.lists(st.one_of(
    st.tuples(st.just("request"), st.integers(0, 3), ranges, st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 30))), min_size=1, max_size=25)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_blocks_match_holders_and_waiting_list_is_never_stale(ops):
    provider = make_provider(f"Structure {next(_names)}", walking=2)
    families = [make_family() for _ in range(4)]
    for op in ops:
        if op[0] == "request":
            _kind, who, (start, end), wait = op
            parent, _h, child = families[who]
            services.request_care(parent, child.id, provider.id, MONDAY, start, end, join_waitlist=wait, now=NOW)
        else:
            mine = db.session.scalars(select(OccasionalBooking).where(
                OccasionalBooking.provider_id == provider.id).order_by(OccasionalBooking.id)).all()
            if mine:
                booking = mine[op[1] % len(mine)]
                parent = next(p for p, _h, c in families if c.id == booking.child_id)
                with contextlib.suppress(NotCancellable):
                    services.cancel_request(parent, booking.id, now=NOW)
    db.session.expire_all()
    bookings = db.session.scalars(select(OccasionalBooking).where(OccasionalBooking.provider_id == provider.id)).all()
    holders = [b for b in bookings if b.status in HOLDING_STATUSES]
    blocks = {b.starts_at: b for b in db.session.scalars(select(CareBlock).where(CareBlock.provider_id == provider.id))}
    for start, block in blocks.items():
        count = sum(1 for b in holders if b.starts_at <= start < b.ends_at)
        assert block.taken_walking == count <= block.capacity_walking
    for waiting in (b for b in bookings if b.status is RequestStatus.WAITLISTED):
        assert any(blocks[s].free(waiting.band) == 0 for s in waiting.block_starts())
