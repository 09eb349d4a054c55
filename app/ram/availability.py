"""Free places of a childminder, per weekly slot and per date, within the legal limits.

Pure functions on plain values (no database), shared by the profile pages,
matching, the observatory and the benchmark. The limits (CASF L421-4, see
shared/domain.md):
- at most the licence's number of minded children at once;
- at most the licence's number of minded children under 3;
- at most 6 minors under 11 at once, including at most 4 under 3, the
  childminder's own children counted;
- a temporary extension (L421-4 II, at most 2 children, e.g. school holidays)
  lets the childminder exceed these limits by its places while it runs: the
  cap of 6 minors under 11 as well as the licence's number of children (the
  extension exists precisely when the cap of 6 would block). It never raises
  the limits for children under 3.
A contract with an end date is checked up to that date only: a child minded in
the summer does not compete with a child who starts in September.
Ages are evaluated on the date considered. Own children under 11 are counted on
every slot (we do not know when they are at school: the safe side).
The days and hours the childminder declares she accepts (`Profile.accepted`, a
slot mask; every slot when she declared none) bound her places: a slot she
does not accept has no place, whatever the licence allows.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.ram import schedule as sch

MAX_UNDER_11 = 6
MAX_UNDER_3 = 4


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


@dataclass(frozen=True)
class LicenceTerms:
    max_children: int
    max_under_3: int
    valid_from: date
    valid_until: date
    extension_from: date | None = None
    extension_until: date | None = None
    extension_places: int = 0

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def extension_on(self, day: date) -> int:
        """Places of the temporary extension running on `day` (0 outside it)."""
        if self.extension_from and self.extension_until and self.extension_from <= day <= self.extension_until:
            return self.extension_places
        return 0

    def places_on(self, day: date) -> int:
        return self.max_children + self.extension_on(day)

    def under_11_cap_on(self, day: date) -> int:
        """The cap of minors under 11 at once, raised by a running temporary extension (L421-4 II)."""
        return MAX_UNDER_11 + self.extension_on(day)


@dataclass(frozen=True)
class Occupant:
    """A child present at the childminder's: minded (with a schedule and dates) or their own."""

    birth_date: date
    mask: int
    minded: bool = True
    start: date | None = None
    end: date | None = None

    def present_on(self, day: date) -> bool:
        if self.start and day < self.start:
            return False
        return not (self.end and day > self.end)


def _birthday(birth: date, years: int) -> date:
    """The day a child born on `birth` turns `years` (29 February: 1 March, as age_on counts)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


@dataclass
class Profile:
    licences: list[LicenceTerms]
    occupants: list[Occupant] = field(default_factory=list)
    accepted: int = sch.ALL  # the slots the childminder accepts (her declared days and hours)
    _cache: dict = field(default_factory=dict, repr=False)
    _breakpoints: list[date] | None = field(default=None, repr=False)
    _starts: list[date] | None = field(default=None, repr=False)
    _at_start: dict = field(default_factory=dict, repr=False)
    _cuts: list[date] | None = field(default=None, repr=False)
    _by_cut: dict = field(default_factory=dict, repr=False)

    def licence_on(self, day: date) -> LicenceTerms | None:
        for licence in reversed(self.licences):
            if licence.valid_from <= day <= licence.valid_until:
                return licence
        return None

    def segment(self, day: date) -> int:
        """Which stretch of dates `day` is in: nothing that counts changes within a stretch
        (no contract starts or ends, no child turns 3 or 11, no licence or extension boundary),
        so the free places computed for one day hold for the whole stretch."""
        if self._breakpoints is None:
            points = set()
            for o in self.occupants:
                points.update((o.birth_date, _birthday(o.birth_date, 3), _birthday(o.birth_date, 11)))
                if o.start:
                    points.add(o.start)
                if o.end:
                    points.add(o.end + timedelta(days=1))
            for lic in self.licences:
                points.update((lic.valid_from, lic.valid_until + timedelta(days=1)))
                if lic.extension_from and lic.extension_until:
                    points.update((lic.extension_from, lic.extension_until + timedelta(days=1)))
            self._breakpoints = sorted(points)
        return bisect_right(self._breakpoints, day)


def _at_least(masks: list[int], k: int) -> int:
    """Slots where at least k of `masks` are set (bit-sliced counting)."""
    if k <= 0:
        return sch.ALL
    if k > len(masks):
        return 0
    levels = [sch.ALL] + [0] * k
    for mask in masks:
        for j in range(k, 0, -1):
            levels[j] |= levels[j - 1] & mask
    return levels[k]


def blocked_masks(profile: Profile, day: date, licence: LicenceTerms | None = None) -> tuple[int, int]:
    """(slots with no place for a child under 3, slots with no place for a child of 3 or more) on `day`.

    `licence` defaults to the licence valid on `day`; without one, every slot is blocked.
    """
    key = (profile.segment(day), id(licence))
    cached = profile._cache.get(key)
    if cached is not None:
        return cached
    licence = licence or profile.licence_on(day)
    if licence is None:
        result = (sch.ALL, sch.ALL)
    else:
        minded, minded_u3, under_11, under_3 = [], [], [], []
        for occupant in profile.occupants:
            if not occupant.present_on(day):
                continue
            age = age_on(occupant.birth_date, day)
            if age < 0:
                continue  # not born yet
            if occupant.minded:
                minded.append(occupant.mask)
                if age < 3:
                    minded_u3.append(occupant.mask)
            if age < 11:
                under_11.append(occupant.mask)
                if age < 3:
                    under_3.append(occupant.mask)
        blocked_older = (_at_least(minded, licence.places_on(day))
                         | _at_least(under_11, licence.under_11_cap_on(day)))
        blocked_young = (blocked_older | _at_least(minded_u3, licence.max_under_3)
                         | _at_least(under_3, MAX_UNDER_3))
        refused = sch.ALL & ~profile.accepted
        result = (blocked_young | refused, blocked_older | refused)
    profile._cache[key] = result
    return result


def check_dates(profile: Profile, start: date, licence: LicenceTerms | None, end: date | None = None) -> list[date]:
    """The dates from `start` (to `end`, when the new contract has one) where free places can shrink.

    Places shrink when a contract starts, a child is born (own children count from
    birth), or a temporary extension ends. Between these dates places only grow
    (contracts end, children turn 3 or 11), so a
    place free on each of these dates is free on every date from `start` to `end`.
    """
    starts = profile._starts
    if starts is None:
        # A contract starting adds a child; so does a child being born (an own child born
        # later, or a minded child whose contract was signed before the birth).
        starts = profile._starts = sorted({o.start for o in profile.occupants if o.start}
                                          | {o.birth_date for o in profile.occupants})
    dates = [start] + starts[bisect_right(starts, start):]
    if licence and licence.extension_until and licence.extension_until >= start:
        dates.append(licence.extension_until + timedelta(days=1))
    if end is not None:
        dates = [day for day in dates if day <= end]
    return dates


def _timeline(profile: Profile, licence: LicenceTerms, start: date) -> tuple[list[date], list[int], list[int]]:
    """The dates after `start` where places can shrink (see `check_dates`), with the slots blocked on
    each for a child under 3, and the union from each on for a child of 3 or more: computed once
    (again only if an earlier start is asked), past dates left out."""
    key = ("timeline", id(licence))
    cached = profile._cache.get(key)
    if cached is not None and cached[0] <= start:
        timeline = cached[1]
    else:
        dates = sorted(set(check_dates(profile, start, licence)) - {start})
        young = [0] * len(dates)
        older = [0] * (len(dates) + 1)
        for k, day in enumerate(dates):
            young[k], older[k] = blocked_masks(profile, day, licence)
        for k in range(len(dates) - 1, -1, -1):
            older[k] |= older[k + 1]  # older[k]: union from dates[k] on
        timeline = (dates, young, older)
        profile._cache[key] = (start, timeline)
    return timeline


def start_state(profile: Profile, start: date):
    """What matching needs of a childminder for a start date, computed once per date:
    None without a licence valid on `start`, else (licence, slots blocked on `start` under 3,
    slots blocked on `start` at 3 or more, index of the first later date, dates, young, older)."""
    state = profile._at_start.get(start, False)
    if state is False:
        licence = profile.licence_on(start)
        if licence is None:
            state = None
        else:
            dates, young, older = _timeline(profile, licence, start)
            at_young, at_older = blocked_masks(profile, start, licence)
            state = (licence, at_young, at_older, bisect_right(dates, start), dates, young, older)
        profile._at_start[start] = state
    return state


def _cuts(profile: Profile) -> list[date]:
    """The dates where what `start_state` gives can change: the segment boundaries (contracts, births,
    birthdays at 3 and 11, licences, extensions) and the day after any extension's end (a date
    `check_dates` adds even without an extension start)."""
    profile.segment(date.min)  # computes the breakpoints
    points = set(profile._breakpoints or ())
    points.update(lic.extension_until + timedelta(days=1) for lic in profile.licences if lic.extension_until)
    return sorted(points)


def state_on(profile: Profile, start: date):
    """`start_state(profile, start)`, kept per stretch between two `_cuts` rather than per date.

    Within a stretch the licence valid on `start`, the slots blocked on `start` (blocked_masks is
    constant per segment) and the dates after `start` where places can shrink (each one is a cut)
    are the same for every date, so the state computed for one date holds for all: a batch of
    demands with many start dates computes a few states per childminder, not one per date."""
    cuts = profile._cuts
    if cuts is None:
        cuts = profile._cuts = _cuts(profile)
    i = bisect_right(cuts, start)
    state = profile._by_cut.get(i, False)
    if state is False:
        state = profile._by_cut[i] = start_state(profile, start)
    return state


def blocked_after(state, start: date, third: date) -> int:
    """The slots with no place on some date from `start` on (no end date) for a child who turns 3
    on `third`, given `start_state(profile, start)`: what `covered_mask` removes from any wanted mask."""
    _licence, at_young, at_older, k, dates, young, older = state
    blocked = at_young if start < third else at_older
    n = len(dates)
    while k < n and dates[k] < third:
        blocked |= young[k]
        k += 1
    return blocked | older[k]


def third_birthday(birth: date) -> date:
    """The day a child born on `birth` turns 3 (as `age_on` counts)."""
    return _birthday(birth, 3)


def blocked_from(profile: Profile, start: date, child_birth: date, licence: LicenceTerms) -> int:
    """The slots with no place, on some date from `start` on, for a child born on `child_birth`
    (no end date), under `licence`: what `covered_mask` removes from the wanted slots."""
    dates, young, older = _timeline(profile, licence, start)
    at_young, at_older = blocked_masks(profile, start, licence)
    state = (licence, at_young, at_older, bisect_right(dates, start), dates, young, older)
    return blocked_after(state, start, _birthday(child_birth, 3))


def covered_mask(profile: Profile, wanted: int, start: date, child_birth: date,
                 licence: LicenceTerms | None = None, end: date | None = None) -> int:
    """The slots of `wanted` where a child born on `child_birth` has a place on every date from `start`
    (to `end` inclusive when the contract has an end date).

    The licence valid on `start` applies throughout (its renewal is the PMI's
    business, not a reason to hide a place).
    """
    licence = licence or profile.licence_on(start)
    if licence is None:
        return 0
    blocked = 0
    for day in check_dates(profile, start, licence, end):
        young, older = blocked_masks(profile, day, licence)
        blocked |= young if age_on(child_birth, day) < 3 else older
        if blocked & wanted == wanted:
            return 0
    return wanted & ~blocked


@dataclass(frozen=True)
class SlotCounts:
    minded: int
    minded_under_3: int
    under_11: int
    under_3: int
    places: int
    licence_under_3: int
    under_11_cap: int = MAX_UNDER_11

    @property
    def free_older(self) -> int:
        return max(0, min(self.places - self.minded, self.under_11_cap - self.under_11))

    @property
    def free_young(self) -> int:
        return max(0, min(self.free_older, self.licence_under_3 - self.minded_under_3,
                          MAX_UNDER_3 - self.under_3))


def slot_counts(profile: Profile, day: date, slot: int) -> SlotCounts | None:
    """Children present on `slot` of `day`'s week and the places left (None without a valid licence)."""
    licence = profile.licence_on(day)
    if licence is None:
        return None
    bit = 1 << slot
    # A slot outside her declared hours: no place there (places 0 leaves nothing free).
    places = licence.places_on(day) if profile.accepted & bit else 0
    minded = minded_u3 = u11 = u3 = 0
    for occupant in profile.occupants:
        if not occupant.present_on(day) or not occupant.mask & bit:
            continue
        age = age_on(occupant.birth_date, day)
        if age < 0:
            continue
        if occupant.minded:
            minded += 1
            minded_u3 += age < 3
        if age < 11:
            u11 += 1
            u3 += age < 3
    return SlotCounts(minded, minded_u3, u11, u3, places, licence.max_under_3,
                      licence.under_11_cap_on(day))


def week_grid(profile: Profile, day: date, first_hour: int = 6, last_hour: int = 22) -> list[dict]:
    """Rows of free places (under 3, 3 and over) per slot and weekday, for display on `day`."""
    rows = []
    for part in range(first_hour * 60 // sch.SLOT_MINUTES, last_hour * 60 // sch.SLOT_MINUTES):
        cells = []
        for weekday in range(7):
            counts = slot_counts(profile, day, weekday * sch.SLOTS_PER_DAY + part)
            cells.append((counts.free_young, counts.free_older) if counts else (0, 0))
        rows.append({"time": sch.hhmm(part * sch.SLOT_MINUTES), "cells": cells})
    return rows


def full_time_places(profile: Profile, day: date) -> tuple[int, int]:
    """Places for a child present the whole standard week (Mon–Fri 8–18 h): (under 3, 3 and over)."""
    if profile.licence_on(day) is None:
        return (0, 0)
    young = older = 99
    for slot in sch.slots(sch.STANDARD_WEEK):
        counts = slot_counts(profile, day, slot)
        young = min(young, counts.free_young)
        older = min(older, counts.free_older)
    return (young, older)
