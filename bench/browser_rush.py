"""The opening-day rush as browsers make it: N parents log in with the web form, and when bookings
open each one opens the month calendar, submits several days with the web form, reads the answer
and opens the household's bookings; a share of API clients books through POST /api/v1/bookings.

One asyncio load generator (httpx.AsyncClient, one connection per simulated parent at most, up to
N connections at once) against gunicorn with the production configuration (bench/common.Gunicorn),
with the worker class, threads and listen backlog given on the command line.

Method (see BENCHMARKS.md, fourth round):
1. Data: bench/rush.build (one site with its adaptation template, 40 sessions of 12 places, N
   parents each with an account, household and child, bulk inserts).
2. Log-in (before the opening, not part of the rush figures): GET /connexion (CSRF token), POST
   /connexion. Cookies are kept per parent by hand: the production configuration sets `Secure`
   `__Host-` cookies, which a client over plain http would not send back (the browsers behind TLS do).
   The server is `bench.browser_app:create_app()`: the production app with cheaper argon2 parameters,
   because one production verification (t=3, 64 MiB) costs 0.1-1.6 s of CPU on this machine and
   2,500 of them are the log-ins of the hour before, not the rush (measured apart, see --argon2-check).
3. The rush at T: "burst" (every parent starts at T) or "spread" (parent i starts at a uniform
   random instant of [T, T + 60 s) and waits 2-5 s between steps, as a person reads a page).
   Steps: calendar (GET /accueils/reserver?month=...), basket (POST /accueils/reserver/panier with
   --days items ticked), submit (POST /accueils/reserver with the CSRF token, the basket's submission key
   and items), answer (the submit's own page: the answer is
   the POST's response), bookings (GET /accueils/mes-reservations). API clients (--api-share):
   POST /api/v1/bookings with a token and an Idempotency-Key, one day.
4. Checks in the database afterwards (the same as bench/rush.py): overbooked sessions (more than
   the places, or a counter that differs from the confirmed bookings), lost (a submission answered
   without its bookings, or not answered), duplicated ((child, session) booked twice, or a booking no
   answered submission asked for), unfair (waitlisted bookings whose request arrived more than 50 ms
   before a confirmed one of the same session).

Usage: python bench/browser_rush.py --db sqlite|postgresql [--parents 2500 --workers 2
       --worker-class sync|gthread|gevent --threads 8 --backlog 4096 --scenario burst|spread
       --days 3 --api-share 0.1]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import rush  # noqa: E402
from bench.common import Gunicorn, fresh_database, load, machine, percentile  # noqa: E402

PASSWORD = "Rush-Matin-Vacances-2027"
STEPS = ("connect", "login", "calendar", "basket", "submit", "bookings", "api")
ERRORS = (OSError, asyncio.TimeoutError)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
ITEM = re.compile(r'name="item" value="(\d+):(\d+)"')


class Parent:
    def __init__(self, n, email, token, child_id, wanted):
        self.n, self.email, self.token, self.child_id, self.wanted = n, email, token, child_id, wanted
        self.cookies: dict[str, str] = {}
        self.submitted: list[int] = []  # session ids sent
        self.answered = False

    def keep(self, response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()

    def headers(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}


class Recorder:
    def __init__(self):
        self.times = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.errors = defaultdict(lambda: defaultdict(int))
        self.last_answer = 0.0

    async def call(self, step, parent, send):
        start = time.perf_counter()
        try:
            response = await send()
        except ERRORS as error:
            self.errors[step][type(error).__name__] += 1
            return None
        except Exception as error:  # httpx's own (ConnectError, ReadError, RemoteProtocolError, timeouts)
            self.errors[step][type(error).__name__] += 1
            return None
        self.times[step].append((time.perf_counter() - start) * 1000)
        self.statuses[step][response.status_code] += 1
        if parent is not None:
            parent.keep(response)
        return response


def _chosen(page: str, child_id: int, wanted: list[int], days: int) -> list[str]:
    """`days` items among the child's bookable ones on `page`, the wanted sessions first."""
    bookable = [int(s) for c, s in ITEM.findall(page) if int(c) == child_id]
    chosen = [s for s in wanted if s in bookable][:days]
    chosen += [s for s in bookable if s not in chosen][:days - len(chosen)]
    return [f"{child_id}:{s}" for s in chosen]


def basket_form(page: str, child_id: int, wanted: list[int], days: int) -> dict | None:
    """The fields a parent sends from the month calendar page to the basket (POST
    /accueils/reserver/panier): csrf_token and `days` items among the bookable ones, the wanted sessions
    first. The basket's page (nothing written yet) carries the submission key: see booking_form."""
    csrf, items = CSRF.search(page), _chosen(page, child_id, wanted, days)
    return {"csrf_token": csrf.group(1), "item": items} if csrf and items else None


def booking_form(page: str, child_id: int, wanted: list[int], days: int) -> dict | None:
    """The fields a parent sends from the basket's page (POST /accueils/reserver): csrf_token,
    submission_key and the basket's items. The one place, with basket_form, that knows the forms: adapt
    them here when the parents' booking pages change."""
    csrf, key, items = CSRF.search(page), KEY.search(page), _chosen(page, child_id, wanted, days)
    if not csrf or not key or not items:
        return None
    return {"csrf_token": csrf.group(1), "submission_key": key.group(1), "item": items}


async def log_in(http, rec, parent):
    page = await rec.call("login", parent, lambda: http.get("/connexion", headers=parent.headers()))
    token = CSRF.search(page.text) if page is not None else None
    if token is None:
        return False
    response = await rec.call("login", parent, lambda: http.post(
        "/connexion", headers=parent.headers(),
        data={"csrf_token": token.group(1), "email": parent.email, "password": PASSWORD, "next": ""}))
    return response is not None and response.status_code == 302


async def browse_and_book(http, rec, parent, month, days, pause, fire_at):
    response = await rec.call("calendar", parent, lambda: http.get(f"/accueils/reserver?month={month}",
                                                                   headers=parent.headers()))
    form = basket_form(response.text, parent.child_id, parent.wanted, days) if response is not None else None
    if form is None:
        rec.errors["calendar"]["no form"] += 1
        return
    # The ticked days go to the basket (what sending would give, nothing written), whose form is sent.
    response = await rec.call("basket", parent, lambda: http.post("/accueils/reserver/panier",
                                                                  headers=parent.headers(), data=form))
    form = booking_form(response.text, parent.child_id, parent.wanted, days) if response is not None else None
    if form is None:
        rec.errors["basket"]["no form"] += 1
        return
    await asyncio.sleep(pause())
    parent.submitted = [int(i.split(":")[1]) for i in form["item"]]
    response = await rec.call("submit", parent, lambda: http.post("/accueils/reserver", headers=parent.headers(),
                                                                  data=form))
    if response is not None and response.status_code == 200:
        parent.answered = True
        rec.last_answer = max(rec.last_answer, time.time() - fire_at)
    await asyncio.sleep(pause())
    await rec.call("bookings", parent, lambda: http.get("/accueils/mes-reservations", headers=parent.headers()))


async def api_book(http, rec, parent, fire_at):
    session_id = parent.wanted[0]
    parent.submitted = [session_id]
    response = await rec.call("api", None, lambda: http.post(
        "/api/v1/bookings", json={"child_id": parent.child_id, "session_id": session_id},
        headers={"Authorization": f"Bearer {parent.token}", "Idempotency-Key": f"api-{parent.n}"}))
    if response is not None and response.status_code in (201, 409):
        parent.answered = response.status_code == 201
        rec.last_answer = max(rec.last_answer, time.time() - fire_at)


async def scenario(base_url, parents, api_n, args, month, opens):
    import httpx

    limits = httpx.Limits(max_connections=len(parents), max_keepalive_connections=len(parents))
    timeout = httpx.Timeout(180.0, connect=180.0)
    rec = Recorder()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout,
                                 follow_redirects=False) as http:
        browsers = parents[api_n:]
        if args.scenario == "connect":
            fire_at = time.time() + 1.0
            await asyncio.sleep(1.0)
            await asyncio.gather(*(rec.call("connect", None, lambda: http.get("/connexion")) for _p in parents))
            rec.last_answer = time.time() - fire_at
            return rec, 0, 0.0, time.time() - fire_at, fire_at
        # Log-ins before the opening, 200 at a time (not part of the rush figures).
        started = time.time()
        gate = asyncio.Semaphore(200)

        async def gated(parent):
            async with gate:
                return await log_in(http, rec, parent)

        logged = await asyncio.gather(*(gated(p) for p in browsers))
        login_s = time.time() - started
        fire_at = time.time() + 3.0
        opens(fire_at)
        rng = random.Random(20)
        pause = (lambda: 0.0) if args.scenario == "burst" else (lambda: rng.uniform(2, 5))

        async def one(parent, is_browser):
            delay = fire_at - time.time() + (rng.uniform(0, 60) if args.scenario == "spread" else 0.0)
            await asyncio.sleep(max(0.0, delay))
            if is_browser:
                await browse_and_book(http, rec, parent, month, args.days, pause, fire_at)
            else:
                await api_book(http, rec, parent, fire_at)

        await asyncio.gather(*([one(p, True) for p, ok in zip(browsers, logged, strict=False) if ok]
                               + [one(p, False) for p in parents[:api_n]]))
        finished = time.time() - fire_at
    return rec, sum(logged), login_s, finished, fire_at


def check(app, parents, places, session_ids, fire_at):
    from sqlalchemy import select

    from app.booking.models import Booking, BookingStatus, Session
    from app.extensions import db

    with app.app_context():
        bookings = db.session.execute(select(Booking.id, Booking.child_id, Booking.session_id, Booking.status,
                                             Booking.requested_at)).all()
        taken = dict(db.session.execute(select(Session.id, Session.taken_over6)
                                        .where(Session.id.in_(session_ids))).all())
    by_child, by_session = defaultdict(list), defaultdict(list)
    for b in bookings:
        by_child[b.child_id].append(b)
        by_session[b.session_id].append(b)
    overbooked = sum(1 for s in session_ids if (
        sum(1 for b in by_session[s] if b.status == BookingStatus.CONFIRMED) > places
        or sum(1 for b in by_session[s] if b.status == BookingStatus.CONFIRMED) != taken[s]))
    lost = duplicated = 0
    for p in parents:
        rows = by_child.get(p.child_id, [])
        pairs = [b.session_id for b in rows]
        duplicated += len(pairs) - len(set(pairs))
        if p.answered:
            lost += len(set(p.submitted) - set(pairs))
            duplicated += len(set(pairs) - set(p.submitted))
        elif p.submitted and not rows:
            lost += 0  # never answered and nothing written: the parent saw an error (counted as an error)
    unfair = 0
    for rows in by_session.values():
        times = [b.requested_at for b in rows if b.status == BookingStatus.CONFIRMED and b.requested_at]
        if times:
            latest = max(times)
            unfair += sum(1 for b in rows if b.status == BookingStatus.WAITLISTED and b.requested_at
                          and (latest - b.requested_at).total_seconds() * 1000 > rush.FAIRNESS_MS)
    confirmed = sum(1 for b in bookings if b.status == BookingStatus.CONFIRMED)
    return {"bookings": len(bookings), "confirmed": confirmed, "overbooked": overbooked, "lost": lost,
            "duplicated": duplicated, "unfair": unfair,
            "unanswered_submissions": sum(1 for p in parents if p.submitted and not p.answered)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--parents", type=int, default=2500)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--places", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backlog", type=int, default=4096)
    parser.add_argument("--scenario", choices=["burst", "spread", "connect"], default="burst",
                        help="connect: every parent opens the log-in page at the same instant, nothing else "
                             "(connection errors and the listen backlog at N connections)")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--api-share", type=float, default=0.1)
    args = parser.parse_args()
    print("machine:", machine(), flush=True)
    url = fresh_database(args.db, "pitchoun_bench_browser")
    from app import create_app
    from bench.browser_app import CHEAP_ARGON2
    from bench.common import SECRET_KEY

    # The parents' hash is made with the server's parameters (bench/browser_app.py): no log-in rehashes.
    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url, **CHEAP_ARGON2})
    t0 = time.time()
    api_n = int(args.parents * args.api_share)
    people, session_ids = rush.build(app, args.parents, args.sessions, args.places, tokens=api_n)
    from sqlalchemy import select

    from app.accounts.models import User
    from app.booking.models import Session
    from app.extensions import db

    with app.app_context():
        emails = list(db.session.scalars(select(User.email).where(User.email.like("%@rush.example.fr"))
                                         .order_by(User.id)))
        first_day = db.session.scalar(select(Session.day).where(Session.id == session_ids[0]))
    # Parent n wants `days` consecutive sessions from session (n // 16) mod 40 that fall in the month shown.
    with app.app_context():
        in_month = set(db.session.scalars(select(Session.id).where(
            Session.id.in_(session_ids), Session.day < (first_day.replace(day=28) + timedelta(days=4)).replace(day=1))))
    month_ids = [s for s in session_ids if s in in_month]
    parents = []
    for n, ((token, child), email) in enumerate(zip(people, emails, strict=False)):
        start = (n // 16) % len(month_ids)
        parents.append(Parent(n, email, token, child, [month_ids[(start + k) % len(month_ids)]
                                                        for k in range(args.days)]))
    api_clients, browsers = parents[:api_n], parents[api_n:]  # the first api_n have a token
    rng = random.Random(7)
    rng.shuffle(api_clients)
    rng.shuffle(browsers)
    parents = api_clients + browsers  # shuffled: API clients and browsers mixed over the sessions
    print(f"data: {args.parents} parents ({api_n} API clients), {args.sessions} sessions x {args.places} places "
          f"({len(month_ids)} in {first_day:%Y-%m}), built in {time.time() - t0:.1f} s", flush=True)
    rush.reset(app, session_ids, opens_at=datetime(2100, 1, 1, tzinfo=UTC))

    def opens(at):
        rush.reset(app, session_ids, opens_at=datetime.fromtimestamp(at, UTC))

    extra = ["--threads", str(args.threads)] if args.worker_class == "gthread" else []
    server = Gunicorn("bench.browser_app:create_app()", url, args.workers, worker_class=args.worker_class,
                      backlog=args.backlog, extra_args=extra)
    try:
        load_before = load()
        rec, logged, login_s, finished, fire_at = asyncio.run(
            scenario(server.url, parents, api_n, args, f"{first_day:%Y-%m}", opens))
        load_after = load()
    finally:
        server.stop()
    figures = check(app, parents, args.places, session_ids, fire_at)
    out = {"db": args.db, "worker_class": args.worker_class, "threads": args.threads, "workers": args.workers,
           "backlog": args.backlog, "scenario": args.scenario, "parents": args.parents, "api": api_n,
           "logged_in": logged, "login_phase_s": round(login_s, 1), "last_answer_s": round(rec.last_answer, 1),
           "all_done_s": round(finished, 1), "load_before": load_before, "load_after": load_after, **figures,
           "steps": {}}
    for step in STEPS:
        values = rec.times.get(step, [])
        out["steps"][step] = {"n": len(values), "p50": round(percentile(values, 50)),
                              "p95": round(percentile(values, 95)), "p99": round(percentile(values, 99)),
                              "statuses": dict(rec.statuses.get(step, {})),
                              "errors": dict(rec.errors.get(step, {}))} if values or rec.errors.get(step) else None
    print(json.dumps(out, default=str), flush=True)


if __name__ == "__main__":
    main()
