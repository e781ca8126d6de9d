"""Property tests: the engine against a slow, obviously-correct oracle, plus algebraic laws.

The oracle shares no code with the engine. It walks UTC minute by minute; for each minute it
asks zoneinfo for the local wall-clock reading and checks, for the local date and the day
before (a range that crosses midnight belongs to its start day), whether the wall minutes
since that date's midnight fall in one of its ranges, then applies closures. All generated
ranges, closures and the zones' transitions are minute-aligned, so openness is constant over
each minute and counting open minutes is exact.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from calendar_cases import ANCHORS, DAYS, ZONES, hhmm
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sladesk.calendar import Calendar

MINUTE = timedelta(minutes=1)
PROFILE = settings(max_examples=200, deadline=None)


@functools.cache
def minutes_of(text: str) -> tuple[int, int]:
    """``"22:00-06:00"`` -> (1320, 1800): minutes after the owning day's midnight."""
    a, b = text.split("-")
    s = int(a[:2]) * 60 + int(a[3:])
    e = int(b[:2]) * 60 + int(b[3:])
    return s, (e if e > s else e + 1440)


@functools.cache
def holiday_list(country: str) -> set[date]:
    return set(holidays.country_holidays(country, years=[2025, 2026, 2027]))


@dataclass
class Oracle:
    zone: ZoneInfo
    weekly: list[list[str]]
    closed: set[date]
    special: dict[date, list[str]]
    holiday_dates: set[date]
    closures: list[tuple[datetime, datetime]]

    def ranges(self, d: date) -> list[tuple[int, int]]:
        if d in self.special:
            texts = self.special[d]
        elif d in self.closed or d in self.holiday_dates:
            texts = []
        else:
            texts = self.weekly[d.weekday()]
        return [minutes_of(t) for t in texts]

    def is_open(self, u: datetime) -> bool:
        for a, b in self.closures:
            if a <= u < b:
                return False
        wall = u.astimezone(self.zone).replace(tzinfo=None)
        for owner in (wall.date(), wall.date() - timedelta(days=1)):
            since = (wall - datetime.combine(owner, time())) // MINUTE
            for s, e in self.ranges(owner):
                if s <= since < e:
                    return True
        return False

    # The walks below step in UTC: adding a timedelta to a datetime in a ZoneInfo zone would
    # step its wall clock instead.

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        n = 0
        u, b = a.astimezone(UTC), b.astimezone(UTC)
        while u < b:
            n += self.is_open(u)
            u += MINUTE
        return n * MINUTE

    def add(self, t: datetime, minutes: int, limit_days: int = 4) -> datetime | None:
        if minutes == 0:
            return t
        u = t.astimezone(UTC)
        left = minutes
        for _ in range(limit_days * 1440):
            if self.is_open(u):
                left -= 1
                if left == 0:
                    return u + MINUTE
            u += MINUTE
        return None

    def next_open(self, t: datetime, limit_days: int = 4) -> datetime | None:
        u = t.astimezone(UTC)
        for _ in range(limit_days * 1440):
            if self.is_open(u):
                return u
            u += MINUTE
        return None


@st.composite
def day_ranges(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["closed", "one", "two", "night", "full"]))
    if kind == "closed":
        return []
    if kind == "full":
        return ["00:00-24:00"]
    if kind == "night":
        s = draw(st.integers(12 * 60, 1439))
        e = draw(st.integers(0, s))
        return [f"{hhmm(s)}-{hhmm(e)}"]
    k = 2 if kind == "one" else 4
    grid = draw(st.sampled_from([1, 15, 30, 60]))
    points = sorted(draw(st.sets(st.integers(0, 1440 // grid), min_size=k, max_size=k)))
    points = [p * grid for p in points]
    return [f"{hhmm(points[i])}-{hhmm(points[i + 1])}" for i in range(0, k, 2)]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Calendar, Oracle, datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    anchor = draw(st.sampled_from(ANCHORS))
    weekly = [draw(day_ranges()) for _ in range(7)]
    near = [anchor + timedelta(days=k) for k in range(-3, 4)]
    closed = draw(st.sets(st.sampled_from(near), max_size=2))
    special_days = draw(st.sets(st.sampled_from([d for d in near if d not in closed]), max_size=1))
    special = {d: draw(day_ranges()) for d in special_days}
    origin = datetime.combine(anchor, time(), tzinfo=UTC)
    closures: list[tuple[datetime, datetime]] = []
    for _ in range(draw(st.integers(0, 1))):
        a = origin + draw(st.integers(-3 * 1440, 3 * 1440)) * MINUTE
        closures.append((a, a + draw(st.integers(1, 2 * 1440)) * MINUTE))
    country = draw(st.sampled_from([None, "AR", "DE"]))
    spec: dict[str, Any] = {
        "timezone": zone_name,
        "hours": {DAYS[i]: weekly[i] for i in range(7)},
        "closed": [d.isoformat() for d in sorted(closed)],
        "special": {d.isoformat(): r for d, r in special.items()},
        "closures": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in closures],
    }
    holiday_dates: set[date] = set()
    if country is not None:
        spec["holidays"] = {"country": country}
        holiday_dates = holiday_list(country)
    oracle = Oracle(zone, weekly, set(closed), special, holiday_dates, closures)
    return Calendar.from_spec(spec), oracle, origin


def opens_soon(cal: Calendar, t: datetime) -> bool:
    """Whether some open time follows ``t`` within two weeks (else add/next_open walk far)."""
    return cal.elapsed(t, t + timedelta(days=14)) > timedelta(0)


offsets = st.integers(-3 * 1440, 3 * 1440)


@PROFILE
@given(calendars(), offsets, st.integers(0, 36 * 60))
def test_elapsed_and_is_open_match_the_oracle(
    case: tuple[Calendar, Oracle, datetime], start: int, span: int
) -> None:
    cal, oracle, origin = case
    a = origin + start * MINUTE
    b = a + span * MINUTE
    assert cal.elapsed(a, b) == oracle.elapsed(a, b)
    for u in (a, b, a + (span // 2) * MINUTE):
        assert cal.is_open(u) == oracle.is_open(u), u


@PROFILE
@given(calendars(), offsets, st.integers(0, 600))
def test_add_and_next_open_match_the_oracle(
    case: tuple[Calendar, Oracle, datetime], start: int, minutes: int
) -> None:
    cal, oracle, origin = case
    t = (origin + start * MINUTE).astimezone(oracle.zone)
    expected_open = oracle.next_open(t)
    expected = oracle.add(t, minutes) if expected_open is not None else None
    if expected_open is not None:
        assert cal.next_open(t).astimezone(UTC) == expected_open
    if expected is not None:
        got = cal.add(t, minutes * MINUTE)
        assert got.astimezone(UTC) == expected.astimezone(UTC)
        assert got.tzinfo is t.tzinfo


instants = st.integers(-3 * 86400 * 10**6, 3 * 86400 * 10**6)  # microseconds around the anchor
durations = st.integers(0, 40 * 3600 * 10**6)


@PROFILE
@given(calendars(), instants, durations, durations)
def test_add_inverts_elapsed_and_is_monotone(
    case: tuple[Calendar, Oracle, datetime], start: int, d1: int, d2: int
) -> None:
    cal, _, origin = case
    t = origin + timedelta(microseconds=start)
    assume(opens_soon(cal, t))
    small, big = sorted((timedelta(microseconds=d1), timedelta(microseconds=d2)))
    u_small, u_big = cal.add(t, small), cal.add(t, big)
    assert cal.elapsed(t, u_small) == small
    assert cal.elapsed(t, u_big) == big
    assert t <= u_small <= u_big
    if small > timedelta(0):  # earliest: one microsecond before, not enough open time yet
        assert cal.elapsed(t, u_small - timedelta(microseconds=1)) < small


@PROFILE
@given(calendars(), instants, instants, instants)
def test_elapsed_is_additive_and_next_open_is_open(
    case: tuple[Calendar, Oracle, datetime], x: int, y: int, z: int
) -> None:
    cal, _, origin = case
    a, b, c = sorted(origin + timedelta(microseconds=v) for v in (x, y, z))
    assert cal.elapsed(a, b) + cal.elapsed(b, c) == cal.elapsed(a, c)
    assert cal.elapsed(c, a) == timedelta(0)
    assume(opens_soon(cal, a))
    n = cal.next_open(a)
    assert cal.is_open(n)
    assert n >= a
    assert n == a or cal.elapsed(a, n) == timedelta(0)


@settings(max_examples=20, deadline=None)
@given(calendars(), st.randoms(use_true_random=False))
def test_array_forms_equal_scalar_forms(case: tuple[Calendar, Oracle, datetime], rnd: Any) -> None:
    cal, _, origin = case
    assume(opens_soon(cal, origin - timedelta(days=3)))
    n = 300
    span = 6 * 86400 * 10**6
    base = origin - timedelta(days=3)
    starts = [base + timedelta(microseconds=rnd.randrange(span)) for _ in range(n)]
    ends = [s + timedelta(microseconds=rnd.randrange(-(10**9), 3 * span)) for s in starts]
    most = 30 * 3600 * 10**6
    durs = [timedelta(microseconds=rnd.choice([0, rnd.randrange(most)])) for _ in starts]

    def m8(values: list[datetime]) -> np.ndarray[Any, Any]:
        return np.array([v.replace(tzinfo=None) for v in values], dtype="datetime64[us]")

    got_add = cal.add_many(m8(starts), np.array(durs, dtype="timedelta64[us]"))
    got_elapsed = cal.elapsed_many(m8(starts), m8(ends))
    assert got_add.dtype == np.dtype("datetime64[us]")
    assert got_elapsed.dtype == np.dtype("timedelta64[us]")
    want_add = m8([cal.add(s, d).astimezone(UTC) for s, d in zip(starts, durs, strict=True)])
    want_elapsed = np.array(
        [cal.elapsed(s, e) for s, e in zip(starts, ends, strict=True)], dtype="timedelta64[us]"
    )
    assert (got_add == want_add).all()
    assert (got_elapsed == want_elapsed).all()
