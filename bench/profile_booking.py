"""Profile one booking in process: time and SQL statements per POST /api/v1/bookings, and the
cProfile breakdown (cumulative), with the rush's data (a temporary SQLite file, or a PostgreSQL
database recreated).

Usage: python bench/profile_booking.py [--db sqlite|postgresql] [--parents 400] [--top 45] [--no-profile]
       [--sql] [--pg-name pitchoun_bench_profile]
(--no-profile: no cProfile; prints the process's CPU time per booking, which the other processes of a
shared machine disturb far less than the wall time; --sql: also prints the statements of one booking,
each with the application function that issued it)
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
from bench.common import app_caller, fresh_database, load  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-name", default="pitchoun_bench_profile")
    parser.add_argument("--parents", type=int, default=400)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()
    from sqlalchemy import event

    from app.extensions import db

    app = rush.make_app(fresh_database(args.db, "profile" if args.db == "sqlite" else args.pg_name))
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
    statements: list[tuple[str, str]] = []
    count = [0]

    def counted(_conn, _cursor, statement, *_rest):
        count[0] += 1
        if args.sql and len(statements) < 200 and count[0] <= 200:
            statements.append((" ".join(statement.split())[:110], app_caller()))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
    if args.sql:
        book(measured[:1], "sql")
        print(f"Statements of one booking ({len(statements)}):")
        for n, (statement, caller) in enumerate(statements, 1):
            print(f"{n:3} {statement}\n      {caller}")
        measured = measured[1:]
        count[0] = 0
    start, cpu = time.perf_counter(), time.process_time()
    profile = cProfile.Profile()
    if not args.no_profile:
        profile.enable()
    book(measured, "measured")
    profile.disable()
    n = len(measured)
    print(f"{args.db}: {(time.perf_counter() - start) / n * 1000:.1f} ms wall, "
          f"{(time.process_time() - cpu) / n * 1000:.1f} ms CPU and {count[0] / n:.1f} SQL statements per booking "
          f"(profiler {'off' if args.no_profile else 'on'}; load {load()})")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
