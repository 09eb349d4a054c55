"""The opening-day rush: N parents book, at the same instant, among 40 sessions of 12 places.

Method (see BENCHMARKS.md):
1. A fresh database (a temporary SQLite file, or the PostgreSQL database pitchoun_bench_rush,
   dropped and recreated) gets one site, one activity and 40 sessions of 12 places (children
   over 6), and N parents each with their own account, household and child, by bulk inserts
   with one precomputed argon2 hash. Tokens are issued directly (app.api.auth.issue_token).
2. gunicorn serves the app with the production configuration on 127.0.0.1 (sync workers).
3. The sessions open at an instant T a few seconds ahead; C client PROCESSES (multiprocessing,
   one http.client connection per request, no threads) wait at a barrier then until T, and each
   sends its share of POST requests back to back. Request i (client i mod C) books session
   (i // C) mod 40: the C requests sent at the same moment target the same session (the worst
   case for the capacity guard), and every session gets about N/40 requests for 12 places.
4. Afterwards the database is checked: overbooked sessions, each request reflected exactly once
   (lost / duplicated), and fairness: waitlisted requests that reached the server (Booking.requested_at,
   captured when the request enters the API) more than 50 ms before a confirmed one of the same session.

Three runs per database: the real endpoint POST /api/v1/bookings, the CONTROL (a naive
read-then-write endpoint only in bench/naive_app.py, which must overbook), and the CEILING
(one indexed insert per request, bench/naive_app.py).

Usage: python bench/rush.py --db sqlite|postgresql [--parents 2500 --sessions 40 --places 12
       --workers 2 --clients 16 --modes booking,naive,bare]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

from app import clock as app_clock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SECRET_KEY, Gunicorn, fresh_database, load, machine, percentile  # noqa: E402

ENDPOINTS = {"booking": "/api/v1/bookings", "naive": "/bench/naive-bookings", "bare": "/bench/bare-insert"}
APP_SPECS = {"booking": "app:create_app()", "naive": "bench.naive_app:create_app()",
             "bare": "bench.naive_app:create_app()"}
FAIRNESS_MS = 50


def make_app(url: str):
    """The app used for setting up and checking (same SECRET_KEY as the server, so tokens match)."""
    from app import create_app

    return create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url})


def build(app, parents: int, sessions: int, places: int, tokens: int | None = None):
    """Create the data; return [(token, child_id)] (one per parent) and the session ids.

    With `tokens`, only the first `tokens` parents get an API token (the others None)."""
    from sqlalchemy import insert, select

    from app import clock as app_clock
    from app.accounts.models import Role, User
    from app.accounts.passwords import hash_password
    from app.api.auth import issue_token
    from app.booking.models import Activity, ActivityKind, Session, StaffingRegime, Tariff, Unit, UnitKind
    from app.extensions import db
    from app.families.models import Child, Commune, Household, HouseholdMember
    from app.inclusion.models import AdaptationTemplateStep
    from app.sites.models import Site
    from bench.naive_app import bench_metadata

    with app.app_context():
        db.create_all()
        bench_metadata.create_all(db.engine)
        if db.session.get(Commune, "46042") is None:
            db.session.add(Commune(insee="46042", name="Cahors", latitude=44.451, longitude=1.441))
        site = Site(name="Accueil de loisirs du Rush", address="1 place François-Mitterrand", commune_insee="46042",
                    opening_hours="7 h 30 – 18 h 30", phone="05 65 00 00 00")
        activity = Activity(site=site, name="Vacances d'hiver", kind=ActivityKind.EXTRASCOLAIRE, min_age=3,
                            max_age=13, regime=StaffingRegime.EXTRASCOLAIRE)
        first_day = app_clock.today() + timedelta(days=60)
        db.session.add(activity)
        db.session.flush()
        # As on the demo, the site has an adaptation template: every child is new, so each first
        # booking becomes an adaptation step (it never refuses a place; the answer shows the step).
        for position, (label, arrival, pickup, parent) in enumerate(
                [("Une heure avec un parent", clock(9, 30), clock(10, 30), True),
                 ("Une matinée avec repas", None, clock(13, 30), False),
                 ("Une journée entière", None, None, False)], start=1):
            db.session.add(AdaptationTemplateStep(site_id=site.id, position=position, label=label, arrival=arrival,
                                                  pickup=pickup, with_parent=parent, with_meal=position > 1))
        rows = []
        for i in range(sessions):
            unit = Unit(activity=activity, label=f"Journée {i + 1}", kind=UnitKind.WHOLE_DAY,
                        start_time=clock(8, 30), end_time=clock(17, 30))
            # A booking without an applicable tariff is refused: one grid for every QF and residency.
            db.session.add_all([Tariff(unit=unit, qf_min=0, qf_max=None, resident=resident, price=Decimal("12.00"),
                                       valid_from=date(2020, 9, 1)) for resident in (True, False)])
            rows.append(Session(unit=unit, day=first_day + timedelta(days=i), capacity_under6=0,
                                capacity_over6=places, opens_at=datetime(2100, 1, 1, tzinfo=UTC)))
        db.session.add_all(rows)
        db.session.commit()
        session_ids = [s.id for s in rows]
        password_hash = hash_password("Rush-Matin-Vacances-2027")
        user_ids = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
            {"email": f"parent{i}@rush.example.fr", "password_hash": password_hash, "role": Role.PARENT,
             "first_name": "Camille", "last_name": f"Rush{i}"} for i in range(parents)]))
        household_ids = list(db.session.scalars(
            insert(Household).returning(Household.id, sort_by_parameter_order=True),
            [{"name": f"Foyer Rush{i}", "commune_insee": "46042", "family_quotient": 800} for i in range(parents)]))
        db.session.execute(insert(HouseholdMember), [{"household_id": h, "user_id": u}
                                                     for h, u in zip(household_ids, user_ids, strict=False)])
        child_ids = list(db.session.scalars(insert(Child).returning(Child.id, sort_by_parameter_order=True), [
            {"household_id": h, "first_name": "Léo", "last_name": f"Rush{i}", "birth_date": date(2017, 4, 2)}
            for i, h in enumerate(household_ids)]))
        db.session.commit()
        users = db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id)).all()
        # issue_token commits once per token: without expiring the loaded accounts each time (quadratic).
        db.session.expire_on_commit = False
        tokens = {u.id: issue_token(u) for u in users[:tokens]}
        db.session.expire_on_commit = True
        # Requests sent at the same moment target the same session (the worst case for the capacity
        # guard): request i goes to session (i // clients) mod sessions, see fire().
        work = [(tokens.get(u), c) for u, c in zip(user_ids, child_ids, strict=False)]
    return work, session_ids


def reset(app, session_ids, opens_at):
    from sqlalchemy import delete, update

    from app.booking.models import Booking, IdempotencyKey, Session
    from app.extensions import db
    from app.notifications.models import OutboxMessage
    from bench.naive_app import bare_table

    with app.app_context():
        for stmt in (delete(Booking), delete(IdempotencyKey), delete(OutboxMessage), delete(bare_table)):
            db.session.execute(stmt)
        db.session.execute(update(Session).where(Session.id.in_(session_ids))
                           .values(taken_under6=0, taken_over6=0, opens_at=opens_at))
        db.session.commit()


def client(args):
    """One client process: wait for everybody, then until `fire_at`, then send its share."""
    port, path, share, barrier, fire_at, queue = args
    barrier.wait()
    delay = fire_at - time.time()
    if delay > 0:
        time.sleep(delay)
    results = []
    for key, token, child_id, session_id in share:
        body = json.dumps({"child_id": child_id, "session_id": session_id})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                   "Idempotency-Key": key}
        start = time.perf_counter()
        sent_at = time.time()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            status, payload = response.status, response.read()
            conn.close()
        except Exception as error:  # counted as an error and as a lost request
            status, payload = 0, repr(error).encode()
        results.append((key, child_id, session_id, status, payload.decode("utf-8", "replace"),
                        time.perf_counter() - start, sent_at))
    queue.put(results)


def fire(port, path, work, clients):
    shares = [[] for _ in range(clients)]
    for n, (token, child_id, session_id) in enumerate(work):
        shares[n % clients].append((f"rush-{n}", token, child_id, session_id))
    ctx = mp.get_context("fork")
    barrier, queue = ctx.Barrier(clients), ctx.Queue()
    fire_at = time.time() + 2.0
    procs = [ctx.Process(target=client, args=((port, path, shares[i], barrier, fire_at, queue),))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = []
    for _ in procs:
        results.extend(queue.get())
    for p in procs:
        p.join()
    return results, fire_at


def check(app, mode, results, session_ids, places):
    """Database checks: overbooking, lost/duplicated, fairness."""
    from sqlalchemy import select

    from app.booking.models import Booking, BookingStatus, Session
    from app.extensions import db
    from bench.naive_app import bare_table

    answered = {r[0]: r for r in results if r[3] in (200, 201, 409)}
    with app.app_context():
        if mode == "bare":
            rows = db.session.execute(select(bare_table.c.id, bare_table.c.child_id)).all()
            ids = {json.loads(r[4])["id"] for r in results if r[3] == 201}
            stored = {row.id for row in rows}
            per_child = defaultdict(int)
            for row in rows:
                per_child[row.child_id] += 1
            return {"overbooked": "n/a", "lost": len(ids - stored) + (len(results) - len(answered)),
                    "duplicated": sum(n - 1 for n in per_child.values() if n > 1) + len(stored - ids),
                    "unfair": "n/a", "confirmed": "n/a", "waitlisted": "n/a"}
        bookings = db.session.execute(select(Booking.id, Booking.child_id, Booking.session_id, Booking.status,
                                             Booking.requested_at)).all()
        taken = dict(db.session.execute(select(Session.id, Session.taken_over6)
                                        .where(Session.id.in_(session_ids))).all())
    per_child = defaultdict(list)
    by_session = defaultdict(list)
    for b in bookings:
        per_child[b.child_id].append(b)
        by_session[b.session_id].append(b)
    confirmed = sum(1 for b in bookings if b.status == BookingStatus.CONFIRMED)
    waitlisted = sum(1 for b in bookings if b.status == BookingStatus.WAITLISTED)
    overbooked = 0
    for sid in session_ids:
        n = sum(1 for b in by_session[sid] if b.status == BookingStatus.CONFIRMED)
        if n > places or (mode == "booking" and n != taken[sid]):
            overbooked += 1
    # Lost: a request without an answer, or answered 201 with no such booking; duplicated: a child
    # with more than one booking, or a booking no answer mentions.
    stored = {b.id: b for b in bookings}
    answered_ids = set()
    lost = len(results) - len(answered)
    for r in answered.values():
        if r[3] == 201:
            data = json.loads(r[4])
            answered_ids.add(data["id"])
            b = stored.get(data["id"])
            if b is None or b.child_id != r[1] or b.status.value != data["status"]:
                lost += 1
    duplicated = sum(len(v) - 1 for v in per_child.values() if len(v) > 1) + len(set(stored) - answered_ids)
    unfair = 0
    for rows in by_session.values():
        times = [b.requested_at for b in rows if b.status == BookingStatus.CONFIRMED and b.requested_at]
        if not times:
            continue
        latest_confirmed = max(times)
        unfair += sum(1 for b in rows if b.status == BookingStatus.WAITLISTED and b.requested_at
                      and (latest_confirmed - b.requested_at).total_seconds() * 1000 > FAIRNESS_MS)
    max_confirmed = max((sum(1 for b in by_session[s] if b.status == BookingStatus.CONFIRMED)
                         for s in session_ids), default=0)
    return {"overbooked": overbooked, "lost": lost, "duplicated": duplicated, "unfair": unfair,
            "confirmed": confirmed, "waitlisted": waitlisted, "max_per_session": max_confirmed}


def run(db_kind, args):
    url = fresh_database(db_kind, "pitchoun_bench_rush")
    app = make_app(url)
    t0 = time.time()
    people, session_ids = build(app, args.parents, args.sessions, args.places)
    work = [(token, child, session_ids[(i // args.clients) % len(session_ids)])
            for i, (token, child) in enumerate(people)]
    print(f"data: {args.parents} parents, {args.sessions} sessions x {args.places} places, "
          f"built in {time.time() - t0:.1f} s", flush=True)
    rows = []
    for mode in args.modes.split(","):
        server = Gunicorn(APP_SPECS[mode], url, args.workers)
        try:
            reset(app, session_ids, opens_at=app_clock.now() + timedelta(seconds=1.9))
            load_before = load()
            results, fire_at = fire(server.port, ENDPOINTS[mode], work, args.clients)
            elapsed = max(r[6] + r[5] for r in results) - fire_at
        finally:
            server.stop()
        figures = check(app, mode, results, session_ids, args.places)
        latencies = [r[5] * 1000 for r in results]
        statuses = defaultdict(int)
        for r in results:
            statuses[r[3]] += 1
        sample_errors = [r[4][:200] for r in results if r[3] not in (200, 201, 409)][:3]
        rows.append({"db": db_kind, "mode": mode, "requests": len(results), "per_s": len(results) / elapsed,
                     "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                     "p99": percentile(latencies, 99), "errors": sum(v for k, v in statuses.items()
                                                                    if k not in (200, 201, 409)),
                     "statuses": dict(statuses), "load": load_before, **figures})
        if sample_errors:
            print("sample errors:", sample_errors, flush=True)
        print(json.dumps(rows[-1], default=str), flush=True)
    return rows


def table(rows):
    head = ("db", "mode", "req", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "confirmed", "waitlisted",
            "max/session", "overbooked", "lost", "dup", "unfair>50ms", "load")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(x) for x in (
            r["db"], r["mode"], r["requests"], f"{r['per_s']:.0f}", f"{r['p50']:.0f}", f"{r['p95']:.0f}",
            f"{r['p99']:.0f}", r["errors"], r["confirmed"], r["waitlisted"], r.get("max_per_session", "n/a"),
            r["overbooked"], r["lost"], r["duplicated"], r["unfair"], r["load"])) + " |")
    ceiling = {r["db"]: r["per_s"] for r in rows if r["mode"] == "bare"}
    for r in rows:
        if r["mode"] == "booking" and r["db"] in ceiling:
            lines.append(f"\n{r['db']}: booking throughput = {100 * r['per_s'] / ceiling[r['db']]:.0f} % "
                         f"of the bare-insert ceiling")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--parents", type=int, default=2500)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--places", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn sync workers (one per core measured best, see BENCHMARKS.md)")
    parser.add_argument("--clients", type=int, default=16, help="client processes")
    parser.add_argument("--modes", default="booking,naive,bare")
    args = parser.parse_args()
    print("machine:", machine(), flush=True)
    rows = []
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        rows.extend(run(kind, args))
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
