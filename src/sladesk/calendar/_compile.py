"""Compile a :class:`CalendarSpec` into open intervals in UTC integer microseconds.

The open set of a local date ``D`` is the union, over its ranges ``[s, e)`` (minutes after
``D``'s midnight, ``e`` possibly past 24h), of the preimage ``{u : wall(u) in [D+s, D+e)}``
where ``wall(u)`` is the local wall-clock reading of the instant ``u``. Over a piece of time
where the UTC offset is constant (``off``) that preimage is ``[D+s-off, D+e-off)``; a zone
transition splits it. So the exact preimage is the union over constant-offset pieces
``[p0, p1)`` of ``[D+s-off, D+e-off) ∩ [p0, p1)``: on a spring-forward day the missing wall
hour simply has no instants, on a fall-back day both passes of the repeated hour are kept.

Everything is integer microseconds: instants since 1970-01-01T00:00Z, wall readings since
1970-01-01T00:00 local. Work is done per UTC year (a *block*): the block of year ``Y`` holds
the open intervals clipped to ``[Y-01-01T00:00Z, (Y+1)-01-01T00:00Z)``, so blocks of
consecutive years concatenate into an exact table.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from zoneinfo import ZoneInfo

from sladesk.calendar._spec import CalendarSpec, DayRanges

Interval = tuple[int, int]
DaySegments = tuple[int, list[tuple[int, int, int]]]
"""A business day: its date ordinal and its own open segments ``(start, end, offset)``."""

US = 1_000_000
MINUTE_US = 60 * US
HOUR_US = 3600 * US
DAY_US = 86_400 * US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

MIN_YEAR = 1900
"""First UTC year the engine compiles (inclusive)."""
MAX_YEAR = 2200
"""First UTC year the engine refuses to compile (exclusive end of the supported span)."""

_SAMPLE_S = 6 * 3600  # zone transitions are found by sampling the offset every 6 hours
_PAD_DAYS = 4  # local dates compiled on either side of a UTC year (ranges span <= 48h,
#                offsets are within ±26h, so 4 days always suffice)


def to_us(t: dt.datetime) -> int:
    """Aware datetime -> microseconds since the epoch (raises TypeError if naive)."""
    td = t - EPOCH
    return (td.days * 86400 + td.seconds) * US + td.microseconds


def td_us(d: dt.timedelta) -> int:
    return (d.days * 86400 + d.seconds) * US + d.microseconds


def _td(off: dt.timedelta | None) -> int:
    if off is None:  # pragma: no cover - zoneinfo always gives an offset
        raise ValueError("time zone without a UTC offset")
    return td_us(off)


def date_wall_us(d: dt.date) -> int:
    """Wall microseconds of local midnight starting ``d``."""
    return (d.toordinal() - _EPOCH_ORDINAL) * DAY_US


def year_start_us(year: int) -> int:
    return date_wall_us(dt.date(year, 1, 1))


def utc_year(x: int) -> int:
    """The UTC calendar year of instant ``x`` (µs since the epoch)."""
    return dt.date.fromordinal(_EPOCH_ORDINAL + x // DAY_US).year


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    intervals.sort()
    out: list[Interval] = []
    for a, b in intervals:
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def subtract(intervals: list[Interval], holes: tuple[Interval, ...]) -> list[Interval]:
    """``intervals`` minus ``holes`` (both sorted and disjoint)."""
    if not holes:
        return intervals
    out: list[Interval] = []
    hole_starts = [h[0] for h in holes]
    for a, b in intervals:
        # first hole that may overlap [a, b): the last one starting at or before a, or later
        k = max(bisect_right(hole_starts, a) - 1, 0)
        cur = a
        while k < len(holes) and holes[k][0] < b:
            ha, hb = holes[k]
            if hb > cur:
                if ha > cur:
                    out.append((cur, ha))
                cur = max(cur, hb)
                if cur >= b:
                    break
            k += 1
        if cur < b:
            out.append((cur, b))
    return out


def clip(intervals: list[Interval], lo: int, hi: int) -> list[Interval]:
    out: list[Interval] = []
    for a, b in intervals:
        a2, b2 = max(a, lo), min(b, hi)
        if a2 < b2:
            out.append((a2, b2))
    return out


class ZoneOffsets:
    """Constant-offset pieces of a time zone, found exactly (to the second) and cached per
    UTC year. zoneinfo does not expose its transition table, so the offset is sampled every
    six hours and each change is narrowed down by bisection to the exact second. (This
    assumes no zone keeps an offset for less than six hours, true of every zone since 1900.)

    Use :meth:`of` to share one instance per zone: zone rules do not change while a process
    runs (zoneinfo caches them the same way)."""

    _shared: dict[str, ZoneOffsets] = {}

    @classmethod
    def of(cls, zone: ZoneInfo) -> ZoneOffsets:
        found = cls._shared.get(zone.key)
        if found is None or found._zone is not zone:
            found = cls._shared[zone.key] = cls(zone)
        return found

    def __init__(self, zone: dt.tzinfo) -> None:
        self._zone = zone
        self._years: dict[int, tuple[int, list[tuple[int, int]]]] = {}

    def _offset_at(self, seconds: int) -> dt.timedelta | None:
        return dt.datetime.fromtimestamp(seconds, self._zone).utcoffset()

    def _year(self, year: int) -> tuple[int, list[tuple[int, int]]]:
        """(offset at the year's start, [(transition instant µs, offset after)]) for a year."""
        got = self._years.get(year)
        if got is not None:
            return got
        offset_at = self._offset_at
        lo = year_start_us(year) // US
        hi = year_start_us(year + 1) // US
        first = cur_off = offset_at(lo)
        changes: list[tuple[int, int]] = []
        cur = lo
        while cur < hi:
            nxt = cur + _SAMPLE_S
            if nxt > hi:
                nxt = hi
            if offset_at(nxt) == cur_off:
                cur = nxt
                continue
            # the first second in (cur, nxt] whose offset differs from cur_off
            a, b = cur, nxt
            while b - a > 1:
                mid = (a + b) // 2
                if offset_at(mid) == cur_off:
                    a = mid
                else:
                    b = mid
            if b >= hi:  # the change is exactly at the next year's start
                break
            cur_off = offset_at(b)
            changes.append((b * US, _td(cur_off)))
            cur = b
        result = (_td(first), changes)
        self._years[year] = result
        return result

    def pieces(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """Constant-offset pieces ``(p0, p1, offset)`` covering ``[lo, hi)`` (µs)."""
        out: list[tuple[int, int, int]] = []
        y = utc_year(lo)
        start = lo
        off = None
        while True:
            first, changes = self._year(y)
            if off is None:
                off = first
                for t, o in changes:
                    if t <= lo:
                        off = o
            for t, o in changes:
                if t <= start:
                    continue
                if t >= hi:
                    break
                if o != off:
                    out.append((start, t, off))
                    start, off = t, o
            y += 1
            if year_start_us(y) >= hi:
                break
            nxt_first = self._year(y)[0]
            if nxt_first != off:  # a change exactly at the year boundary
                t = year_start_us(y)
                out.append((start, t, off))
                start, off = t, nxt_first
        out.append((start, hi, off))
        return out


def preimage(ws: int, we: int, pieces: list[tuple[int, int, int]], out: list[Interval]) -> None:
    """Append the instants whose wall reading is in ``[ws, we)`` (within the pieces)."""
    for p0, p1, off in pieces:
        a = ws - off
        if a < p0:
            a = p0
        b = we - off
        if b > p1:
            b = p1
        if a < b:
            out.append((a, b))


class Compiler:
    """Turns a spec into per-date open sets and per-year interval blocks (cached)."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.offsets = ZoneOffsets.of(spec.timezone)
        self._holidays: dict[int, frozenset[dt.date]] = {}
        self._blocks: dict[int, list[Interval]] = {}
        self._day_blocks: dict[int, list[DaySegments]] = {}

    def holiday_dates(self, year: int) -> frozenset[dt.date]:
        got = self._holidays.get(year)
        if got is None:
            source = self.spec.holidays
            got = source.dates(year) if source is not None else frozenset()
            self._holidays[year] = got
        return got

    def ranges_for(self, day: dt.date) -> DayRanges:
        """The ranges owned by a local date: special hours, else closed (listed or holiday),
        else the weekday's hours."""
        spec = self.spec
        if spec.special is not None and day in spec.special:
            return spec.special[day]
        if day in spec.closed:
            return ()
        if spec.holidays is not None and day in self.holiday_dates(day.year):
            return ()
        return spec.weekly[day.weekday()]

    def day_intervals(self, day: dt.date) -> list[Interval]:
        """The open instants owned by ``day`` (its own ranges, minus closures), merged."""
        ranges = self.ranges_for(day)
        if not ranges:
            return []
        base = date_wall_us(day)
        pieces = self.offsets.pieces(base - 2 * DAY_US, base + 4 * DAY_US)
        out: list[Interval] = []
        for s, e in ranges:
            preimage(base + s * MINUTE_US, base + e * MINUTE_US, pieces, out)
        return subtract(merge(out), self.spec.closures)

    def day_block(self, year: int) -> list[DaySegments]:
        """The business days of the *local* year ``year``, in order: for each local date
        with open time, its ordinal and its own open instants (minus closures) as sorted,
        disjoint segments ``(a, b, offset)`` over which the UTC offset is constant, so the
        wall reading of ``u`` in ``[a, b)`` is ``u + offset``. (Segments may touch; they
        are not merged, since each keeps its offset.)"""
        got = self._day_blocks.get(year)
        if got is not None:
            return got
        lo, hi = year_start_us(year), year_start_us(year + 1)
        # a date's ranges span at most 48h of wall time and offsets are within ±26h
        pieces = self.offsets.pieces(lo - 3 * DAY_US, hi + 5 * DAY_US)
        closures = self.spec.closures
        out: list[DaySegments] = []
        day = dt.date(year, 1, 1)
        one = dt.timedelta(days=1)
        while day.year == year:
            ranges = self.ranges_for(day)
            if ranges:
                base = date_wall_us(day)
                segs: list[tuple[int, int, int]] = []
                for s, e in ranges:
                    ws, we = base + s * MINUTE_US, base + e * MINUTE_US
                    for p0, p1, off in pieces:
                        a = ws - off
                        if a < p0:
                            a = p0
                        b = we - off
                        if b > p1:
                            b = p1
                        if a < b:
                            if closures:
                                segs.extend((c, d, off) for c, d in subtract([(a, b)], closures))
                            else:
                                segs.append((a, b, off))
                if segs:
                    segs.sort()
                    out.append((day.toordinal(), segs))
            day += one
        self._day_blocks[year] = out
        return out

    def block(self, year: int) -> list[Interval]:
        """Open intervals clipped to the UTC year ``year``."""
        got = self._blocks.get(year)
        if got is not None:
            return got
        lo, hi = year_start_us(year), year_start_us(year + 1)
        pieces = self.offsets.pieces(lo - (_PAD_DAYS + 2) * DAY_US, hi + (_PAD_DAYS + 2) * DAY_US)
        out: list[Interval] = []
        day = dt.date(year, 1, 1) - dt.timedelta(days=_PAD_DAYS)
        last = dt.date(year + 1, 1, 1) + dt.timedelta(days=_PAD_DAYS)
        one = dt.timedelta(days=1)
        while day <= last:
            ranges = self.ranges_for(day)
            if ranges:
                base = date_wall_us(day)
                for s, e in ranges:
                    preimage(base + s * MINUTE_US, base + e * MINUTE_US, pieces, out)
            day += one
        got = clip(subtract(merge(out), self.spec.closures), lo, hi)
        self._blocks[year] = got
        return got
