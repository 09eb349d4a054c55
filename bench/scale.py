"""A national-size dataset on PostgreSQL, and the p95 of the main queries on it.

The issue's target is 250,000 childminders, 1,000,000 children, 5,000 sites and 20,000,000
bookings. `--scale` multiplies those figures (default 0.05: 12,500 childminders, 50,000 children,
250 sites, 1,000,000 bookings); BENCHMARKS.md says which scale was run and why.

Data is written with PostgreSQL COPY (psycopg) into the schema created by db.create_all(), so
the indexes measured are exactly those declared on the models. Then each main query runs
--samples times with random parameters, timed in process (the query and the ORM loading):
- parent's calendar: a site's sessions of one month (catalogue.sessions_of_site);
- household's bookings, upcoming and all (services.household_bookings);
- a session's register (services.session_register, as the site's director);
- Relais matching candidates by commune: childminders of the demand's commune and its
  neighbours, with their licences and contracts.

Usage: python bench/scale.py [--scale 0.05] [--samples 200] [--keep]
(the database pitchoun_bench_scale is dropped and recreated; --keep reuses it if present.)
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_SERVER, fresh_database, load, machine, percentile  # noqa: E402

FULL = {"childminders": 250_000, "children": 1_000_000, "sites": 5_000, "bookings": 20_000_000}
COMMUNES = 2_000
SESSION_DAYS = 120  # Wednesdays and holidays of a school year
FIRST_DAY = date(2026, 9, 2)
NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)


def _value(column, explicit):
    """A COPY text field: the explicit value, or the column's Python default."""
    if column.name in explicit:
        value = explicit[column.name]
    elif column.default is not None and column.default.is_scalar:
        value = column.default.arg
    elif column.default is not None and column.default.is_callable:
        value = column.default.arg({})
    else:
        value = None
    if value is None:
        return "\\N"
    if hasattr(value, "value") and not isinstance(value, (int, float)):  # enums stored by name/value
        value = value.name if column.type.__class__.__name__ == "Enum" and hasattr(column.type, "enums") \
            and value.name in column.type.enums else value.value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        import json
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy(conn, table, rows, fixed: dict | None = None):
    """COPY `rows` (an iterable of dicts) into `table`, id included when given."""
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is not False
                                                and c.name == "id")]
    columns = [table.c.id] + columns if "id" in table.c else columns
    names = ", ".join(f'"{c.name}"' for c in columns)
    n = 0
    with conn.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as out:
        buffer = io.StringIO()
        for row in rows:
            merged = {**(fixed or {}), **row}
            buffer.write("\t".join(_value(c, merged) for c in columns) + "\n")
            n += 1
            if n % 50_000 == 0:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
    if "id" in table.c:
        with conn.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM \"{table.name}\"))")
    return n


def generate(app, sizes, rng):
    import psycopg

    from app.accounts.models import Role, User
    from app.booking.models import (
        Activity,
        ActivityKind,
        AgeBand,
        Booking,
        BookingStatus,
        Session,
        StaffingRegime,
        Unit,
        UnitKind,
    )
    from app.families.models import Child, Commune, Household, HouseholdMember
    from app.ram.models import CareContract, Childminder, Licence
    from app.sites.models import Site, SiteStaff

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")
    timings = {}
    hash_ = "$argon2id$v=19$m=65536,t=3,p=1$c2NhbGVzY2FsZQ$notusedfortheseaccountsnotusedfortheseacc"
    with psycopg.connect(url) as conn:
        def step(name, fn):
            t = time.time()
            n = fn()
            timings[name] = (n, time.time() - t)
            print(f"  {name}: {n:,} rows in {time.time() - t:.1f} s", flush=True)
            conn.commit()

        t = Commune.__table__
        step("communes", lambda: copy(conn, t, ({"insee": f"{90000 + i:05d}"[-5:], "name": f"Commune {i}",
                                                  "latitude": 43 + (i % 50) * 0.1, "longitude": (i // 50) * 0.1}
                                                 for i in range(COMMUNES))))
        insee = [f"{90000 + i:05d}"[-5:] for i in range(COMMUNES)]
        n_sites, n_children = sizes["sites"], sizes["children"]
        n_households = n_children // 2
        n_cm = sizes["childminders"]
        step("sites", lambda: copy(conn, Site.__table__, ({"id": i + 1, "name": f"Accueil {i + 1}",
                                                           "address": "1 rue", "commune_insee": insee[i % COMMUNES],
                                                           "opening_hours": "7h30-18h30", "phone": "05"}
                                                          for i in range(n_sites))))
        step("activities", lambda: copy(conn, Activity.__table__, (
            {"id": i + 1, "site_id": i + 1, "name": "Mercredis et vacances", "kind": ActivityKind.EXTRASCOLAIRE,
             "min_age": 3, "max_age": 13, "regime": StaffingRegime.EXTRASCOLAIRE} for i in range(n_sites))))
        step("units", lambda: copy(conn, Unit.__table__, (
            {"id": i + 1, "activity_id": i + 1, "label": "Journée", "kind": UnitKind.WHOLE_DAY,
             "start_time": clock(8, 30), "end_time": clock(17, 30)} for i in range(n_sites))))
        n_sessions = n_sites * SESSION_DAYS
        step("sessions", lambda: copy(conn, Session.__table__, (
            {"id": i + 1, "unit_id": i // SESSION_DAYS + 1, "day": FIRST_DAY + timedelta(days=i % SESSION_DAYS * 2),
             "capacity_under6": 20, "capacity_over6": 30} for i in range(n_sessions))))
        n_users = n_households + n_cm + n_sites
        step("users", lambda: copy(conn, User.__table__, (
            {"id": i + 1, "email": f"u{i + 1}@scale.example.fr", "password_hash": hash_,
             "role": Role.PARENT if i < n_households else (Role.CHILDMINDER if i < n_households + n_cm
                                                           else Role.DIRECTOR),
             "created_at": NOW} for i in range(n_users))))
        step("site staff", lambda: copy(conn, SiteStaff.__table__, (
            {"id": i + 1, "user_id": n_households + n_cm + i + 1, "site_id": i + 1} for i in range(n_sites))))
        step("households", lambda: copy(conn, Household.__table__, (
            {"id": i + 1, "name": f"Foyer {i + 1}", "commune_insee": insee[i % COMMUNES], "family_quotient": 800,
             "created_at": NOW} for i in range(n_households))))
        step("household members", lambda: copy(conn, HouseholdMember.__table__, (
            {"id": i + 1, "household_id": i + 1, "user_id": i + 1} for i in range(n_households))))
        step("children", lambda: copy(conn, Child.__table__, (
            {"id": i + 1, "household_id": i // 2 + 1, "first_name": "Léo", "last_name": f"N{i}",
             "birth_date": date(2014 + i % 10, 1 + i % 12, 1 + i % 28), "created_at": NOW}
            for i in range(n_children))))
        # Bookings: each child books at one "home" site (its household's), consecutive session days.
        n_bookings = sizes["bookings"]
        per_child = max(1, n_bookings // n_children)

        def bookings():
            k = 0
            for c in range(n_children):
                site = (c // 2) % n_sites
                start = rng.randrange(0, SESSION_DAYS - per_child)
                for j in range(per_child):
                    k += 1
                    yield {"id": k, "child_id": c + 1, "session_id": site * SESSION_DAYS + start + j + 1,
                           "status": BookingStatus.CONFIRMED, "age_band": AgeBand.OVER6, "price": "7.50",
                           "created_at": NOW, "updated_at": NOW, "submission_id": "scale", "booked_by_id": c // 2 + 1,
                           "sequence": 0}
        step("bookings", lambda: copy(conn, Booking.__table__, bookings()))
        cm_user0 = n_households
        step("childminders", lambda: copy(conn, Childminder.__table__, (
            {"id": i + 1, "user_id": cm_user0 + i + 1, "commune_insee": insee[i % COMMUNES], "address": "3 rue"}
            for i in range(n_cm))))
        step("licences", lambda: copy(conn, Licence.__table__, (
            {"id": i + 1, "childminder_id": i + 1, "max_children": 4, "max_under_3": 3,
             "valid_from": date(2020, 1, 1), "valid_until": date(2030, 1, 1)} for i in range(n_cm))))
        schedule = {str(d): [["08:00", "18:00"]] for d in range(5)}
        step("care contracts", lambda: copy(conn, CareContract.__table__, (
            {"id": i + 1, "childminder_id": i // 3 + 1, "child_first_name": "Lou", "birth_date": date(2025, 1, 1),
             "schedule": schedule, "start_date": date(2025, 9, 1), "created_at": NOW} for i in range(n_cm * 3))))
        with conn.cursor() as cur:
            t = time.time()
            cur.execute("ANALYZE")
            print(f"  ANALYZE in {time.time() - t:.1f} s", flush=True)
    return timings, {"sites": n_sites, "households": n_households, "childminders": n_cm, "sessions": n_sessions,
                     "users": n_users, "directors0": n_households + n_cm}


def measure(app, info, samples, rng):
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.accounts.models import User
    from app.booking import catalogue, services
    from app.extensions import db
    from app.ram.models import Childminder

    def timed(fn):
        out = []
        for _ in range(samples):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
            db.session.expunge_all()
        return out

    def calendar():
        site = rng.randrange(1, info["sites"] + 1)
        month = date(2026, 10 + rng.randrange(0, 3), 1)
        catalogue.sessions_of_site(site, month, month.replace(day=28))

    def household(include_past):
        def run():
            user = db.session.get(User, rng.randrange(1, info["households"] + 1))
            services.household_bookings(user, include_past=include_past, today=date(2026, 11, 29))
        return run

    def register():
        site = rng.randrange(0, info["sites"])
        director = db.session.get(User, info["directors0"] + site + 1)
        services.session_register(director, site * SESSION_DAYS + rng.randrange(0, SESSION_DAYS) + 1)

    def candidates():
        n = rng.randrange(0, COMMUNES - 10)
        communes = [f"{90000 + i:05d}"[-5:] for i in range(n, n + 10)]  # the commune and its neighbours
        list(db.session.scalars(select(Childminder).where(Childminder.commune_insee.in_(communes))
                                .options(selectinload(Childminder.licences), selectinload(Childminder.contracts))))

    results = {}
    with app.app_context():
        for label, fn in [("Parent's calendar: a site's sessions of a month", calendar),
                          ("Household's upcoming bookings", household(False)),
                          ("Household's bookings, all", household(True)),
                          ("Session register (director)", register),
                          ("Relais: candidates of 10 communes", candidates)]:
            fn()  # warm
            times = timed(fn)
            results[label] = (percentile(times, 50), percentile(times, 95))
            print(f"  {label}: p50 {results[label][0]:.1f} ms, p95 {results[label][1]:.1f} ms (load {load()})",
                  flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sizes = {k: max(1, int(v * args.scale)) for k, v in FULL.items()}
    print("machine:", machine(), flush=True)
    print("sizes:", sizes, flush=True)
    from app import create_app
    from app.extensions import db

    url = f"{PG_SERVER}/pitchoun_bench_scale" if args.keep else fresh_database("postgresql", "pitchoun_bench_scale")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "scale"})
    n_households = sizes["children"] // 2
    info = {"sites": sizes["sites"], "households": n_households, "childminders": sizes["childminders"],
            "directors0": n_households + sizes["childminders"]}
    if not args.keep:
        with app.app_context():
            db.create_all()
            db.session.commit()
            db.engine.dispose()
        t = time.time()
        generate(app, sizes, rng)
        print(f"generated in {time.time() - t:.0f} s", flush=True)
    results = measure(app, info, args.samples, rng)
    print(f"\n| query (scale {args.scale}) | p50 ms | p95 ms |\n|---|---|---|")
    for label, (p50, p95) in results.items():
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
