"""Property tests of the draw algorithm on random requests (pure function, no database)."""
from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.booking.allocation import Candidate, allocate, draw_numbers

pytestmark = pytest.mark.slow

SESSIONS = [1, 2, 3]
BANDS = ["under6", "over6"]


@st.composite
def scenarios(draw):
    places = {(s, b): draw(st.integers(0, 4)) for s in SESSIONS for b in BANDS}
    candidates, item_id = [], 0
    for request_id in range(1, draw(st.integers(1, 12)) + 1):
        together = draw(st.booleans())
        priority = (draw(st.integers(0, 1)), draw(st.sampled_from([0, 0.5, 1])))
        children = draw(st.lists(st.sampled_from(BANDS), min_size=1, max_size=3))
        wanted = draw(st.lists(st.sampled_from(SESSIONS), min_size=1, max_size=3, unique=True))
        for child_index, band in enumerate(children):
            child_priority = (draw(st.integers(0, 1)),) + priority
            for session in wanted:
                item_id += 1
                candidates.append(Candidate(item_id, request_id, request_id * 10 + child_index, session, band,
                                            draw(st.integers(1, 3)), child_priority, together))
    seed = draw(st.text(min_size=1, max_size=12))
    return candidates, places, seed


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_allocation_invariants(scenario):
    candidates, places, seed = scenario
    decisions = allocate(candidates, places, seed)
    by_id = {c.item_id: c for c in candidates}
    status = {d.item_id: d for d in decisions}
    # Every candidate decided exactly once.
    assert sorted(status) == sorted(by_id)
    # Capacity per session and age band.
    used = Counter((by_id[d.item_id].session_id, by_id[d.item_id].band) for d in decisions
                   if d.status == "confirmed")
    assert all(n <= places[key] for key, n in used.items())
    # Siblings together: one outcome per (together request, session).
    groups = defaultdict(set)
    for d in decisions:
        c = by_id[d.item_id]
        if c.together:
            groups[(c.request_id, c.session_id)].add(d.status)
    assert all(len(s) == 1 for s in groups.values())
    # No lower-priority request confirmed while a higher-priority single request of the same
    # session and band waits; and a waiting single request means its band was full.
    for d in decisions:
        w = by_id[d.item_id]
        if d.status != "waitlisted" or w.together:
            continue
        for other in decisions:
            c = by_id[other.item_id]
            if other.status == "confirmed" and (c.session_id, c.band) == (w.session_id, w.band):
                assert other.order < d.order
                assert not tuple(c.priority) < tuple(w.priority) or c.together
        assert used[(w.session_id, w.band)] == places[(w.session_id, w.band)]
    # Deterministic for the seed, whatever the order the requests are given in.
    assert allocate(list(reversed(candidates)), places, seed) == sorted(decisions, key=lambda x: x.order)


@given(st.lists(st.integers(1, 10_000), unique=True, min_size=1, max_size=60), st.text(max_size=20))
def test_draw_numbers_are_a_permutation(ids, seed):
    numbers = draw_numbers(ids, seed)
    assert sorted(numbers.values()) == list(range(1, len(ids) + 1))
    assert numbers == draw_numbers(sorted(ids, reverse=True), seed)
