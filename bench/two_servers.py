"""Past one machine: the rush against two app servers behind a load balancer, and what stays exact.

Shape (as two machines would run it, see README.md "Deploying on two machines"):
- two gunicorn servers (production configuration, sync workers, bench/common.Gunicorn) on 127.0.0.1:8101
  (server A) and :8102 (server B), sharing one PostgreSQL database and one Redis (rate limits:
  RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/5), the same SECRET_KEY, TRUSTED_PROXIES=1;
- HAProxy (Debian's package) on 127.0.0.1:8100, round robin per request, `option forwardfor`; its
  statistics (127.0.0.1:8104) give each server's share of the requests;
- an SMTP sink (aiosmtpd, in this process) on 127.0.0.1:8103 that counts the messages by Message-ID.

Steps:
1. Data: bench/rush.build (40 sessions of 12 places, N parents), as bench/browser_rush.py.
2. The rush through the balancer: bench/browser_rush.scenario (browsers log in, open the calendar,
   submit several days, open their bookings; a share of API clients), then bench/browser_rush.check:
   overbooked / lost / duplicated / unfair.
3. Across servers (requests sent to A and B directly, with the X-Forwarded-For a balancer would add):
   - idempotency: an API booking sent to A then retried on B with the same Idempotency-Key, the same
     key sent to A and B at the same instant, and a web submission (same submission key) posted to A
     then to B: each must be one booking, the retry a replay;
   - rate limits: refused log-ins of one account alternating A/B (LOGIN_FAILURES_PER_ACCOUNT, the
     counter of accounts.throttle) then the right password; password-reset requests of one address
     alternating A/B (PASSWORD_RESETS_PER_ADDRESS, a Flask-Limiter limit): the limit counts both servers;
   - session revocation: "log out everywhere" on B ends a session and an API token used on A; a new
     password set on B ends another session and token on A (and the new session works on both).
4. The outbox with two senders: two `flask --app app outbox send` processes started at the same
   instant on the same database; every message must reach the SMTP sink exactly once.
5. The control of the rate-limit checks: the same requests against two servers counting in memory
   (RATELIMIT_STORAGE_URI=memory://, the default) get past the limits (the checks can fail).

Usage: python bench/two_servers.py [--parents 2500 --workers 1 --days 3 --api-share 0.1]
(PostgreSQL database pitchoun_lb, dropped and recreated; Redis database 5 is emptied with FLUSHDB.)
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import browser_rush, rush  # noqa: E402
from bench.common import ROOT, SECRET_KEY, Gunicorn, fresh_database, load, machine  # noqa: E402

BALANCER, SERVER_A, SERVER_B, SMTP, STATS = 8100, 8101, 8102, 8103, 8104
REDIS = "redis://127.0.0.1:6379/5"
DATABASE = "pitchoun_lb"
APP_SPEC = "bench.browser_app:create_app()"
NEW_PASSWORD = "Autre-Matin-Neigeux-2027"
SHARED_ENV = {"RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_ENABLED": "1", "TRUSTED_PROXIES": "1",
              "PUBLIC_BASE_URL": f"http://127.0.0.1:{BALANCER}", "MAIL_SERVER": "127.0.0.1",
              "MAIL_PORT": str(SMTP), "MAIL_USE_STARTTLS": "0"}

HAPROXY_CFG = """global
    maxconn 8000
defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout queue 300s
frontend pitchoun
    bind 127.0.0.1:{balancer}
    maxconn 8000
    default_backend apps
backend apps
    balance roundrobin
    http-response set-header X-Pitchoun-Server %s
    server a 127.0.0.1:{a} maxconn {per_server}
    server b 127.0.0.1:{b} maxconn {per_server}
listen stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /
"""


class Balancer:
    """HAProxy in the foreground (-db) with the configuration above."""

    def __init__(self, per_server: int):
        self.cfg = Path(tempfile.mkdtemp(prefix="pitchoun-lb-")) / "haproxy.cfg"
        self.cfg.write_text(HAPROXY_CFG.format(balancer=BALANCER, a=SERVER_A, b=SERVER_B, stats=STATS,
                                               per_server=per_server))
        subprocess.run(["haproxy", "-c", "-q", "-f", str(self.cfg)], check=True)
        self.log = open(self.cfg.with_suffix(".log"), "w")  # noqa: SIM115  (open for the balancer's lifetime)
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", str(self.cfg)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{BALANCER}/api/v1/openapi.json", timeout=5).read()
                break
            except Exception:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("haproxy did not start: see " + self.log.name) from None
                time.sleep(0.2)

    def server_counts(self) -> dict:
        """Requests and 5xx answers per server, from HAProxy's statistics."""
        text = urllib.request.urlopen(f"http://127.0.0.1:{STATS}/;csv", timeout=5).read().decode()
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {r["svname"]: {"requests": int(r["stot"] or 0), "5xx": int(r["hrsp_5xx"] or 0)}
                for r in rows if r["pxname"] == "apps" and r["svname"] in ("a", "b")}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Sink:
    """An SMTP server that keeps the Message-ID of every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.ids: list[str] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
                from email import message_from_bytes

                message_id = message_from_bytes(envelope.content).get("Message-ID", "")
                with sink.lock:
                    sink.ids.append(message_id)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class Browser:
    """One person's browser on one or both servers: cookies kept by hand (the production cookies are
    `Secure`, which a client over plain http would not send back), and the X-Forwarded-For a balancer adds."""

    def __init__(self, address: str):
        import httpx

        self.http = httpx.Client(timeout=60, follow_redirects=False)
        self.cookies: dict[str, str] = {}
        self.address = address

    def request(self, method: str, port: int, path: str, **kwargs):
        headers = {"X-Forwarded-For": self.address, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, f"http://127.0.0.1:{port}{path}", headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response

    def csrf(self, port: int, path: str) -> str:
        page = self.request("GET", port, path)
        match = browser_rush.CSRF.search(page.text)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path} ({page.status_code})")
        return match.group(1)

    def log_in(self, port: int, email: str, password: str) -> int:
        token = self.csrf(port, "/connexion")
        return self.request("POST", port, "/connexion", data={"csrf_token": token, "email": email,
                                                              "password": password, "next": ""}).status_code

    def api_token(self, port: int, email: str, password: str) -> str:
        response = self.request("POST", port, "/api/v1/auth/token", json={"email": email, "password": password})
        response.raise_for_status()
        return response.json()["token"]

    def api(self, method: str, port: int, path: str, token: str, **kwargs):
        return self.request(method, port, path, headers={"Authorization": f"Bearer {token}",
                                                         **kwargs.pop("headers", {})}, **kwargs)


def bookings_of(app, child_id: int) -> list:
    from sqlalchemy import select

    from app.booking.models import Booking
    from app.extensions import db

    with app.app_context():
        return list(db.session.execute(select(Booking.id, Booking.session_id).where(Booking.child_id == child_id)))


def check_idempotency(app, spare, month, password, days) -> dict:
    """An API retry and a web resubmission landing on the other server are replays, not new bookings."""
    out = {}
    # 1. API: a booking sent to A, retried on B with the same Idempotency-Key.
    p = spare[0]
    client = Browser("198.51.100.1")
    token = client.api_token(SERVER_A, p.email, password)
    body = {"child_id": p.child_id, "session_id": p.wanted[0]}
    first = client.api("POST", SERVER_A, "/api/v1/bookings", token, json=body,
                       headers={"Idempotency-Key": "two-servers-retry"})
    retry = client.api("POST", SERVER_B, "/api/v1/bookings", token, json=body,
                       headers={"Idempotency-Key": "two-servers-retry"})
    stored = bookings_of(app, p.child_id)
    out["api_retry_on_other_server"] = {
        "statuses": [first.status_code, retry.status_code], "same_answer": first.json() == retry.json(),
        "bookings": len(stored), "exact": first.status_code == 201 and first.json() == retry.json()
        and len(stored) == 1}
    # 2. API: the same key sent to A and B at the same instant (a client that retried too early).
    p = spare[1]
    token = client.api_token(SERVER_B, p.email, password)
    body = {"child_id": p.child_id, "session_id": p.wanted[0]}
    barrier, answers = threading.Barrier(2), {}

    def send(port):
        own = Browser("198.51.100.1")
        barrier.wait()
        answers[port] = own.api("POST", port, "/api/v1/bookings", token, json=body,
                                headers={"Idempotency-Key": "two-servers-same-instant"})

    threads = [threading.Thread(target=send, args=(port,)) for port in (SERVER_A, SERVER_B)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = bookings_of(app, p.child_id)
    ids = {a.json().get("id") for a in answers.values() if a.status_code == 201}
    out["api_same_key_both_servers_at_once"] = {
        "statuses": sorted(a.status_code for a in answers.values()), "booking_ids_answered": len(ids),
        "bookings": len(stored), "exact": len(stored) == 1 and ids <= {stored[0].id}
        and all(a.status_code in (201, 409) for a in answers.values())}
    # 3. Web: the calendar on B, the basket on A, the submission posted to A, then the same form
    # (same submission key) posted again to B.
    p = spare[2]
    browser = Browser("198.51.100.2")
    browser.log_in(SERVER_A, p.email, password)
    page = browser.request("GET", SERVER_B, f"/accueils/reserver?month={month}")
    ticked = browser_rush.basket_form(page.text, p.child_id, p.wanted, days)
    if ticked is None:
        raise RuntimeError("no day to tick on the calendar page")
    page = browser.request("POST", SERVER_A, "/accueils/reserver/panier", data=ticked)
    form = browser_rush.booking_form(page.text, p.child_id, p.wanted, days)
    if form is None:
        raise RuntimeError("no booking form on the calendar page")
    first = browser.request("POST", SERVER_A, "/accueils/reserver", data=form)
    again = browser.request("POST", SERVER_B, "/accueils/reserver", data=form)
    stored = bookings_of(app, p.child_id)
    pairs = [b.session_id for b in stored]
    out["web_resubmission_on_other_server"] = {
        "statuses": [first.status_code, again.status_code], "items": len(form["item"]), "bookings": len(stored),
        "exact": first.status_code == again.status_code == 200 and len(stored) == len(form["item"])
        and len(set(pairs)) == len(pairs)}
    return out


def check_rate_limits(spare, password, app) -> dict:
    """Limits count the requests of both servers together (one Redis)."""
    out = {}
    with app.app_context():
        per_account = int(app.config["LOGIN_FAILURES_PER_ACCOUNT"].split()[0])
        per_address = int(app.config["PASSWORD_RESETS_PER_ADDRESS"].split()[0])
    # 1. Refused log-ins of one account, alternating A and B, then the right password.
    p = spare[3]
    browser = Browser("198.51.100.3")
    statuses = [browser.log_in((SERVER_A, SERVER_B)[i % 2], p.email, "Pas-le-bon-mot-de-passe-1")
                for i in range(per_account)]
    right = browser.log_in((SERVER_A, SERVER_B)[per_account % 2], p.email, password)
    out["login_failures_per_account"] = {
        "limit": app.config["LOGIN_FAILURES_PER_ACCOUNT"], "refused_statuses": dict(Counter(statuses)),
        "then_right_password": right, "exact": right == 429}
    # 2. Password-reset requests from one address, alternating A and B: the (limit + 1)-th is refused.
    browser = Browser("198.51.100.4")
    statuses = []
    for i in range(per_address + 1):
        port = (SERVER_A, SERVER_B)[i % 2]
        token = browser.csrf(port, "/mot-de-passe-oublie")
        statuses.append(browser.request("POST", port, "/mot-de-passe-oublie",
                                        data={"csrf_token": token, "email": f"nobody{i}@rush.example.fr"}).status_code)
    out["password_resets_per_address"] = {
        "limit": app.config["PASSWORD_RESETS_PER_ADDRESS"], "statuses": statuses,
        "exact": all(s == 302 for s in statuses[:-1]) and statuses[-1] == 429}
    return out


def check_revocation(spare, password) -> dict:
    """A session and an API token used on A end when the account is logged out everywhere, or gets a
    new password, on B."""
    out = {}
    p = spare[4]
    on_a, on_b = Browser("198.51.100.5"), Browser("198.51.100.6")
    on_a.log_in(SERVER_A, p.email, password)
    on_b.log_in(SERVER_B, p.email, password)
    token = on_a.api_token(SERVER_A, p.email, password)
    before = (on_a.request("GET", SERVER_B, "/accueils/mes-reservations").status_code,
              on_a.api("GET", SERVER_B, "/api/v1/bookings", token).status_code)
    csrf = on_b.csrf(SERVER_B, "/mon-compte")
    done = on_b.request("POST", SERVER_B, "/mon-compte/deconnexion-partout", data={"csrf_token": csrf}).status_code
    after = (on_a.request("GET", SERVER_A, "/accueils/mes-reservations").status_code,
             on_a.api("GET", SERVER_A, "/api/v1/bookings", token).status_code)
    out["log_out_everywhere_on_B"] = {"before_on_B": before, "logout": done, "after_on_A": after,
                                      "exact": before == (200, 200) and done == 302 and after == (302, 401)}
    on_a, on_b = Browser("198.51.100.5"), Browser("198.51.100.6")
    on_a.log_in(SERVER_A, p.email, password)
    on_b.log_in(SERVER_B, p.email, password)
    token = on_a.api_token(SERVER_A, p.email, password)
    before = (on_a.request("GET", SERVER_A, "/accueils/mes-reservations").status_code,
              on_a.api("GET", SERVER_A, "/api/v1/bookings", token).status_code)
    csrf = on_b.csrf(SERVER_B, "/mon-compte/mot-de-passe")
    done = on_b.request("POST", SERVER_B, "/mon-compte/mot-de-passe", data={
        "csrf_token": csrf, "current_password": password, "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD}).status_code
    after = (on_a.request("GET", SERVER_A, "/accueils/mes-reservations").status_code,
             on_a.api("GET", SERVER_A, "/api/v1/bookings", token).status_code,
             on_a.api("GET", SERVER_B, "/api/v1/bookings", token).status_code)
    kept = (on_b.request("GET", SERVER_A, "/accueils/mes-reservations").status_code,
            on_b.request("GET", SERVER_B, "/accueils/mes-reservations").status_code)
    out["new_password_on_B"] = {"before_on_A": before, "change": done, "after_on_A_and_B": after,
                                "new_session_on_A_and_B": kept,
                                "exact": before == (200, 200) and done == 302 and after == (302, 401, 401)
                                and kept == (200, 200)}
    return out


def outbox_counts(app) -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.notifications.models import OutboxMessage

    with app.app_context():
        return {str(s.value if hasattr(s, "value") else s): n for s, n in db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}


def check_outbox(app, url) -> dict:
    """Two senders started at the same instant on the same database: every message exactly once."""
    before = outbox_counts(app)
    sink = Sink()
    env = {**os.environ, "PITCHOUN_CONFIG": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url,
           "PYTHONPATH": str(ROOT), **SHARED_ENV}
    flask = Path(sys.executable).with_name("flask")
    started = time.time()
    senders = [subprocess.Popen([str(flask), "--app", "app", "outbox", "send"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    reports = [s.communicate(timeout=1800)[0].strip().splitlines() for s in senders]
    elapsed = time.time() - started
    time.sleep(0.5)
    sink.stop()
    after = outbox_counts(app)
    per_sender = [int(next((line for line in r if " sent," in line), "0 sent").split()[0]) for r in reports]
    received = Counter(sink.ids)
    total = sum(before.values())
    return {"messages": total, "before": before, "after": after, "sent_by_each_sender": per_sender,
            "received": len(sink.ids), "distinct_received": len(received),
            "received_twice_or_more": sum(1 for n in received.values() if n > 1), "seconds": round(elapsed, 1),
            "per_s": round(len(sink.ids) / elapsed, 1) if elapsed else None,
            "exact": len(sink.ids) == len(received) == total == sum(per_sender) == after.get("sent", 0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parents", type=int, default=2500)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--places", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers per server")
    parser.add_argument("--per-server", type=int, default=16,
                        help="HAProxy's maxconn per server (requests beyond it wait in the balancer's queue)")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--api-share", type=float, default=0.1)
    args = parser.parse_args()
    print("machine:", machine(), flush=True)
    import redis

    redis.Redis.from_url(REDIS).flushdb()  # our own database index only
    url = fresh_database("postgresql", DATABASE)
    from app import create_app
    from bench.browser_app import CHEAP_ARGON2

    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url, **CHEAP_ARGON2,
                      "LOGIN_FAILURES_PER_ACCOUNT": os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes"),
                      "PASSWORD_RESETS_PER_ADDRESS": os.environ.get("PASSWORD_RESETS_PER_ADDRESS", "10 per hour")})
    t0 = time.time()
    spare_n = 5  # parents kept out of the rush for the checks across servers
    total = args.parents + spare_n
    api_n = int(args.parents * args.api_share)
    people, session_ids = rush.build(app, total, args.sessions, args.places, tokens=api_n)
    from sqlalchemy import select

    from app.accounts.models import User
    from app.booking.models import Session
    from app.extensions import db

    with app.app_context():
        emails = list(db.session.scalars(select(User.email).where(User.email.like("%@rush.example.fr"))
                                         .order_by(User.id)))
        first_day = db.session.scalar(select(Session.day).where(Session.id == session_ids[0]))
        month_end = (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
        in_month = set(db.session.scalars(select(Session.id).where(Session.id.in_(session_ids),
                                                                   Session.day < month_end)))
    month_ids = [s for s in session_ids if s in in_month]
    parents = [browser_rush.Parent(n, email, token, child, [month_ids[((n // 16) + k) % len(month_ids)]
                                                            for k in range(args.days)])
               for n, ((token, child), email) in enumerate(zip(people, emails, strict=False))]
    spare = parents[args.parents:]
    for k, p in enumerate(spare):  # the checks book sessions the rush left open last
        p.wanted = [month_ids[(len(month_ids) - 1 - k - d) % len(month_ids)] for d in range(args.days)]
    parents = parents[:args.parents]
    api_clients, browsers = parents[:api_n], parents[api_n:]
    rng = random.Random(7)
    rng.shuffle(api_clients)
    rng.shuffle(browsers)
    parents = api_clients + browsers
    month = f"{first_day:%Y-%m}"
    print(f"data: {args.parents} parents ({api_n} API clients) + {spare_n} for the checks, {args.sessions} sessions "
          f"x {args.places} places, built in {time.time() - t0:.1f} s", flush=True)
    rush.reset(app, session_ids, opens_at=datetime(2100, 1, 1, tzinfo=UTC))

    def opens(at):
        rush.reset(app, session_ids, opens_at=datetime.fromtimestamp(at, UTC))

    servers, balancer = [], None
    out: dict = {"parents": args.parents, "api": api_n, "workers_per_server": args.workers,
                 "balancer_maxconn_per_server": args.per_server}
    try:
        for port in (SERVER_A, SERVER_B):
            servers.append(Gunicorn(APP_SPEC, url, args.workers, extra_env=SHARED_ENV, port=port))
        balancer = Balancer(args.per_server)
        out["load_before"] = load()
        rush_args = SimpleNamespace(scenario="burst", days=args.days)
        rec, logged, login_s, finished, fire_at = asyncio.run(browser_rush.scenario(
            f"http://127.0.0.1:{BALANCER}", parents, api_n, rush_args, month, opens))
        out["load_after_rush"] = load()
        out["per_server"] = balancer.server_counts()
        out["rush"] = {"logged_in": logged, "login_phase_s": round(login_s, 1),
                       "last_answer_s": round(rec.last_answer, 1), "all_done_s": round(finished, 1),
                       **browser_rush.check(app, parents, args.places, session_ids, fire_at), "steps": {}}
        for step in browser_rush.STEPS:
            values = rec.times.get(step, [])
            if values or rec.errors.get(step):
                from bench.common import percentile

                out["rush"]["steps"][step] = {
                    "n": len(values), "p50": round(percentile(values, 50)), "p95": round(percentile(values, 95)),
                    "p99": round(percentile(values, 99)), "statuses": dict(rec.statuses.get(step, {})),
                    "errors": dict(rec.errors.get(step, {}))}
        print(json.dumps({"rush": out["rush"], "per_server": out["per_server"]}, default=str), flush=True)
        password = browser_rush.PASSWORD
        out["idempotency"] = check_idempotency(app, spare, month, password, args.days)
        print(json.dumps(out["idempotency"]), flush=True)
        out["rate_limits"] = check_rate_limits(spare, password, app)
        print(json.dumps(out["rate_limits"]), flush=True)
        out["revocation"] = check_revocation(spare, password)
        print(json.dumps(out["revocation"]), flush=True)
    finally:
        if balancer is not None:
            balancer.stop()
        for server in servers:
            server.stop()
    out["outbox"] = check_outbox(app, url)
    # The CONTROL of the rate-limit checks: the same requests against two servers that each count in
    # their own memory (RATELIMIT_STORAGE_URI=memory://, the default) must get past the limits.
    servers = []
    try:
        for port in (SERVER_A, SERVER_B):
            servers.append(Gunicorn(APP_SPEC, url, args.workers, port=port,
                                    extra_env={**SHARED_ENV, "RATELIMIT_STORAGE_URI": "memory://"}))
        out["control_memory_storage"] = check_rate_limits(spare, browser_rush.PASSWORD, app)
    finally:
        for server in servers:
            server.stop()
    print(json.dumps({"control_memory_storage": out["control_memory_storage"]}), flush=True)
    out["load_end"] = load()
    print(json.dumps(out["outbox"]), flush=True)
    r = out["rush"]
    exact = {"capacity": r["overbooked"] == r["lost"] == r["duplicated"] == 0,
             **{f"idempotency.{k}": v["exact"] for k, v in out["idempotency"].items()},
             **{f"rate_limits.{k}": v["exact"] for k, v in out["rate_limits"].items()},
             **{f"revocation.{k}": v["exact"] for k, v in out["revocation"].items()},
             "outbox.two_senders": out["outbox"]["exact"]}
    out["exact"] = exact
    # The control must NOT be exact: otherwise the rate-limit checks above could not fail.
    exact["control: rate limits with memory:// storage are NOT shared"] = not any(
        v["exact"] for v in out["control_memory_storage"].values())
    print()
    print("| check | exact |\n|---|---|")
    for name, ok in exact.items():
        print(f"| {name} | {'yes' if ok else 'NO'} |")
    print(json.dumps(out, default=str))
    sys.exit(0 if all(exact.values()) else 1)


if __name__ == "__main__":
    main()
