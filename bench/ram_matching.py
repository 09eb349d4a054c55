"""Benchmark of the Relais matching at the scale of a département and more.

Generates 5,000 childminders (licences, minded children, own children, published
availability) and 2,000 open demands over the 36 communes of the Grand Cahors plus
300 synthetic communes spread over the Lot, then measures:
- loading the in-memory index (fixed number of queries: counted);
- matching one demand: index load + ranking + reasons (what the page does), p50/p95;
- matching one demand with the index already in memory, p50/p95;
- matching every open demand (one index load, then all demands), total.

Usage:
    python bench/ram_matching.py                      # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pitchoun_bench \\
        python bench/ram_matching.py --db postgresql  # the database is emptied first!
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from app import (
    clock,
    create_app,  # noqa: E402
)
from app.extensions import db  # noqa: E402

COMMUNES_CSV = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "data" / "grand-cahors-communes.csv"
SCHEDULES = [
    {str(d): [["08:00", "17:30"]] for d in range(5)},
    {str(d): [["07:30", "18:00"]] for d in range(4)},
    {str(d): [["08:30", "16:30"]] for d in (0, 1, 3, 4)},
    {str(d): [["07:00", "13:00"]] for d in range(5)},
    {str(d): [["12:00", "18:30"]] for d in (0, 1, 2)},
    {"0": [["08:00", "18:00"]], "2": [["08:00", "12:30"]], "4": [["09:00", "17:00"]]},
    {str(d): [["06:30", "19:30"]] for d in range(5)},
]


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def communes(rng):
    rows = []
    path = COMMUNES_CSV if COMMUNES_CSV.exists() else Path("/work/shared/data/grand-cahors-communes.csv")
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            rows = [(r["insee"], r["name"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(handle)]
    for n in range(300):  # the rest of the Lot, roughly 44.2–45.0 N, 1.0–2.2 E
        rows.append((f"9{n:04d}", f"Commune {n}", rng.uniform(44.2, 45.0), rng.uniform(1.0, 2.2)))
    return rows


def generate(n_childminders, n_demands, seed=46):
    from app.accounts.models import Role, User
    from app.families.models import Commune
    from app.ram.models import (
        AvailabilityDeclaration,
        CareContract,
        Childminder,
        DemandStatus,
        FamilyDemand,
        Licence,
        OwnChild,
    )

    rng = random.Random(seed)
    today = clock.today()
    rows = communes(rng)
    db.session.execute(insert(Commune), [{"insee": i, "name": n, "latitude": a, "longitude": b}
                                         for i, n, a, b in rows])
    inseeS = [r[0] for r in rows]
    weights = [30 if i.startswith("46") else 3 for i in inseeS]  # the agglomeration is denser
    db.session.execute(insert(User), [{"id": k + 1, "email": f"am{k}@bench.invalid", "password_hash": "x",
                                       "role": Role.CHILDMINDER, "first_name": "Am", "last_name": str(k)}
                                      for k in range(n_childminders)])
    cms, licences, contracts, own, declarations = [], [], [], [], []
    for k in range(n_childminders):
        cid = k + 1
        cms.append({"id": cid, "user_id": cid, "commune_insee": rng.choices(inseeS, weights)[0],
                    "offers_meals": rng.random() < .6, "hours_before_8": rng.random() < .5,
                    "hours_after_18": rng.random() < .35, "works_saturday": rng.random() < .1,
                    "address": "", "presentation": ""})
        max_children = rng.choice([2, 3, 4, 4, 4, 5])
        start = today - timedelta(days=rng.randint(100, 3000))
        licences.append({"childminder_id": cid, "max_children": max_children,
                         "max_under_3": min(max_children, rng.choice([2, 3, 4])), "valid_from": start,
                         "valid_until": start + timedelta(days=3650), "extension_places": 0, "reference": ""})
        for _ in range(rng.randint(0, max_children)):
            contracts.append({"childminder_id": cid, "child_first_name": "E",
                              "birth_date": today - timedelta(days=rng.randint(100, 1400)),
                              "schedule": rng.choice(SCHEDULES),
                              "start_date": today + timedelta(days=rng.randint(-500, 120)),
                              "end_date": today + timedelta(days=rng.randint(30, 700)) if rng.random() < .5 else None})
        if rng.random() < .3:
            own.append({"childminder_id": cid, "first_name": "", "birth_date": today - timedelta(days=rng.randint(
                300, 5000))})
        declared = today - timedelta(days=rng.randint(1, 150) if rng.random() < .85 else 400)
        declarations.append({"childminder_id": cid, "valid_from": declared, "note": "",
                             "declared_at": datetime.combine(declared, datetime.min.time(), UTC)})
    db.session.execute(insert(Childminder), cms)
    db.session.execute(insert(Licence), licences)
    db.session.execute(insert(CareContract), contracts)
    if own:
        db.session.execute(insert(OwnChild), own)
    db.session.execute(insert(AvailabilityDeclaration), declarations)
    demands = []
    for k in range(n_demands):
        birth = today - timedelta(days=rng.randint(-90, 900))
        schedule = rng.choice(SCHEDULES)
        demands.append({"child_birth_date": birth, "start_date": max(today, birth) + timedelta(days=rng.randint(
            20, 240)), "schedule": schedule, "commune_insee": rng.choices(inseeS, weights)[0],
            "max_distance_km": rng.choice([5, 10, 10, 15, 20]), "status": DemandStatus.OPEN,
            "atypical_hours": any(a < "08:00" or b > "18:00" for iv in schedule.values() for a, b in iv),
            "family_name": f"F{k}", "notes": ""})
    db.session.execute(insert(FamilyDemand), demands)
    db.session.commit()
    return len(contracts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--childminders", type=int, default=5000)
    parser.add_argument("--demands", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    if args.db == "postgresql":
        url = os.environ.get("DATABASE_URL")
        if not url:
            parser.error("--db postgresql needs DATABASE_URL")
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.test_request_context("/"):
        from app.ram import matching

        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        n_contracts = generate(args.childminders, args.demands)
        gen_s = time.perf_counter() - t0

        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: queries.append(1))
        t0 = time.perf_counter()
        index = matching.MatchIndex.load()
        load_s = time.perf_counter() - t0
        n_queries = len(queries)

        demands = matching.open_demands()
        specs = [matching.DemandSpec.of(d) for d in demands]
        rng = random.Random(1)
        sample = rng.sample(specs, min(args.samples, len(specs)))

        page_times, page_cpu = [], []
        for spec in sample:
            t0, c0 = time.perf_counter(), time.process_time()
            fresh = matching.MatchIndex.load(near=(spec.commune_insee, spec.max_km))
            matching.match(fresh, spec)
            page_times.append(time.perf_counter() - t0)
            page_cpu.append(time.process_time() - c0)
        # The page's cached path (index_cache): the version row (the migration inserts it; create_all does
        # not), one version read per page, the territory index rebuilt only when the version changed.
        from app.ram import index_cache
        from app.ram.models import RamIndexVersion

        db.session.add(RamIndexVersion(id=1, version=0))
        db.session.commit()

        def cached_page(spec):
            cached = index_cache.territory_index(matching.today_local())
            result = matching.match(cached, spec)
            result.excluded["too_far"] = 0  # as matching.match_demand
            return result

        def shape(result):
            def one(m):
                return (m.candidate.id, m.covered, m.share, m.distance_km, m.score, m.full, m.reasons)
            return ([one(m) for m in result.full], [one(m) for m in result.partial],
                    [(one(p.first), one(p.second), p.score) for p in result.pairs], result.excluded)

        t0 = time.perf_counter()
        cached_page(sample[0])  # cold: loads the whole territory once per process and version
        cold_s = time.perf_counter() - t0
        cached_times, cached_cpu = [], []
        for spec in sample:
            db.session.commit()  # a new request: a new transaction
            t0, c0 = time.perf_counter(), time.process_time()
            cached_result = cached_page(spec)
            cached_times.append(time.perf_counter() - t0)
            cached_cpu.append(time.process_time() - c0)
            fresh = matching.match(matching.MatchIndex.load(near=(spec.commune_insee, spec.max_km)), spec)
            assert shape(cached_result) == shape(fresh), spec.id
        memory_times = []
        for spec in sample:
            t0 = time.perf_counter()
            matching.match(index, spec)
            memory_times.append(time.perf_counter() - t0)

        t0, c0 = time.perf_counter(), time.process_time()
        all_index = matching.MatchIndex.load()
        results = matching.match_all(all_index, specs)
        all_s, all_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        unmatched_page = sum(1 for spec in specs if not matching.has_any_match(all_index, spec))
        unmatched_s = time.perf_counter() - t0
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            matching.match_all(matching.MatchIndex.load(), specs[:200])
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
            profiler = cProfile.Profile()
            profiler.enable()
            for spec in sample[:10]:
                matching.match(matching.MatchIndex.load(near=(spec.commune_insee, spec.max_km)), spec)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        for spec in sample:  # the counts-only path agrees with the ranking the page shows
            result = matching.match(all_index, spec, with_reasons=False, limit=None)
            assert results[spec.id] == (len(result.full), len(result.partial), len(result.pairs))
        unmatched = sum(1 for full, partial, pairs in results.values() if not (full or partial or pairs))
        with_full = sum(1 for full, _p, _q in results.values() if full)

        print(f"Relais matching benchmark on {db.engine.dialect.name}: {args.childminders} childminders "
              f"({n_contracts} minded children), {len(specs)} open demands; data generated in {gen_s:.1f} s")
        print(f"{'measure':<52} {'value':>12}")
        print(f"{'index load (' + str(n_queries) + ' queries)':<52} {load_s * 1000:>9.0f} ms")
        print(f"{'one demand, nearby load + match + reasons: p50':<52} {statistics.median(page_times) * 1000:>9.0f} ms")
        print(f"{'one demand, nearby load + match + reasons: p95':<52} {percentile(page_times, 95) * 1000:>9.0f} ms")
        print(f"{'one demand, nearby load + match + reasons: CPU p50':<52} {statistics.median(page_cpu) * 1000:>9.0f} ms")
        print(f"{'one demand, cached page (version read + match): p50':<52} "
              f"{statistics.median(cached_times) * 1000:>9.1f} ms")
        print(f"{'one demand, cached page: p95':<52} {percentile(cached_times, 95) * 1000:>9.1f} ms")
        print(f"{'one demand, cached page: CPU p50':<52} {statistics.median(cached_cpu) * 1000:>9.1f} ms")
        print(f"{'cached page, first after a change (territory load)':<52} {cold_s * 1000:>9.0f} ms")
        print(f"{'one demand, index in memory: p50':<52} {statistics.median(memory_times) * 1000:>9.1f} ms")
        print(f"{'one demand, index in memory: p95':<52} {percentile(memory_times, 95) * 1000:>9.1f} ms")
        print(f"{'all open demands (one load), total':<52} {all_s:>10.1f} s")
        print(f"{'all open demands (one load), CPU time of this process':<52} {all_cpu:>10.1f} s")
        print(f"{'unmatched-demands check, all open demands (in memory)':<52} {unmatched_s:>10.2f} s")
        print(f"{'demands with a full match / with no match at all':<52} {with_full:>6} / {unmatched}")
        assert unmatched_page == unmatched


if __name__ == "__main__":
    main()
