"""The :class:`Calendar`: business-time queries over compiled open intervals.

A calendar compiles, lazily and per UTC year, into sorted disjoint open intervals
``[starts[i], ends[i])`` in integer microseconds since the epoch, with prefix sums of open
time (``cstart[i]`` is the open time before interval ``i``, ``cend[i]`` the open time up to
its end). With ``F(x)`` the open time before instant ``x``:

- ``elapsed(a, b) = F(b) - F(a)``: two binary searches;
- ``add(t, d)`` is the first instant ``u`` with ``F(u) = F(t) + d``: the interval whose
  ``cend`` first reaches that value, so a deadline landing on a closing instant *is* the
  closing instant.

The table is public, read-only, as :class:`OpenTable` (:meth:`Calendar.table`), for
integrators such as the SLA clocks. The scalar forms bisect Python lists (faster than numpy
for one element); the array forms use ``numpy.searchsorted`` over the same table. A ``24x7``
calendar with no exceptions is plain arithmetic. The table is extended on demand (1900 to
2199) and swapped atomically, so readers never see a half-built table.

``add_business_days`` uses a second snapshot, built only when first needed: the business
days (local dates with open time) of whole local years, each with its own open segments of
constant UTC offset (see :class:`_Days`), so the ``n``-th next business day is index
arithmetic and its answer one bisect.
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sladesk.calendar._compile import (
    DAY_US,
    EPOCH,
    MAX_YEAR,
    MIN_YEAR,
    US,
    Compiler,
    td_us,
    utc_year,
    year_start_us,
)
from sladesk.calendar._spec import CalendarSpec, describe_hours, last_open_day, parse_spec
from sladesk.errors import NaiveDatetimeError

_ZERO = dt.timedelta(0)
_TD = dt.timedelta
_UTC = dt.UTC
_LO_US = year_start_us(MIN_YEAR)
_HI_US = year_start_us(MAX_YEAR)
_MONTH_US = 31 * 86_400 * US
_EPOCH_ORD = dt.date(1970, 1, 1).toordinal()
_LAST_DAY_ORD = dt.date(MAX_YEAR - 1, 12, 31).toordinal()  # no business day after it


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class OpenTable:
    """An immutable snapshot of a calendar's compiled open time over ``[lo, hi)``.

    Get one from :meth:`Calendar.table`. All numbers are integer microseconds since
    1970-01-01T00:00Z (UTC):

    - ``lo``, ``hi``: the span the table covers (UTC year boundaries), ``lo < hi``;
    - ``starts``, ``ends``: the open intervals ``[starts[i], ends[i])``, sorted, disjoint
      and not touching (touching intervals are merged), all inside ``[lo, hi]``;
    - ``cstart[i]``: the open time in ``[lo, starts[i])``;
    - ``cend[i]``: ``cstart[i] + ends[i] - starts[i]``, the open time in ``[lo, ends[i])``.

    So the open time before ``x`` (``lo <= x <= hi``) is one ``bisect_right(starts, x)``
    (see :meth:`open_before`), and the earliest instant with ``F`` open time before it is
    ``starts[j] + F - cstart[j]`` for ``j = bisect_left(cend, F)`` (when ``F <= cend[-1]``).

    The lists are shared by every reader of the snapshot: never mutate them. A snapshot stays
    valid (and exact over its span) for as long as it is held; the calendar may hand out a
    wider one later.
    """

    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cstart: list[int]
    cend: list[int]
    _arrays: list[tuple[NDArray[np.int64], ...]]

    @classmethod
    def _build(cls, y0: int, y1: int, starts: list[int], ends: list[int]) -> OpenTable:
        cstart: list[int] = []
        cend: list[int] = []
        total = 0
        for a, b in zip(starts, ends, strict=True):
            cstart.append(total)
            total += b - a
            cend.append(total)
        return cls(year_start_us(y0), year_start_us(y1), starts, ends, cstart, cend, [])

    def __repr__(self) -> str:
        return f"OpenTable(lo={self.lo}, hi={self.hi}, intervals={len(self.starts)})"

    def open_before(self, x: int) -> int:
        """Open microseconds in ``[lo, x)``; requires ``lo <= x <= hi``."""
        i = bisect_right(self.starts, x) - 1
        if i < 0:
            return 0
        s = self.starts[i]
        e = self.ends[i]
        return self.cstart[i] + (x - s if x < e else e - s)

    def _numpy(self) -> tuple[NDArray[np.int64], ...]:
        """(starts, lengths, cstart, cend) as int64 arrays, built on first use."""
        if not self._arrays:
            starts = np.array(self.starts, dtype=np.int64)
            ends = np.array(self.ends, dtype=np.int64)
            self._arrays.append(
                (
                    starts,
                    ends - starts,
                    np.array(self.cstart, dtype=np.int64),
                    np.array(self.cend, dtype=np.int64),
                )
            )
        return self._arrays[0]


class _Days:
    """One immutable snapshot of the business days of the local years ``[y0, y1)``, flat.

    Business day ``k`` (a local date with open time, ``ords[k]`` its ordinal) owns the
    segments ``first[k] <= i < first[k + 1]``: ``[sa[i], sb[i])`` with constant UTC offset
    ``so[i]`` (so the wall reading of ``u`` there is ``u + so[i]``), sorted and disjoint.
    ``wmax[i]`` is the largest wall end ``sb + so`` among the day's segments up to ``i``: it
    is nondecreasing within a day, so the first segment holding a wall reading at or after
    ``w`` is one ``bisect_right(wmax, w, first[k], first[k + 1])``."""

    __slots__ = ("first", "o_hi", "o_lo", "ords", "sa", "sb", "so", "wmax", "y0", "y1")

    def __init__(self, comp: Compiler, y0: int, y1: int) -> None:
        self.y0, self.y1 = y0, y1
        self.o_lo = dt.date(y0, 1, 1).toordinal()
        self.o_hi = dt.date(y1, 1, 1).toordinal()
        ords: list[int] = []
        first: list[int] = []
        sa: list[int] = []
        sb: list[int] = []
        so: list[int] = []
        wmax: list[int] = []
        for year in range(y0, y1):
            for ordinal, segs in comp.day_block(year):
                ords.append(ordinal)
                first.append(len(sa))
                top = segs[0][1] + segs[0][2]
                for a, b, off in segs:
                    sa.append(a)
                    sb.append(b)
                    so.append(off)
                    if b + off > top:
                        top = b + off
                    wmax.append(top)
        first.append(len(sa))
        self.ords, self.first = ords, first
        self.sa, self.sb, self.so, self.wmax = sa, sb, so, wmax


def _to_us(t: dt.datetime, name: str) -> int:
    try:
        td = t - EPOCH
    except TypeError:
        raise NaiveDatetimeError(name, t) from None
    return (td.days * 86400 + td.seconds) * US + td.microseconds


def _from_us(x: int, tz: dt.tzinfo | None) -> dt.datetime:
    # positional timedelta arguments parse faster than keywords; in UTC (the usual case for
    # services) EPOCH + delta is already the answer: astimezone would return it unchanged
    if tz is _UTC:
        return EPOCH + _TD(0, 0, x)
    return (EPOCH + _TD(0, 0, x)).astimezone(tz)


def _out_of_span(x: int) -> ValueError:
    try:
        when: object = (EPOCH + dt.timedelta(microseconds=x)).isoformat()
    except OverflowError:
        when = f"{x} µs after 1970-01-01T00:00Z"
    return ValueError(
        f"instant {when} is outside the span business calendars support "
        f"({MIN_YEAR}-01-01 to {MAX_YEAR}-01-01 UTC)"
    )


class Calendar:
    """A business calendar: which instants are open, and arithmetic over open time.

    Build one with :meth:`from_spec`. All datetimes must be timezone-aware; results are
    returned in the tzinfo of the (start) argument, exact to the microsecond.
    """

    __slots__ = ("_always", "_compiler", "_days", "_lock", "_spec", "_table", "_tz")

    def __init__(self, spec: CalendarSpec) -> None:
        self._spec = spec
        self._tz = spec.timezone
        self._always = spec.always_open
        self._compiler = Compiler(spec)
        self._lock = threading.Lock()
        self._table: OpenTable | None = None
        self._days: _Days | None = None

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | CalendarSpec) -> Calendar:
        """Validate ``spec`` (the shape of a policy file's calendar) and build a calendar.

        Raises :class:`~sladesk.errors.CalendarSpecError` naming the field path and value.
        """
        return cls(parse_spec(spec))

    # -- description -------------------------------------------------------------------

    @property
    def spec(self) -> CalendarSpec:
        return self._spec

    @property
    def timezone(self) -> ZoneInfo:
        return self._tz

    @property
    def is_24x7(self) -> bool:
        """True when every instant is open (``24x7`` hours with no holidays, closed dates,
        special days or closures)."""
        return self._always

    def __repr__(self) -> str:
        spec = self._spec
        parts = [f"timezone={spec.timezone.key!r}", f"hours={describe_hours(spec)!r}"]
        if spec.holidays is not None:
            parts.append(f"holidays={str(spec.holidays)!r}")
        if spec.closed:
            parts.append(f"closed={len(spec.closed)} date(s)")
        if spec.special:
            parts.append(f"special={len(spec.special)} date(s)")
        if spec.closures:
            parts.append(f"closures={len(spec.closures)}")
        return f"Calendar({', '.join(parts)})"

    # -- compiled table ----------------------------------------------------------------

    def table(self, lo_us: int, hi_us: int) -> OpenTable:
        """The compiled open time covering at least ``[lo_us, hi_us]`` (µs since the epoch,
        UTC): an :class:`OpenTable` with ``lo <= lo_us`` and ``hi_us < hi``.

        Compiles the missing UTC years on first use (and may cover more than asked); later
        calls over a covered span cost a comparison. For a ``24x7`` calendar the table is a
        single interval ``[lo, hi)`` (it does not raise). Raises ``ValueError`` when
        ``hi_us < lo_us`` or the span leaves 1900-01-01 .. 2200-01-01 UTC.
        """
        if hi_us < lo_us:
            raise ValueError(f"table: hi_us ({hi_us}) is before lo_us ({lo_us})")
        return self._cover(lo_us, hi_us)

    def _cover(self, x_lo: int, x_hi: int) -> OpenTable:
        """:meth:`table` without the argument check (kept as a private alias: older code in
        ``sladesk.sla._clocks`` calls it; new code should call :meth:`table`)."""
        if x_lo < _LO_US:
            raise _out_of_span(x_lo)
        if x_hi >= _HI_US:
            raise _out_of_span(x_hi)
        with self._lock:
            tb = self._table
            if tb is not None and tb.lo <= x_lo and x_hi < tb.hi:
                return tb
            ya, yb = utc_year(x_lo), utc_year(x_hi) + 1
            if tb is None:  # the years asked for, and a neighbour when within a month of it
                y0 = max(MIN_YEAR, ya - 1 if x_lo - year_start_us(ya) < _MONTH_US else ya)
                y1 = min(MAX_YEAR, yb + 1 if year_start_us(yb) - x_hi < _MONTH_US else yb)
            else:
                ty0, ty1 = utc_year(tb.lo), utc_year(tb.hi)
                y0, y1 = min(ty0, ya), max(ty1, yb)
                if y1 > ty1:  # grow forward generously: add() walks forward
                    y1 = min(MAX_YEAR, max(y1, ty1 + (ty1 - ty0)))
            return self._build(y0, y1)

    def _grow_forward(self, tb: OpenTable) -> OpenTable:
        last = last_open_day(self._spec)
        ty0, ty1 = utc_year(tb.lo), utc_year(tb.hi)
        if ty1 >= MAX_YEAR or (last is not None and last.year + 1 < ty1):
            raise ValueError(
                f"calendar has no (or not enough) open time before {MAX_YEAR}-01-01 UTC"
            )
        with self._lock:
            cur = self._table
            if cur is not None and cur.hi > tb.hi:
                return cur
            y0 = ty0 if cur is None else min(utc_year(cur.lo), ty0)
            return self._build(y0, min(MAX_YEAR, ty1 + max(2, ty1 - ty0)))

    def _build(self, y0: int, y1: int) -> OpenTable:
        starts: list[int] = []
        ends: list[int] = []
        for year in range(y0, y1):
            for a, b in self._compiler.block(year):
                if ends and ends[-1] == a:  # touching across a year boundary
                    ends[-1] = b
                else:
                    starts.append(a)
                    ends.append(b)
        tb = OpenTable._build(y0, y1, starts, ends)
        self._table = tb
        return tb

    def _days_cover(self, o_lo: int, o_hi: int) -> _Days:
        """Business days of whole local years covering the date ordinals ``[o_lo, o_hi]``
        (``_LAST_DAY_ORD >= o_hi``), plus the next year when ``o_hi`` is near its end."""
        with self._lock:
            bd = self._days
            if bd is not None and bd.o_lo <= o_lo and o_hi < bd.o_hi:
                return bd
            ya = dt.date.fromordinal(o_lo).year
            yb = dt.date.fromordinal(o_hi).year + 1
            if dt.date(yb, 1, 1).toordinal() - o_hi < 62:
                yb += 1
            if bd is not None:
                ya, yb = min(ya, bd.y0), max(yb, bd.y1)
            bd = _Days(self._compiler, max(MIN_YEAR - 1, ya), min(MAX_YEAR, yb))
            self._days = bd
            return bd

    def _days_grow(self, bd: _Days) -> _Days:
        """``bd`` with more years after it (same first year, so indices stay valid)."""
        last = last_open_day(self._spec)
        if bd.y1 >= MAX_YEAR or (last is not None and last.year < bd.y1):
            raise ValueError(f"calendar has no business day left before {MAX_YEAR}")
        with self._lock:
            cur = self._days
            y1 = min(MAX_YEAR, bd.y1 + max(2, bd.y1 - bd.y0))
            if cur is not None and cur.y0 == bd.y0 and cur.y1 > bd.y1:
                return cur
            grown = _Days(self._compiler, bd.y0, y1)
            if cur is None or (cur.y0 >= bd.y0 and cur.y1 <= y1):
                self._days = grown
            return grown

    # -- scalar queries ----------------------------------------------------------------

    def is_open(self, t: dt.datetime) -> bool:
        """Whether the instant ``t`` is open (a closing instant is not open)."""
        x = _to_us(t, "t")
        if self._always:
            return True
        tb = self._table
        if tb is None or x < tb.lo or x >= tb.hi:
            tb = self._cover(x, x)
        i = bisect_right(tb.starts, x) - 1
        return i >= 0 and x < tb.ends[i]

    def windows(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """The open intervals that overlap ``[start, end)``, each whole (a window already
        running at ``start`` keeps its own opening instant), in ``start``'s time zone: what a
        maintenance calendar's "next windows" are. An interval crossing a UTC year boundary
        is still one interval. A ``24x7`` calendar is one interval, ``[start, end)``."""
        x0 = _to_us(start, "start")
        x1 = _to_us(end, "end")
        if x1 <= x0:
            return []
        if self._always:
            return [(start, end)]
        margin = 8 * 86_400 * US  # a whole interval either side, however long a day runs
        tb = self._cover(max(x0 - margin, _LO_US), min(x1 + margin, _HI_US - 1))
        i = max(bisect_right(tb.starts, x0) - 1, 0)
        spans: list[tuple[int, int]] = []
        for a, b in zip(tb.starts[i:], tb.ends[i:], strict=True):
            if a >= x1:
                break
            if spans and spans[-1][1] == a:  # split only by the table's year boundary
                spans[-1] = (spans[-1][0], b)
            elif b > x0:
                spans.append((a, b))
        return [(_from_us(a, start.tzinfo), _from_us(b, start.tzinfo)) for a, b in spans]

    def next_open(self, t: dt.datetime) -> dt.datetime:
        """The earliest open instant ``>= t`` (``t`` itself when it is open)."""
        x = _to_us(t, "t")
        if self._always:
            return t
        y = self._next_open_us(x)
        return t if y == x else _from_us(y, t.tzinfo)

    def _next_open_us(self, x: int) -> int:
        """:meth:`next_open` in µs (not for ``24x7`` calendars)."""
        tb = self._table
        if tb is None or x < tb.lo or x >= tb.hi:
            tb = self._cover(x, x)
        while True:
            i = bisect_right(tb.starts, x) - 1
            if i >= 0 and x < tb.ends[i]:
                return x
            if i + 1 < len(tb.starts):
                return tb.starts[i + 1]
            tb = self._grow_forward(tb)

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Open time in ``[start, end)``; zero when ``end <= start``."""
        x = _to_us(start, "start")
        y = _to_us(end, "end")
        if y <= x:
            return _ZERO
        if self._always:
            return _TD(0, 0, y - x)
        tb = self._table
        if tb is None or x < tb.lo or y >= tb.hi:
            tb = self._cover(x, y)
        starts = tb.starts
        ends = tb.ends
        cstart = tb.cstart
        i = bisect_right(starts, x) - 1
        if i < 0:
            fx = 0
        else:
            s = starts[i]
            e = ends[i]
            fx = cstart[i] + (x - s if x < e else e - s)
        i = bisect_right(starts, y, i if i > 0 else 0) - 1
        if i < 0:
            return _ZERO
        s = starts[i]
        e = ends[i]
        return _TD(0, 0, cstart[i] + (y - s if y < e else e - s) - fx)

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The earliest ``u >= start`` with ``elapsed(start, u) == duration``.

        ``add(t, 0)`` is ``t`` itself, open or not. A deadline that lands exactly where an
        open range closes is that closing instant (not the next opening).
        """
        x = _to_us(start, "start")
        d = (duration.days * 86400 + duration.seconds) * US + duration.microseconds
        if d <= 0:
            if d == 0:
                return start
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if self._always:
            return _from_us(x + d, start.tzinfo)
        tb = self._table
        if tb is None or x < tb.lo or x >= tb.hi:
            tb = self._cover(x, x)
        while True:
            starts = tb.starts
            i = bisect_right(starts, x) - 1
            if i < 0:
                target = d
            else:
                s = starts[i]
                e = tb.ends[i]
                target = tb.cstart[i] + (x - s if x < e else e - s) + d
            cend = tb.cend
            j = bisect_left(cend, target, i if i > 0 else 0)
            if j < len(cend):
                return _from_us(starts[j] + target - tb.cstart[j], start.tzinfo)
            tb = self._grow_forward(tb)

    def add_business_days(self, start: dt.datetime, n: int) -> dt.datetime:
        """``n`` business days after ``start``.

        ``start`` first moves to :meth:`next_open`; the business day that owns that instant
        (its local date, or the previous one for the after-midnight part of a range that
        crosses midnight) and the wall time since that day's midnight are kept. The result is
        on the ``n``-th next day that has open time: its earliest open instant whose wall
        reading is at or after the kept time, or else the end of its last open range.
        ``n == 0`` returns ``next_open(start)``.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"n must be an int, got {n!r}")
        n = int(n)
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        if n == 0:
            return self.next_open(start)
        x = _to_us(start, "start")
        if self._always:
            if x < _LO_US or x >= _HI_US:
                raise _out_of_span(x)
            x0 = x
        else:
            x0 = self._next_open_us(x)
        # the wall reading of x0 and its local date (ordinal)
        off = _from_us(x0, self._tz).utcoffset()
        wall = x0 + (0 if off is None else td_us(off))
        local = wall // DAY_US + _EPOCH_ORD
        if local > _LAST_DAY_ORD:  # owned by 2199-12-31 or later: nothing after it
            raise ValueError(f"calendar has no business day left before {MAX_YEAR}")
        bd = self._days
        if bd is None or local - 1 < bd.o_lo or local >= bd.o_hi:
            bd = self._days_cover(local - 1, local)
        ords = bd.ords
        # the owning day: the local date when its own segments hold x0, else the day before
        k = bisect_left(ords, local)
        owned = False
        if k < len(ords) and ords[k] == local:
            i0, i1 = bd.first[k], bd.first[k + 1]
            i = bisect_right(bd.sa, x0, i0, i1) - 1
            owned = i >= i0 and x0 < bd.sb[i]
        if not owned:  # the after-midnight part of yesterday's range
            k -= 1
            if k < 0 or ords[k] != local - 1:  # pragma: no cover - open instants have owners
                raise AssertionError(f"no business day owns the open instant {x0} µs")
        keep = wall - (ords[k] - _EPOCH_ORD) * DAY_US
        m = k + n
        while m >= len(bd.ords):
            bd = self._days_grow(bd)
        target = (bd.ords[m] - _EPOCH_ORD) * DAY_US + keep
        first = bd.first
        i0, i1 = first[m], first[m + 1]
        i = bisect_right(bd.wmax, target, i0, i1)
        if i == i1:  # the day closes before the kept time: its closing instant
            return _from_us(bd.sb[i1 - 1], start.tzinfo)
        u = target - bd.so[i]
        sa = bd.sa[i]
        return _from_us(u if u > sa else sa, start.tzinfo)

    def _open_before_many(self, tb: OpenTable, x: NDArray[np.int64]) -> NDArray[np.int64]:
        starts, lengths, cstart, _ = tb._numpy()
        if len(starts) == 0:
            return np.zeros_like(x)
        i = np.searchsorted(starts, x, side="right") - 1
        np.maximum(i, 0, out=i)
        rel = x - starts[i]
        np.clip(rel, 0, lengths[i], out=rel)
        return cstart[i] + rel

    def elapsed_many(self, starts: ArrayLike, ends: ArrayLike) -> NDArray[np.timedelta64]:
        """Elementwise :meth:`elapsed` over ``datetime64`` arrays (read as UTC);
        returns ``timedelta64[us]``."""
        x, y = np.broadcast_arrays(_instants(starts, "starts"), _instants(ends, "ends"))
        if x.size == 0:
            return np.zeros(x.shape, dtype="timedelta64[us]")
        if self._always:
            out = y - x
        else:
            tb = self._table
            lo, hi = int(min(x.min(), y.min())), int(max(x.max(), y.max()))
            if tb is None or lo < tb.lo or hi >= tb.hi:
                tb = self._cover(lo, hi)
            out = self._open_before_many(tb, y) - self._open_before_many(tb, x)
        np.maximum(out, 0, out=out)
        return cast("NDArray[np.timedelta64]", out.view("timedelta64[us]"))

    def add_many(self, starts: ArrayLike, durations: ArrayLike) -> NDArray[np.datetime64]:
        """Elementwise :meth:`add` over ``datetime64`` starts (read as UTC) and
        ``timedelta64`` durations; returns ``datetime64[us]`` (UTC)."""
        x, d = np.broadcast_arrays(_instants(starts, "starts"), _durations(durations))
        if x.size == 0:
            return np.zeros(x.shape, dtype="datetime64[us]")
        if (d < 0).any():
            raise ValueError("durations must not be negative")
        if self._always:
            return _as_datetimes(x + d)
        tb = self._table
        lo, hi = int(x.min()), int(x.max())
        if tb is None or lo < tb.lo or hi >= tb.hi:
            tb = self._cover(lo, hi)
        while True:
            target = self._open_before_many(tb, x) + d
            if tb.cend and int(target.max()) <= tb.cend[-1]:
                break
            if not tb.cend and not d.any():
                return _as_datetimes(x.copy())
            tb = self._grow_forward(tb)
        t_starts, _, cstart, cend = tb._numpy()
        j = np.searchsorted(cend, target, side="left")
        out = t_starts[j] + (target - cstart[j])
        zero = d == 0
        if zero.any():
            out = np.where(zero, x, out)
        return _as_datetimes(out)


def _as_datetimes(us: NDArray[np.int64]) -> NDArray[np.datetime64]:
    return cast("NDArray[np.datetime64]", us.view("datetime64[us]"))


def _instants(values: ArrayLike, name: str) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.dtype.kind != "M":
        raise TypeError(f"{name} must be a numpy datetime64 array (UTC), got dtype {arr.dtype}")
    out = arr.astype("datetime64[us]").view(np.int64)
    if out.size and (out == np.iinfo(np.int64).min).any():
        raise ValueError(f"{name} contains NaT")
    return out


def _durations(values: ArrayLike) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.dtype.kind != "m":
        raise TypeError(f"durations must be a numpy timedelta64 array, got dtype {arr.dtype}")
    out = arr.astype("timedelta64[us]").view(np.int64)
    if out.size and (out == np.iinfo(np.int64).min).any():
        raise ValueError("durations contains NaT")
    return out
