"""A slow, obviously-correct business-time oracle that the calendar benchmark judges everyone by.

Why this file exists: ``bench/calendar_bench.py`` counts how many results each library gets
wrong, and a count is only as good as the reference it is taken against. This module is that
reference. It deliberately shares no code with ``sladesk.calendar`` (it does not import sladesk)
and trades all speed for being easy to read and check:

* An instant ``u`` is open when its local wall-clock reading ``wall(u) = u + offset(u)`` lies
  in ``[D + start, D + end)`` for some open local date ``D`` (its weekday has that range and
  ``D`` is not a closed date). A range belongs to the date it starts on and may cross midnight
  (``end`` past 1440 minutes); ``00:00-24:00`` is a whole local day.
* Wall-clock readings and instants are plain integers (microseconds since the Unix epoch, the
  wall reading counted as if it were UTC), so nothing here is a naive datetime and all
  arithmetic is exact.
* The zone's UTC offset is piecewise constant between transitions. The transitions are found
  by asking ``zoneinfo`` for the offset every hour over 2019-2031 and bisecting each change to
  the second. Between two transitions the offset ``o`` is fixed, so there the preimage of the
  wall interval ``[W1, W2)`` is simply ``[W1 - o, W2 - o)``; a day's open set in UTC is the
  union of those pieces clipped to each offset segment. That gives, by construction: a wall
  reading that occurs twice (a fall-back fold) is open both times, and readings skipped by a
  spring-forward gap contribute nothing.
* ``elapsed(a, b)``: walk the local dates around ``[a, b)``, take every date's open intervals,
  merge them, intersect with ``[a, b)`` and sum.
* ``add(t, d)``: walk the local dates from ``t`` on, consuming open intervals in order until
  ``d`` is used up; the answer is where it runs out (a deadline that lands on a closing
  instant is that closing instant).

``bench/calendar_bench.py --self-check`` validates this module against a brute-force
minute-by-minute scan that evaluates the definition above one instant at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

US = 1_000_000
MINUTE_US = 60 * US
HOUR_US = 3600 * US
DAY_US = 86_400 * US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

# The window in which offset transitions are tabulated; queries outside it raise.
_SCAN_FROM_US = (dt.datetime(2019, 1, 1, tzinfo=dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)
_SCAN_TO_US = (dt.datetime(2031, 1, 1, tzinfo=dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)

Range = tuple[int, int]
"""Minutes after the owning local date's midnight, ``start < end <= start + 1440``."""


def to_us(t: dt.datetime) -> int:
    """An aware datetime as exact microseconds since the Unix epoch."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t!r}")
    return (t - EPOCH) // dt.timedelta(microseconds=1)


def from_us(us: int) -> dt.datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + dt.timedelta(microseconds=us)


def day_number(d: dt.date) -> int:
    """Days since 1970-01-01."""
    return d.toordinal() - _EPOCH_ORDINAL


def date_of_day_number(n: int) -> dt.date:
    return dt.date.fromordinal(n + _EPOCH_ORDINAL)


def offset_us(zone: ZoneInfo, instant_us: int) -> int:
    """The zone's UTC offset at an instant, straight from zoneinfo."""
    local = from_us(instant_us).astimezone(zone)
    off = local.utcoffset()
    assert off is not None
    return off // dt.timedelta(microseconds=1)


@cache
def offset_segments(zone_name: str) -> tuple[tuple[int, int, int], ...]:
    """``(from_us, to_us, offset_us)`` pieces covering 2019-2031 in which the offset is fixed.

    Found by sampling every hour and bisecting each change to the second; it assumes no two
    transitions fall within the same hour, which holds for every zone of the benchmark.
    """
    zone = ZoneInfo(zone_name)
    segments: list[tuple[int, int, int]] = []
    seg_start = _SCAN_FROM_US
    seg_off = offset_us(zone, seg_start)
    t = seg_start
    while t < _SCAN_TO_US:
        nxt = min(t + HOUR_US, _SCAN_TO_US)
        off = offset_us(zone, nxt)
        if off != seg_off:
            lo, hi = t, nxt  # offset(lo) == seg_off, offset(hi) == off; find the first change
            while hi - lo > US:
                mid = lo + (hi - lo) // 2 // US * US
                if offset_us(zone, mid) == seg_off:
                    lo = mid
                else:
                    hi = mid
            segments.append((seg_start, hi, seg_off))
            seg_start, seg_off = hi, offset_us(zone, hi)
        t = nxt
    segments.append((seg_start, _SCAN_TO_US, seg_off))
    return tuple(segments)


def wall_interval_to_utc(zone_name: str, wall_from: int, wall_to: int) -> list[tuple[int, int]]:
    """All instants whose wall reading lies in ``[wall_from, wall_to)``, as UTC intervals."""
    if wall_from < _SCAN_FROM_US + DAY_US or wall_to > _SCAN_TO_US - DAY_US:
        raise ValueError("wall reading outside the oracle's 2019-2031 window")
    out: list[tuple[int, int]] = []
    for seg_from, seg_to, off in offset_segments(zone_name):
        lo = max(wall_from - off, seg_from)
        hi = min(wall_to - off, seg_to)
        if lo < hi:
            out.append((lo, hi))
    return out


@dataclass(frozen=True)
class OracleCalendar:
    """A weekly calendar in an IANA zone, minus closed local dates."""

    name: str
    zone_name: str
    weekly: tuple[tuple[Range, ...], ...]  # index 0 = Monday
    closed: frozenset[dt.date] = frozenset()
    _days: dict[int, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly needs seven entries, Monday first")
        for ranges in self.weekly:
            for start, end in ranges:
                if not (0 <= start < 1440 and start < end <= start + 1440):
                    raise ValueError(f"bad range {(start, end)}")

    def day_intervals(self, day: int) -> tuple[tuple[int, int], ...]:
        """Open UTC intervals contributed by local date ``day`` (days since the epoch)."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        date = date_of_day_number(day)
        out: list[tuple[int, int]] = []
        if date not in self.closed:
            midnight_wall = day * DAY_US
            for start, end in self.weekly[date.weekday()]:
                out.extend(
                    wall_interval_to_utc(
                        self.zone_name,
                        midnight_wall + start * MINUTE_US,
                        midnight_wall + end * MINUTE_US,
                    )
                )
        result = tuple(out)
        self._days[day] = result
        return result

    def local_day(self, instant_us: int) -> int:
        """The local date (days since the epoch) of an instant."""
        return (instant_us + offset_us(ZoneInfo(self.zone_name), instant_us)) // DAY_US

    def intervals(self, first_day: int, last_day: int) -> list[tuple[int, int]]:
        """Merged, sorted open intervals owned by local dates ``first_day..last_day``."""
        raw: list[tuple[int, int]] = []
        for day in range(first_day, last_day + 1):
            raw.extend(self.day_intervals(day))
        raw.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in raw:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        return merged

    # -- the two operations, on integers -------------------------------------------------

    def elapsed_us(self, a: int, b: int) -> int:
        """Open microseconds in ``[a, b)`` (0 when ``b <= a``)."""
        if b <= a:
            return 0
        # A date's ranges start on it and end at most one day (plus any offset) later, so
        # one date of slack on each side covers every interval that can touch [a, b).
        total = 0
        for lo, hi in self.intervals(self.local_day(a) - 2, self.local_day(b) + 1):
            lo, hi = max(lo, a), min(hi, b)
            if lo < hi:
                total += hi - lo
        return total

    def add_us(self, t: int, d: int) -> int:
        """The earliest instant ``u >= t`` with ``elapsed_us(t, u) == d``."""
        if d < 0:
            raise ValueError("negative durations are not part of the benchmark")
        if d == 0:
            return t
        left = d
        cursor = t
        first = self.local_day(t) - 2
        chunk = 14
        for _ in range(400):  # 400 chunks of 14 days: far beyond any benchmark duration
            for lo, hi in self.intervals(first, first + chunk - 1):
                lo = max(lo, cursor)
                if lo >= hi:
                    continue
                if hi - lo >= left:
                    return lo + left
                left -= hi - lo
                cursor = hi
            first += chunk
        raise ValueError("no open time found within the search window")

    # -- datetime front ends -------------------------------------------------------------

    def elapsed(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        return dt.timedelta(microseconds=self.elapsed_us(to_us(a), to_us(b)))

    def add(self, t: dt.datetime, d: dt.timedelta) -> dt.datetime:
        return from_us(self.add_us(to_us(t), d // dt.timedelta(microseconds=1)))


def weekly_from(days: Iterable[int], ranges: Iterable[Range]) -> tuple[tuple[Range, ...], ...]:
    """The same ranges on the given weekdays (0 = Monday), nothing on the others."""
    chosen = set(days)
    rs = tuple(ranges)
    return tuple(rs if i in chosen else () for i in range(7))


__all__ = [
    "DAY_US",
    "EPOCH",
    "HOUR_US",
    "MINUTE_US",
    "US",
    "OracleCalendar",
    "date_of_day_number",
    "day_number",
    "from_us",
    "offset_segments",
    "offset_us",
    "to_us",
    "wall_interval_to_utc",
    "weekly_from",
]
