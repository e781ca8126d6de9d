"""Calls with the dedicated agent: which slots are free, whether a chosen one still is, and
which review period an instant falls in. Pure: the caller passes the agent's working
calendar (``sladesk.calendar``), their busy ranges (booked calls, absences) and ``now``.

A slot is ``length`` of real time, wholly inside one open range of the calendar (a call
does not straddle lunch or closing time), starting on the ``step`` grid of the calendar's
local wall clock counted from the opening instant of its range (9:00, 9:30 ... for a
9:00-17:00 calendar and 30-minute calls), at least ``notice`` after ``now`` and before the
horizon. A slot is free when no busy range overlaps it. Because the calendar is compiled
in real instants, a day whose range is shorter or longer (DST) offers the slots it really
has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sladesk.calendar import Calendar
from sladesk.policy import CallPolicy
from sladesk.tickets._errors import InvalidRequest, TicketRuleError

__all__ = ["Slot", "check_slot", "free_slots", "review_period"]

_UTC = ZoneInfo("UTC")
#: the most slots one question returns (a 14-day horizon of 30-minute calls is 224)
MAX_SLOTS = 2000


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def _overlaps(start: datetime, end: datetime, busy: Sequence[tuple[datetime, datetime]]) -> bool:
    return any(b0 < end and start < b1 for b0, b1 in busy)


def free_slots(
    calendar: Calendar,
    busy: Sequence[tuple[datetime, datetime]],
    *,
    now: datetime,
    policy: CallPolicy,
    length: timedelta | None = None,
    earliest: datetime | None = None,
    limit: int = MAX_SLOTS,
) -> list[Slot]:
    """The free slots from ``max(now + notice, earliest)`` to ``now + horizon_days``
    (see the module docstring). ``length``: the call's (the policy's by default)."""
    size = length or policy.length
    start = max(now + policy.notice, earliest or now)
    horizon = now + timedelta(days=policy.horizon_days)
    out: list[Slot] = []
    # ranges are walked from the local midnight of the first day, so that the grid starts
    # at each range's opening (9:00, 9:30 ...) even when ``start`` falls inside a range
    local = start.astimezone(calendar.timezone)
    midnight = datetime.combine(local.date(), time(0), calendar.timezone).astimezone(_UTC)
    t = calendar.next_open(midnight)
    while t < horizon and len(out) < limit:
        s = t
        while s < horizon and len(out) < limit and calendar.elapsed(s, s + size) == size:
            if s >= start and not _overlaps(s, s + size, busy):
                out.append(Slot(s, s + size))
            s += size
        if not calendar.is_open(s):
            t = calendar.next_open(s)
            continue
        # the range closes inside [s, s + size): the next range opens after that closing
        used = calendar.elapsed(s, s + size)
        closing = calendar.add(s, used)
        after = calendar.next_open(closing)
        t = after if after > s else calendar.next_open(s + size)
    return out


def check_slot(
    calendar: Calendar,
    busy: Sequence[tuple[datetime, datetime]],
    starts_at: datetime,
    *,
    now: datetime,
    policy: CallPolicy,
    length: timedelta | None = None,
) -> Slot:
    """The slot starting at ``starts_at`` if it is one of :func:`free_slots`; otherwise
    :class:`TicketRuleError` saying why not (taken, closed, too soon, too far)."""
    if starts_at.tzinfo is None:
        raise InvalidRequest(
            "give the slot's start with its UTC offset (2026-12-09T09:00:00+01:00)",
            field="starts_at",
        )
    size = length or policy.length
    end = starts_at + size
    if starts_at < now + policy.notice:
        raise TicketRuleError(
            f"calls are booked at least {policy.notice} ahead", code="call.too_soon",
            field="starts_at",
        )  # fmt: skip
    if starts_at >= now + timedelta(days=policy.horizon_days):
        raise TicketRuleError(
            f"calls are booked at most {policy.horizon_days} days ahead", code="call.too_far",
            field="starts_at",
        )  # fmt: skip
    if not calendar.is_open(starts_at) or calendar.add(starts_at, size) != end:
        raise TicketRuleError(
            "the agent does not work then: pick one of the offered slots",
            code="call.closed", field="starts_at",
        )  # fmt: skip
    if _overlaps(starts_at, end, busy):
        raise TicketRuleError(
            "that slot is no longer free: pick another", code="call.taken", field="starts_at"
        )
    offered = free_slots(calendar, busy, now=now, policy=policy, length=size,
                         earliest=starts_at, limit=1)  # fmt: skip
    if not offered or offered[0].starts_at != starts_at:
        raise TicketRuleError(
            "slots start on the agent's half-hour grid: pick one of the offered slots",
            code="call.off_grid", field="starts_at",
        )  # fmt: skip
    return offered[0]


def review_period(at: datetime, every_months: int, time_zone: str) -> str:
    """The review period ``at`` falls in, as ``YYYY-MM`` of its first month in the
    organisation's zone (``every_months`` months per period, counted from January)."""
    local = at.astimezone(ZoneInfo(time_zone))
    index = (local.year * 12 + local.month - 1) // every_months * every_months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
