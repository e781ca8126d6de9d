"""The direct, slow form of ``Calendar.add_business_days``: it walks the days one by one,
compiling each. It was the implementation before the index arithmetic over compiled business
days; it lives here, beside the tests that compare the fast one with it, and nowhere in the
package. It reads the calendar's compiler and the conversions of ``_calendar`` on purpose:
it is the reference for those internals, not a user of the public API.
"""

from __future__ import annotations

import datetime as dt

from sladesk.calendar import Calendar
from sladesk.calendar._calendar import _from_us, _to_us
from sladesk.calendar._compile import MAX_YEAR, date_wall_us, td_us


def add_business_days_reference(cal: Calendar, start: dt.datetime, n: int) -> dt.datetime:
    """``n`` business days after ``start`` at the same local wall time (the first open
    instant from there on that day, or the day's close), as ``cal.add_business_days``."""
    t0 = cal.next_open(start)
    if n == 0:
        return t0
    comp = cal._compiler
    x0 = _to_us(t0, "start")
    local = t0.astimezone(cal.timezone)
    day = local.date()
    wall = date_wall_us(day) + td_us(
        dt.timedelta(
            hours=local.hour,
            minutes=local.minute,
            seconds=local.second,
            microseconds=local.microsecond,
        )
    )
    if not any(a <= x0 < b for a, b in comp.day_intervals(day)):
        day -= dt.timedelta(days=1)  # the after-midnight part of yesterday's range
    keep = wall - date_wall_us(day)
    one = dt.timedelta(days=1)
    count = 0
    last = dt.date(MAX_YEAR - 1, 12, 31)
    intervals: list[tuple[int, int]] = []
    while count < n:
        if day >= last:
            raise ValueError(f"calendar has no business day left before {MAX_YEAR}")
        day += one
        intervals = comp.day_intervals(day)
        if intervals:
            count += 1
    target_wall = date_wall_us(day) + keep
    pieces = comp.offsets.pieces(intervals[0][0], intervals[-1][1])
    for a, b in intervals:
        for p0, p1, off in pieces:
            lo = max(a, p0, target_wall - off)
            if lo < min(b, p1):
                return _from_us(lo, start.tzinfo)
    return _from_us(intervals[-1][1], start.tzinfo)
