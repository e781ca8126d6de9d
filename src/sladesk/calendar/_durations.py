"""Durations as people write them, in policy files and on the command line: the one
grammar for calendars and policies.

``45m``, ``4h``, ``1h30m``, ``90s`` are amounts of open (business) time; ``2bd`` is a number
of business days (see :meth:`Calendar.add_business_days`). The grammar is small on purpose:
days without ``b`` (``2d``) are refused because a reader cannot tell calendar days from
business days (write ``48h`` or ``2bd``), and zero or negative lengths are refused because
no promise is made by them. Errors (:class:`~sladesk.errors.SpecError`, a ``ValueError``)
carry no location; a loader places them in its file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sladesk.errors import SpecError
from sladesk.yaml_source import describe

if TYPE_CHECKING:
    from sladesk.calendar._calendar import Calendar

_TIME_RE = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
_BUSINESS_DAYS_RE = re.compile(r"^(?P<n>\d+)bd$")
_DAYS_RE = re.compile(r"^(?P<n>\d+)d$")
_EXAMPLES = "such as '45m', '4h', '1h30m', '90s' or '1bd'"


@dataclass(frozen=True, slots=True)
class Duration:
    """A length as written (``text``): exact business time (``45m``, ``4h``, ``1h30m``) or
    business days (``1bd``, ``10bd``). Exactly one of ``time`` / ``business_days`` is set."""

    text: str
    time: dt.timedelta | None = None
    business_days: int | None = None

    def add_to(self, calendar: Calendar, start: dt.datetime) -> dt.datetime:
        """The deadline ``start + self`` on ``calendar``."""
        if self.business_days is not None:
            return calendar.add_business_days(start, self.business_days)
        assert self.time is not None
        return calendar.add(start, self.time)

    def __str__(self) -> str:
        return self.text


def _describe(value: object) -> str:
    return repr(value) if isinstance(value, str) else describe(value)


def _time(text: str) -> dt.timedelta | None:
    m = _TIME_RE.match(text)
    if m is None or not any(m.groupdict().values()):
        return None
    hours, minutes, seconds = (int(m.group(k) or 0) for k in ("h", "m", "s"))
    return dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_duration(text: object) -> Duration:
    """``"4h"`` -> ``Duration("4h", time=4h)``; ``"2bd"`` -> ``Duration("2bd",
    business_days=2)``. Raises :class:`SpecError` for anything else, zero included."""
    if not isinstance(text, str):
        hint = ""
        if isinstance(text, int) and not isinstance(text, bool):
            hint = f" (give a unit: '{text}h', '{text}m' or '{text}bd')"
        raise SpecError(f"expected a duration {_EXAMPLES}, got {_describe(text)}{hint}")
    s = text.strip()
    if s.startswith("-"):
        raise SpecError(f"a duration cannot be negative, got {text!r}")
    m = _BUSINESS_DAYS_RE.match(s)
    if m is not None:
        days = int(m.group("n"))
        if days == 0:
            raise SpecError(f"a duration must be longer than zero, got {text!r}")
        return Duration(s, business_days=days)
    m = _DAYS_RE.match(s)
    if m is not None:
        n = m.group("n")
        raise SpecError(
            f"{text!r} is ambiguous: write business days as '{n}bd' "
            f"or exact time as '{int(n) * 24}h'"
        )
    if "bd" in s:
        raise SpecError(f"business days cannot be combined with other units, got {text!r}")
    time = _time(s)
    if time is None:
        raise SpecError(f"expected a duration {_EXAMPLES}, got {text!r}")
    if not time:
        raise SpecError(f"a duration must be longer than zero, got {text!r}")
    return Duration(s, time=time)
