"""Cost per page: SQL queries and time of the main pages, for a small and a 20x larger history.

The history is built by tests/perf/history.py (the same builder as tests/perf/test_query_counts.py,
which pins that the counts do not grow). Queries are counted with SQLAlchemy's
before_cursor_execute event around one request made with the Flask test client (in process: the
time is the application's, without HTTP); each page is requested --repeats times, median time.

Usage: python bench/page_costs.py [--db sqlite|postgresql] [--base 5] [--repeats 7] [--sql LABEL]
       [--pg-name pitchoun_bench_pages]
(PostgreSQL: the database --pg-name is dropped and recreated. The CPU column is the process's CPU
time per request, which the other processes of a shared machine disturb far less than the wall time.
--sql: print the statements of the pages whose label contains LABEL, once, small history only.)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import app_caller, fresh_database, load, machine  # noqa: E402


def run(kind: str, n: int, repeats: int, pg_name: str = "pitchoun_bench_pages", sql: str | None = None):
    from app import create_app
    from app.extensions import db
    from config import TestConfig
    from tests.conftest import IsolatedClient
    from tests.perf.history import build_history, measure

    url = fresh_database(kind, pg_name)
    seen: dict[str, list[str]] = {}

    def on_statement(label, statement):
        if sql and sql.lower() in label.lower():
            seen.setdefault(label, []).append(f"{' '.join(statement.split())[:100]}\n      {app_caller()}")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        history = build_history(n)
        result = measure(app, history, repeats, on_statement if sql else None)
        db.session.remove()
        db.engine.dispose()
    for label, statements in seen.items():
        per_request = len(statements) // repeats
        print(f"\n{label}: {per_request} statements")
        for number, statement in enumerate(statements[:per_request], 1):
            print(f"{number:3} {statement}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--base", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sql", default=None)
    parser.add_argument("--pg-name", default="pitchoun_bench_pages")
    args = parser.parse_args()
    print("machine:", machine(), flush=True)
    small = run(args.db, args.base, args.repeats, args.pg_name, args.sql)
    large = run(args.db, args.base * 20, args.repeats, args.pg_name)
    print(f"\n{args.db}: history n={args.base} vs n={args.base * 20} (load {load()})\n")
    n, big = args.base, args.base * 20
    print(f"| page | queries (n={n}) | queries (n={big}) | ms (n={n}) | ms (n={big}) | CPU ms (n={n}) "
          f"| CPU ms (n={big}) |")
    print("|---|---|---|---|---|---|---|")
    for label in small:
        print(f"| {label} | {small[label][0]} | {large[label][0]} | {small[label][1]:.1f} | {large[label][1]:.1f} "
              f"| {small[label][2]:.1f} | {large[label][2]:.1f} |")


if __name__ == "__main__":
    main()
