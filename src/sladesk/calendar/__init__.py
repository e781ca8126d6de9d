"""Business time: calendars compiled to UTC open intervals, with exact arithmetic.

>>> from datetime import datetime, timedelta, timezone
>>> cal = Calendar.from_spec({"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}})
>>> cal.add(datetime(2026, 3, 6, 16, 0, tzinfo=timezone.utc), timedelta(hours=2))
datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.timezone.utc)

Pure: imports only the standard library, zoneinfo, numpy, ``holidays`` and
:mod:`sladesk.errors`. See ``docs/calendars.md`` for the semantics.
"""

from sladesk.calendar._calendar import Calendar, OpenTable
from sladesk.calendar._durations import Duration, parse_duration
from sladesk.calendar._roster import (
    OnCall,
    Override,
    RosterSegment,
    Rotation,
    Shift,
    next_on_call,
    on_call_at,
    roster_between,
)
from sladesk.calendar._spec import CalendarSpec, HolidaySource, describe_hours, parse_spec

__all__ = [
    "Calendar",
    "CalendarSpec",
    "Duration",
    "HolidaySource",
    "OnCall",
    "OpenTable",
    "Override",
    "Rotation",
    "RosterSegment",
    "Shift",
    "describe_hours",
    "next_on_call",
    "on_call_at",
    "parse_duration",
    "parse_spec",
    "roster_between",
]
