"""Business-time coordinates: the arithmetic under every SLA clock.

Evaluation works on integers: an instant is microseconds since the Unix epoch (UTC) and a
*business coordinate* is the open time, in microseconds, between a ticket's anchor (its
earliest instant) and that instant on one calendar. With coordinates, the business time used
over any running stretch is a subtraction, and a deadline is the inverse image of a
coordinate:

- ``elapsed(a, b) == coord(b) - coord(a)``;
- ``add(t, d) == instant(coord(t) + d, not_before=t)``: the earliest instant whose
  coordinate is ``coord(t) + d`` (for ``d > 0`` that instant is after ``t``; for ``d == 0``
  it is ``t`` itself, hence ``not_before``).

Each instant's coordinate is computed once per ticket and calendar, however many targets
share it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol, cast

if TYPE_CHECKING:
    from mypy_extensions import i64

    from sladesk.calendar import Calendar
    from sladesk.sla._model import Event

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: ``US * n`` is ``timedelta(microseconds=n)``, built in about two thirds of the time
US: Final = timedelta(microseconds=1)
_YEAR_US: Final = 366 * 86_400 * 1_000_000


def td_us(d: timedelta) -> int:
    """A duration in microseconds: integer arithmetic on its three fields, which costs what
    ``d // timedelta(microseconds=1)`` costs in pure Python and a fraction of it compiled
    (where ``i64`` makes it machine arithmetic: any difference of two datetimes fits)."""
    seconds: i64 = d.days * 86_400 + d.seconds
    return seconds * 1_000_000 + d.microseconds


def to_us(t: datetime) -> int:
    """An aware instant as microseconds since the epoch."""
    return td_us(t - EPOCH)


def from_us(us: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + US * us


class Instants:
    """The datetimes of one ticket's answer, each built once (``from_us``).

    An event's own ``at`` is handed out again when it is exactly what ``from_us`` would
    build (a plain ``datetime`` in ``UTC`` with ``fold == 0``), which spares most of the
    constructions: starts and fulfilments are event instants. An instant asked for is
    looked up among the events' (sorted) instants by bisection, so only the events that
    are an answer are looked at."""

    __slots__ = ("_events", "_known", "_ts")

    def __init__(self, ts: list[int], events: Sequence[Event] | None) -> None:
        self._ts = ts  # the instants of ``events``, in µs, sorted
        self._events = events  # None: their ``at`` is not to be handed out (a packed log)
        self._known: dict[int, datetime] = {}

    def dt(self, us: int) -> datetime:
        known = self._known
        t = known.get(us)
        if t is None:
            events = self._events
            if events is not None:
                ts = self._ts
                i = bisect_left(ts, us)
                n = len(ts)
                while i < n and ts[i] == us:
                    a = events[i].at
                    if a.tzinfo is UTC and type(a) is datetime and not a.fold:
                        t = a
                        break
                    i += 1
            if t is None:
                t = EPOCH + US * us
            known[us] = t
        return t


class BusinessTime:
    """Coordinates on one calendar for one ticket, anchored at ``anchor_us``; every instant
    asked about must be at or after the anchor.

    The fast path reads the calendar's compiled table (sorted open intervals with prefix
    sums, ``Calendar.table``) once per ticket, so a coordinate is one bisect and a deadline
    another, with no datetime built on the way. Whenever the table is not there in the
    expected shape, or a query falls outside it, the public ``elapsed``/``add`` answer
    instead; both paths give the same numbers (tests/unit/sla checks it).
    """

    __slots__ = (
        "_anchor",
        "_anchor_us",
        "_base",
        "_cal",
        "_cend",
        "_coords",
        "_cstart",
        "_days",
        "_ends",
        "_hi",
        "_starts",
        "_table",
        "_tabled",
        "instants",
    )

    def __init__(
        self, calendar: Calendar, anchor_us: int, until_us: int, instants: Instants | None = None
    ) -> None:
        self._cal = calendar
        self._anchor_us = anchor_us
        self._anchor: datetime | None = None
        self._coords: dict[int, int] = {anchor_us: 0}
        #: ``from_us``, each instant built once per ticket (shared by its calendars)
        self.instants = instants or Instants([], [])
        cached = _cached_table(calendar, anchor_us, until_us)
        tb = self._table = cached.table
        self._days = cached.days
        # the table's lists, held here for the coordinates and deadlines (one attribute read
        # each instead of two); without a table every query takes the public methods
        self._tabled = tb is not None
        self._hi = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cstart: list[int] = []
        self._cend: list[int] = []
        self._base = 0
        if tb is not None:
            self._hi = tb.hi
            self._starts, self._ends, self._cstart, self._cend = (
                tb.starts,
                tb.ends,
                tb.cstart,
                tb.cend,
            )
            self._base = _open_before(tb, anchor_us)

    def _anchor_dt(self) -> datetime:
        if self._anchor is None:
            self._anchor = from_us(self._anchor_us)
        return self._anchor

    def coord(self, t_us: int) -> int:
        b = self._coords.get(t_us)
        if b is None:
            if self._tabled and t_us < self._hi:
                starts = self._starts
                i = bisect_right(starts, t_us) - 1
                if i < 0:
                    b = -self._base
                else:
                    s = starts[i]
                    e = self._ends[i]
                    b = self._cstart[i] + (t_us - s if t_us < e else e - s) - self._base
            else:
                b = td_us(self._cal.elapsed(self._anchor_dt(), from_us(t_us)))
            self._coords[t_us] = b
        return b

    def instant(self, b: int, not_before_us: int) -> int:
        """The earliest instant whose coordinate is ``b``, but not before ``not_before_us``."""
        if b <= 0:
            return max(self._anchor_us, not_before_us)
        u = -1
        if self._tabled:
            target = b + self._base
            cend = self._cend
            j = bisect_left(cend, target)
            if j < len(cend):
                u = self._starts[j] + target - self._cstart[j]
        if u < 0:
            u = to_us(self._cal.add(self._anchor_dt(), timedelta(microseconds=b)))
        if u < not_before_us:
            return not_before_us
        self._coords[u] = b
        return u

    def add_business_days(self, t_us: int, n: int) -> int:
        """``Calendar.add_business_days``, remembered per calendar by the instant it counts
        from: ``next_open(t)`` (the calendar moves there first), which tickets created while
        the calendar is closed share."""
        tb = self._table
        if tb is None or not tb.lo <= t_us < tb.hi:
            return to_us(self._cal.add_business_days(from_us(t_us), n))
        starts = tb.starts
        i = bisect_right(starts, t_us) - 1
        t0 = t_us
        if (i < 0 or t_us >= tb.ends[i]) and i + 1 < len(starts):
            t0 = starts[i + 1]
        key = (t0, n)
        days = self._days
        u = days.get(key)
        if u is None:
            if len(days) >= _MAX_DAYS:
                days.clear()
            u = days[key] = to_us(self._cal.add_business_days(from_us(t0), n))
        return u


class _Table(Protocol):
    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cstart: list[int]
    cend: list[int]


class _Cached:
    """Per calendar: the last table (an immutable snapshot, valid for as long as it is held)
    and business-day deadlines already asked for, ``(next_open(t), n) -> deadline``."""

    __slots__ = ("calendar", "days", "table")

    def __init__(self, calendar: Calendar, table: _Table | None) -> None:
        self.calendar = calendar
        self.table = table
        self.days: dict[tuple[int, int], int] = {}


_TABLES: Final[dict[int, _Cached]] = {}
_MAX_DAYS: Final = 65_536


def _cached_table(calendar: Calendar, lo_us: int, hi_us: int) -> _Cached:
    """:func:`_table_of`, reusing the calendar's last table while it covers the span."""
    hit = _TABLES.get(id(calendar))
    if hit is not None and hit.calendar is calendar:
        tb = hit.table
        if tb is not None and tb.lo <= lo_us and hi_us + _YEAR_US < tb.hi:
            return hit
    cached = _Cached(calendar, _table_of(calendar, lo_us, hi_us))
    if hit is not None and hit.calendar is calendar:
        cached.days = hit.days  # the deadlines do not depend on the table's span
    if len(_TABLES) >= 64:
        _TABLES.clear()
    _TABLES[id(calendar)] = cached
    return cached


def _table_of(calendar: Calendar, lo_us: int, hi_us: int) -> _Table | None:
    """The calendar's compiled table covering ``[lo_us, hi_us]`` (plus a year for deadlines
    ahead), or None to use the public methods.

    Uses the public ``Calendar.table`` when the calendar has it; until then (and for
    calendars without it) the private ``_cover`` of the same shape, except on ``24x7``
    calendars, which that older seam does not promise to cover."""
    table = getattr(calendar, "table", None)
    if table is None:
        table = getattr(calendar, "_cover", None)
        if table is None or getattr(calendar, "_always", True):
            return None
    try:
        tb = table(lo_us, hi_us + _YEAR_US)
    except ValueError:
        return None
    if not all(hasattr(tb, k) for k in ("lo", "hi", "starts", "ends", "cstart", "cend")):
        return None
    return cast("_Table", tb)


def _open_before(tb: _Table, x: int) -> int:
    """Open microseconds in ``[tb.lo, x)``."""
    i = bisect_right(tb.starts, x) - 1
    if i < 0:
        return 0
    s = tb.starts[i]
    e = tb.ends[i]
    return tb.cstart[i] + (x - s if x < e else e - s)
