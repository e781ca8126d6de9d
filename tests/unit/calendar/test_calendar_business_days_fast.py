"""`add_business_days` (index arithmetic over compiled business days) against the direct,
day-by-day reference (`business_days_reference.py`, the former implementation).

The generated calendars stress what the fast path must get right: night shifts whose
after-midnight part overlaps the next day's own ranges, full days, split days, closures that
swallow whole days or parts of them, special and closed days, holidays, DST gaps and folds
(30-minute DST on Lord Howe, a change at local midnight in Santiago), starts given in UTC,
in the calendar's zone (including the second pass of a fold) or in a fixed offset, at minute
and at microsecond resolution.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from business_days_reference import add_business_days_reference
from calendar_cases import ANCHORS as ZONE_CHANGE_DAYS
from calendar_cases import DAYS, ZONES, hhmm
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sladesk.calendar import Calendar

ANCHORS = [*ZONE_CHANGE_DAYS, date(2026, 12, 30)]  # and the year boundary


@st.composite
def day_ranges(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["closed", "one", "two", "night", "full", "early", "night+"]))
    if kind == "closed":
        return []
    if kind == "full":
        return ["00:00-24:00"]
    if kind == "early":  # overlaps the previous day's night shift
        return [f"{hhmm(draw(st.integers(0, 8 * 60)))}-{hhmm(draw(st.integers(9 * 60, 1440)))}"]
    if kind in ("night", "night+"):
        s = draw(st.integers(12 * 60, 1439))
        e = draw(st.integers(0, s))  # e == s: 24 hours
        night = [f"{hhmm(s)}-{hhmm(e)}"]
        if kind == "night+" and e < s and s - e >= 120:
            a = draw(st.integers(e, s - 60)) // 30 * 30
            a = max(a, e)
            b = min(a + 60, s)
            if a < b:
                night.insert(0, f"{hhmm(a)}-{hhmm(b)}")
        return night
    k = 2 if kind == "one" else 4
    grid = draw(st.sampled_from([1, 15, 30, 60]))
    points = sorted(draw(st.sets(st.integers(0, 1440 // grid), min_size=k, max_size=k)))
    points = [p * grid for p in points]
    return [f"{hhmm(points[i])}-{hhmm(points[i + 1])}" for i in range(0, k, 2)]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Calendar, ZoneInfo, datetime]:
    zone_name = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ANCHORS))
    weekly = [draw(day_ranges()) for _ in range(7)]
    assume(any(weekly))  # else the reference walks to 2200 before giving up
    near = [anchor + timedelta(days=k) for k in range(-3, 12)]
    closed = draw(st.sets(st.sampled_from(near), max_size=3))
    special_days = draw(st.sets(st.sampled_from([d for d in near if d not in closed]), max_size=2))
    special = {d.isoformat(): draw(day_ranges()) for d in special_days}
    origin = datetime.combine(anchor, time(), tzinfo=UTC)
    closures = []
    for _ in range(draw(st.integers(0, 2))):
        a = origin + timedelta(minutes=draw(st.integers(-3 * 1440, 8 * 1440)))
        b = a + timedelta(minutes=draw(st.integers(1, 3 * 1440)))
        closures.append({"from": a.isoformat(), "to": b.isoformat()})
    spec: dict[str, Any] = {
        "timezone": zone_name,
        "hours": {DAYS[i]: weekly[i] for i in range(7)},
        "closed": [d.isoformat() for d in sorted(closed)],
        "special": special,
        "closures": closures,
    }
    country = draw(st.sampled_from([None, "AR", "DE"]))
    if country is not None:
        spec["holidays"] = {"country": country}
    return Calendar.from_spec(spec), ZoneInfo(zone_name), origin


def same(got: datetime, want: datetime) -> None:
    assert got == want
    assert got.tzinfo is want.tzinfo
    assert got.utcoffset() == want.utcoffset()
    assert got.fold == want.fold
    assert got.replace(tzinfo=None) == want.replace(tzinfo=None)


@settings(max_examples=400, deadline=None)
@given(
    calendars(),
    st.integers(-3 * 86400 * 10**6, 6 * 86400 * 10**6),
    st.booleans(),
    st.sampled_from(["utc", "zone", "fold", "fixed"]),
    st.integers(0, 12),
)
def test_fast_business_days_equal_the_reference(
    case: tuple[Calendar, ZoneInfo, datetime], offset_us: int, minute: bool, tz: str, n: int
) -> None:
    cal, zone, origin = case
    if minute:
        offset_us -= offset_us % 60_000_000
    t = origin + timedelta(microseconds=offset_us)
    if tz == "zone":
        t = t.astimezone(zone)
    elif tz == "fold":  # the same wall time, second pass when it is ambiguous
        t = t.astimezone(zone).replace(fold=1)
    elif tz == "fixed":
        t = t.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assume(cal.elapsed(t, t + timedelta(days=14)) > timedelta(0))
    same(cal.add_business_days(t, n), add_business_days_reference(cal, t, n))


SEEDS: dict[str, dict[str, Any]] = {
    "aivo": {
        "timezone": "America/Argentina/Buenos_Aires",
        "hours": {"mon-fri": ["09:00-18:00"]},
        "holidays": {"country": "AR"},
        "special": {"2026-12-24": ["09:00-13:00"]},
        "closures": [{"from": "2026-03-04T12:00:00-03:00", "to": "2026-03-05T10:00:00-03:00"}],
    },
    "berlin-nights": {
        "timezone": "Europe/Berlin",
        "hours": {"mon-fri": ["22:00-06:00"], "sat": ["05:00-10:00"]},
        "holidays": {"country": "DE"},
    },
    "new-york-days": {
        "timezone": "America/New_York",
        "hours": {"daily": ["00:00-24:00"]},
        "closed": ["2026-03-09", "2026-11-02"],
    },
    "berlin-24x7": {"timezone": "Europe/Berlin", "hours": "24x7"},
    "lord-howe-split": {
        "timezone": "Australia/Lord_Howe",
        "hours": {"mon-sat": ["01:00-02:30", "09:00-09:00"]},
    },
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_fast_business_days_equal_the_reference_over_a_year(name: str) -> None:
    cal = Calendar.from_spec(SEEDS[name])
    zone = ZoneInfo(SEEDS[name]["timezone"])
    t = datetime(2025, 12, 20, tzinfo=UTC)
    step = timedelta(hours=5, minutes=17, microseconds=3)  # drifts through every wall time
    while t < datetime(2027, 1, 10, tzinfo=UTC):
        for n in (1, 3):
            same(cal.add_business_days(t, n), add_business_days_reference(cal, t, n))
        local = t.astimezone(zone)
        same(cal.add_business_days(local, 2), add_business_days_reference(cal, local, 2))
        t += step


def test_far_ahead_and_across_years() -> None:
    cal = Calendar.from_spec(SEEDS["aivo"])
    t = datetime(2026, 12, 28, 15, tzinfo=ZoneInfo("America/Argentina/Buenos_Aires"))
    for n in (1, 5, 260, 1000, 5000):
        same(cal.add_business_days(t, n), add_business_days_reference(cal, t, n))
    early = Calendar.from_spec(SEEDS["berlin-nights"])  # first asked late, then early
    late = datetime(2150, 6, 1, tzinfo=UTC)
    first = datetime(1905, 6, 1, tzinfo=UTC)
    for when in (late, first, late):
        same(early.add_business_days(when, 7), add_business_days_reference(early, when, 7))


def test_no_business_day_left_before_2200() -> None:
    cal = Calendar.from_spec(SEEDS["aivo"])
    with pytest.raises(ValueError, match="no business day left"):
        cal.add_business_days(datetime(2199, 12, 29, 12, tzinfo=UTC), 10)
    with pytest.raises(ValueError, match="no business day left"):
        add_business_days_reference(cal, datetime(2199, 12, 29, 12, tzinfo=UTC), 10)
    always = Calendar.from_spec({"timezone": "Asia/Tokyo", "hours": "24x7"})
    with pytest.raises(ValueError, match="no business day left"):
        always.add_business_days(datetime(2199, 12, 31, 16, tzinfo=UTC), 1)  # Jan 1st in Tokyo
    with pytest.raises(ValueError, match="outside the span"):
        always.add_business_days(datetime(1899, 12, 31, 16, tzinfo=UTC), 1)
    special_only = Calendar.from_spec(
        {"timezone": "UTC", "hours": {}, "special": {"2026-05-04": ["09:00-10:00"]}}
    )
    t = datetime(2026, 5, 1, tzinfo=UTC)
    assert special_only.add_business_days(t, 0) == datetime(2026, 5, 4, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="no business day left"):
        special_only.add_business_days(t, 1)
