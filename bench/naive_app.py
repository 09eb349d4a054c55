"""The production app plus two endpoints that exist ONLY in the benchmark.

gunicorn serves it as 'bench.naive_app:create_app()'.

- POST /bench/naive-bookings: the CONTROL. Same body and token as POST /api/v1/bookings,
  but books the naive way: read the number of confirmed bookings in one transaction, then
  insert in another, with no lock. Under concurrency it overbooks; rush.py must see it.
- POST /bench/bare-insert: the CEILING. One indexed insert in one transaction, nothing else
  (no token, no rules): what the server, the WSGI stack and the database can do at best.
"""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Table, func, insert, select

from app import create_app as create_production_app
from app.api.auth import user_from_token
from app.booking.catalogue import price_for
from app.booking.models import AgeBand, Booking, BookingStatus, Session
from app.extensions import csrf, db, utcnow
from app.families.services import household_of

bench_metadata = MetaData()
bare_table = Table(
    "bench_bare_insert", bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("child_id", Integer, nullable=False),
    Column("session_id", Integer, nullable=False),
    Column("requested_at", DateTime(timezone=True)),
    Index("ix_bench_bare_insert_child", "child_id"),
)


def create_app():
    app = create_production_app()

    @app.before_request
    def _arrival():
        g.bench_arrived_at = utcnow()

    @app.post("/bench/naive-bookings")
    @csrf.exempt
    def naive_booking():
        token = request.headers.get("Authorization", "").partition(" ")[2]
        user = user_from_token(token)
        data = request.get_json()
        child_id, session_id = int(data["child_id"]), int(data["session_id"])
        session = db.session.get(Session, session_id)
        capacity = session.capacity_over6
        confirmed = db.session.scalar(select(func.count(Booking.id)).where(
            Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED))
        db.session.commit()  # the read is over: nothing holds the count any more
        # The rest of a booking's work, as a naive implementation would do it after counting
        # (household, price), each in its own short transaction.
        household = household_of(user)
        db.session.commit()
        price = price_for(session.unit_id, household, session.day)
        db.session.commit()
        status = BookingStatus.CONFIRMED if confirmed < capacity else BookingStatus.WAITLISTED
        booking = Booking(child_id=child_id, session_id=session_id, status=status, age_band=AgeBand.OVER6,
                          submission_id="naive", booked_by_id=user.id, price=price, requested_at=g.bench_arrived_at)
        db.session.add(booking)
        db.session.commit()
        return jsonify({"id": booking.id, "status": status.value}), 201

    @app.post("/bench/bare-insert")
    @csrf.exempt
    def bare_insert():
        data = request.get_json()
        new_id = db.session.execute(insert(bare_table).values(
            child_id=int(data["child_id"]), session_id=int(data["session_id"]),
            requested_at=g.bench_arrived_at).returning(bare_table.c.id)).scalar_one()
        db.session.commit()
        return jsonify({"id": new_id, "status": "inserted"}), 201

    return app
