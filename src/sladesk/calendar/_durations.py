"""Durations as written in policy files and on the command line.

``45m``, ``4h``, ``1h30m``, ``90s`` are amounts of open (business) time; ``2bd`` is a number
of business days (see :meth:`Calendar.add_business_days`). Days without ``b`` (``1d``) are
refused: "one day" of business time is ambiguous, so write ``24h`` or ``1bd``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sladesk.calendar._calendar import Calendar

_TIME_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_BD_RE = re.compile(r"^(\d+)bd$")


@dataclass(frozen=True, slots=True)
class Duration:
    """Either an amount of open time (``time``) or a number of business days."""

    time: dt.timedelta | None = None
    business_days: int | None = None

    def add_to(self, calendar: Calendar, start: dt.datetime) -> dt.datetime:
        """The deadline ``start + self`` on ``calendar``."""
        if self.business_days is not None:
            return calendar.add_business_days(start, self.business_days)
        assert self.time is not None
        return calendar.add(start, self.time)

    def __str__(self) -> str:
        if self.business_days is not None:
            return f"{self.business_days}bd"
        assert self.time is not None
        total = int(self.time.total_seconds())
        h, rest = divmod(total, 3600)
        m, s = divmod(rest, 60)
        out = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
        return out or "0m"


def parse_duration(text: str) -> Duration:
    """``"4h"`` / ``"1h30m"`` / ``"45m"`` / ``"90s"`` / ``"2bd"`` -> :class:`Duration`.

    Raises ``ValueError`` naming the text when it is not one of those forms.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a duration such as 45m, 4h, 1h30m or 2bd, got {text!r}")
    compact = text.strip().lower().replace(" ", "")
    m = _BD_RE.match(compact)
    if m:
        return Duration(business_days=int(m.group(1)))
    m = _TIME_RE.match(compact)
    if compact and m:
        h, mi, s = (int(g) if g else 0 for g in m.groups())
        return Duration(time=dt.timedelta(hours=h, minutes=mi, seconds=s))
    raise ValueError(f"expected a duration such as 45m, 4h, 1h30m or 2bd, got {text!r}")
