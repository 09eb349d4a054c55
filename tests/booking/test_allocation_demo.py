"""The allocation demo loads thirty requests and is idempotent; its draw runs to the end."""
from __future__ import annotations

from sqlalchemy import func, select

from app.booking.allocation.demo import load_demo
from app.booking.allocation.draw import replay_draw, run_draw
from app.booking.allocation.models import AllocationPeriod, AllocationRequest
from app.booking.allocation.requests import close_requests_now
from app.extensions import db
from app.notifications.models import OutboxMessage


def test_demo_is_idempotent_and_its_draw_runs():
    first = load_demo()
    assert any("period" in line for line in first)
    counts = db.session.scalar(select(func.count(AllocationRequest.id)))
    assert counts == 30
    assert load_demo() == []
    assert db.session.scalar(select(func.count(AllocationRequest.id))) == 30
    period = db.session.scalar(select(AllocationPeriod))
    close_requests_now(None, period.id)
    result = run_draw(None, period.id, seed="demo")
    assert result.count("waitlisted") > 0 and result.count("confirmed") > 0 and result.count("refused") == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 30
    assert replay_draw(period.id)[0]
    assert load_demo() == []
