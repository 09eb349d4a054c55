"""Cost per page: SQL queries and time of the main pages, for a small and a 20x larger history.

The history is built by tests/perf/history.py (the same builder as tests/perf/test_query_counts.py,
which pins that the counts do not grow). Queries are counted with SQLAlchemy's
before_cursor_execute event around one request made with the Flask test client (in process: the
time is the application's, without HTTP); each page is requested --repeats times, median time.

Usage: python bench/page_costs.py [--db sqlite|postgresql] [--base 5] [--repeats 7]
(PostgreSQL: the database pitchoun_bench_pages is dropped and recreated.)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, load, machine  # noqa: E402


def run(kind: str, n: int, repeats: int):
    from app import create_app
    from app.extensions import db
    from config import TestConfig
    from tests.conftest import IsolatedClient
    from tests.perf.history import build_history, measure

    url = fresh_database(kind, "pitchoun_bench_pages")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        history = build_history(n)
        result = measure(app, history, repeats)
        db.session.remove()
        db.engine.dispose()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--base", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print("machine:", machine(), flush=True)
    small = run(args.db, args.base, args.repeats)
    large = run(args.db, args.base * 20, args.repeats)
    print(f"\n{args.db}: history n={args.base} vs n={args.base * 20} (load {load()})\n")
    print(f"| page | queries (n={args.base}) | queries (n={args.base * 20}) | ms (n={args.base}) "
          f"| ms (n={args.base * 20}) |")
    print("|---|---|---|---|---|")
    for label in small:
        print(f"| {label} | {small[label][0]} | {large[label][0]} | {small[label][1]:.1f} | {large[label][1]:.1f} |")


if __name__ == "__main__":
    main()
