"""CPU and SQL statements per request of a parent's opening-day steps, in process.

With the rush's data (bench/rush.build: one site with its adaptation template, 40 sessions of 12
places, N parents with account, household and child), each parent logs in with the web form (not
measured), then the measured steps run parent after parent through the Flask test client, as
bench/browser_rush.py sends them: the month calendar (GET /accueils/reserver?month=...), the
basket of --days days (POST /accueils/reserver/panier), its submission with the web form (POST
/accueils/reserver: its response is the answer page), the household's bookings (GET
/accueils/mes-reservations). The first --warm parents warm the caches and are not counted. Prints,
per step, the process's CPU ms per request (which the other processes of a shared machine disturb
far less than the wall time), the wall ms and the statements.

Usage: python bench/parent_costs.py [--db sqlite|postgresql] [--parents 300] [--days 3] [--warm 30]
       [--profile STEP] [--sql STEP] [--pg-name pitchoun_bench_parents]
(--profile: cProfile of that step, cumulative; --sql: the statements of one request of that step)
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import clock  # noqa: E402
from bench import rush  # noqa: E402
from bench.browser_rush import CSRF, PASSWORD, basket_form, booking_form  # noqa: E402
from bench.common import SECRET_KEY, app_caller, fresh_database, load, machine  # noqa: E402

STEPS = ("calendar", "basket", "submit", "bookings")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-name", default="pitchoun_bench_parents")
    parser.add_argument("--parents", type=int, default=300)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--profile", choices=STEPS, default=None)
    parser.add_argument("--sql", choices=STEPS, default=None)
    args = parser.parse_args()
    print("machine:", machine(), flush=True)
    from sqlalchemy import event, select

    from app import create_app
    from app.booking.models import Session
    from app.extensions import db
    from bench.browser_app import CHEAP_ARGON2

    url = fresh_database(args.db, "parents" if args.db == "sqlite" else args.pg_name)
    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      **CHEAP_ARGON2})
    people, session_ids = rush.build(app, args.parents, 40, 12, tokens=0)
    with app.app_context():
        first_day = db.session.scalar(select(Session.day).where(Session.id == session_ids[0]))
        in_month = set(db.session.scalars(select(Session.id).where(
            Session.id.in_(session_ids),
            Session.day < (first_day.replace(day=28) + timedelta(days=4)).replace(day=1))))
    month_ids = [s for s in session_ids if s in in_month]
    month = f"{first_day:%Y-%m}"
    clients = []
    for n in range(args.parents):
        client = app.test_client()
        page = client.get("/connexion").get_data(as_text=True)
        response = client.post("/connexion", data={"csrf_token": CSRF.search(page).group(1), "next": "",
                                                   "email": f"parent{n}@rush.example.fr", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        clients.append(client)
    rush.reset(app, session_ids, opens_at=clock.now() - timedelta(seconds=1))

    count = [0]
    statements: list[tuple[str, str]] = []
    capture = [False]

    def counted(_conn, _cursor, statement, *_rest):
        count[0] += 1
        if capture[0]:
            statements.append((" ".join(statement.split())[:110], app_caller()))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
    cpu: dict[str, float] = defaultdict(float)
    wall: dict[str, float] = defaultdict(float)
    sql: dict[str, int] = defaultdict(int)
    measured = [0]
    profile = cProfile.Profile()

    def step(name, n, call):
        on = n >= args.warm
        if on and args.sql == name and not statements and not capture[0]:
            capture[0] = True
        if on and args.profile == name:
            profile.enable()
        before, c0, w0 = count[0], time.process_time(), time.perf_counter()
        response = call()
        c1, w1 = time.process_time(), time.perf_counter()
        if on and args.profile == name:
            profile.disable()
        if capture[0]:
            capture[0] = False
            print(f"Statements of one '{name}' request ({len(statements)}):")
            for k, (text, caller) in enumerate(statements, 1):
                print(f"{k:3} {text}\n      {caller}")
        if on:
            cpu[name] += c1 - c0
            wall[name] += w1 - w0
            sql[name] += count[0] - before
        assert response.status_code == 200, (name, response.status_code)
        return response

    for n, client in enumerate(clients):
        start = (n // 16) % len(month_ids)
        wanted = [month_ids[(start + k) % len(month_ids)] for k in range(args.days)]
        page = step("calendar", n, lambda c=client: c.get(f"/accueils/reserver?month={month}"))
        form = basket_form(page.get_data(as_text=True), people[n][1], wanted, args.days)
        assert form is not None, "no booking form on the calendar"
        basket = step("basket", n, lambda c=client, f=form: c.post("/accueils/reserver/panier", data=f))
        sent = booking_form(basket.get_data(as_text=True), people[n][1], wanted, args.days)
        assert sent is not None, "no submission form on the basket"
        step("submit", n, lambda c=client, f=sent: c.post("/accueils/reserver", data=f))
        step("bookings", n, lambda c=client: c.get("/accueils/mes-reservations"))
        if n >= args.warm:
            measured[0] += 1
    n = measured[0]
    print(f"\n{args.db}: {n} parents measured, {args.days} days each (load {load()})\n")
    print("| step | CPU ms / request | wall ms / request | SQL statements / request |")
    print("|---|---|---|---|")
    for name in STEPS:
        print(f"| {name} | {cpu[name] / n * 1000:.1f} | {wall[name] / n * 1000:.1f} | {sql[name] / n:.1f} |")
    print(f"| per parent | {sum(cpu.values()) / n * 1000:.1f} | {sum(wall.values()) / n * 1000:.1f} "
          f"| {sum(sql.values()) / n:.1f} |")
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
