"""Profile one booking in process: time and SQL statements per POST /api/v1/bookings, and the
cProfile breakdown (cumulative), on a temporary SQLite file with the rush's data.

Usage: python bench/profile_booking.py [--parents 400] [--top 45] [--no-profile]
(--no-profile: no cProfile; prints the process's CPU time per booking, which the other processes of a
shared machine disturb far less than the wall time)
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock  # noqa: E402
from bench import rush  # noqa: E402
from bench.common import fresh_database, load  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=400)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    from sqlalchemy import event

    from app.extensions import db

    app = rush.make_app(fresh_database("sqlite", "profile"))
    people, session_ids = rush.build(app, args.parents, 40, 12)
    rush.reset(app, session_ids, clock.now() - timedelta(seconds=1))
    client = app.test_client()

    def book(items, tag):
        for n, (token, child) in enumerate(items):
            response = client.post("/api/v1/bookings",
                                   json={"child_id": child, "session_id": session_ids[n % len(session_ids)]},
                                   headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{tag}{n}"})
            assert response.status_code == 201, response.data

    warm, measured = people[:50], people[50:]
    book(warm, "warm")
    count = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
    start, cpu = time.perf_counter(), time.process_time()
    profile = cProfile.Profile()
    if not args.no_profile:
        profile.enable()
    book(measured, "measured")
    profile.disable()
    n = len(measured)
    print(f"{(time.perf_counter() - start) / n * 1000:.1f} ms wall, {(time.process_time() - cpu) / n * 1000:.1f} ms "
          f"CPU and {count[0] / n:.1f} SQL statements per booking "
          f"(profiler {'off' if args.no_profile else 'on'}; load {load()})")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
