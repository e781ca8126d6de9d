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

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sladesk.calendar import Calendar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_us(t: datetime) -> int:
    """An aware instant as microseconds since the epoch."""
    d = t - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def from_us(us: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=us)


def td_us(d: timedelta) -> int:
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


class BusinessTime:
    """Coordinates on one calendar for one ticket, anchored at ``anchor_us``; every instant
    asked about must be at or after the anchor."""

    __slots__ = ("_anchor", "_anchor_us", "_cal", "_coords")

    def __init__(self, calendar: Calendar, anchor_us: int) -> None:
        self._cal = calendar
        self._anchor_us = anchor_us
        self._anchor = from_us(anchor_us)
        self._coords: dict[int, int] = {anchor_us: 0}

    def coord(self, t_us: int) -> int:
        b = self._coords.get(t_us)
        if b is None:
            b = td_us(self._cal.elapsed(self._anchor, from_us(t_us)))
            self._coords[t_us] = b
        return b

    def instant(self, b: int, not_before_us: int) -> int:
        """The earliest instant whose coordinate is ``b``, but not before ``not_before_us``."""
        if b <= 0:
            return max(self._anchor_us, not_before_us)
        u = to_us(self._cal.add(self._anchor, timedelta(microseconds=b)))
        if u < not_before_us:
            return not_before_us
        self._coords[u] = b
        return u

    def add_business_days(self, t_us: int, n: int) -> int:
        return to_us(self._cal.add_business_days(from_us(t_us), n))
