"""Who is on call at an instant: an on-call rotation is a calendar too.

A :class:`Rotation` is the shape a policy file declares (``on_call:``, docs/policies.md):

- ``weekly``: one shift, always on duty; its members take turns a week each, handing over at
  a local weekday and time (``mon 09:00``) in the rotation's time zone.
- ``follow_the_sun``: several shifts, each on duty while its own business calendar is open
  (a team in Buenos Aires, one in Madrid...). At an instant the first shift (in the order
  written) whose calendar is open is on duty; when none is, the first shift covers the gap.
  Within each shift its members take turns weekly, as above.

Who the members are, in which order, and the overrides (this person covers that interval,
optionally for one shift only) are data kept by admins, passed in here. The latest override
covering an instant wins over the rotation.

Exact across DST: a handoff is the local wall-clock time on its local date (a handoff at
``02:30`` on a spring-forward day happens at 03:30, the first local time that exists), and the
week count is a count of local dates, so a week that is 167 or 169 hours long is one week.
Everything here is pure: ``t`` is a parameter, nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sladesk.calendar._calendar import Calendar

__all__ = [
    "OnCall",
    "Override",
    "Rotation",
    "RosterSegment",
    "Shift",
    "next_on_call",
    "on_call_at",
    "roster_between",
]

WEEKLY = "weekly"
FOLLOW_THE_SUN = "follow_the_sun"
#: the shift of a weekly rotation
PRIMARY = "primary"
_WEEK = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift of the rotation: on duty while ``calendar`` is open (None: always)."""

    name: str
    calendar: Calendar | None = None
    calendar_name: str | None = None  # as the policy names it, for display


@dataclass(frozen=True, slots=True)
class Rotation:
    """The declared shape of on-call (see the module docstring)."""

    kind: str  # weekly | follow_the_sun
    timezone: ZoneInfo
    handoff_weekday: int  # 0 = Monday
    handoff_time: dt.time
    start: dt.date  # the week the first member of each shift starts (a handoff date)
    shifts: tuple[Shift, ...]
    repage_after: dt.timedelta

    def shift_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.shifts)


@dataclass(frozen=True, slots=True)
class Override:
    """``person`` is on call in ``[start, end)`` (for ``shift`` only, or whatever shift is
    on duty when None). Later overrides in the list win over earlier ones."""

    person: int
    start: dt.datetime
    end: dt.datetime
    shift: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call at an instant: ``person`` (None: the shift has no members),
    the ``shift`` on duty, and whether an override or the rotation put them there."""

    person: int | None
    shift: str
    source: str  # rotation | override | nobody
    override_id: int | None = None


@dataclass(frozen=True, slots=True)
class RosterSegment:
    """``[start, end)`` during which the same person is on call for the same shift."""

    start: dt.datetime
    end: dt.datetime
    person: int | None
    shift: str
    source: str


def _local(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The instant of local wall-clock ``at`` on ``day`` (a time that does not exist, in a
    spring-forward gap, is the first one that does after it)."""
    naive = dt.datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(dt.UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive and back.replace(tzinfo=None) < naive:
        aware = naive.replace(tzinfo=tz, fold=1)
    return aware.astimezone(dt.UTC)


def _handoff_date_at_or_before(rotation: Rotation, t: dt.datetime) -> dt.date:
    """The local date of the last handoff at or before ``t``."""
    local = t.astimezone(rotation.timezone).date()
    day = local - dt.timedelta(days=(local.weekday() - rotation.handoff_weekday) % 7)
    if _local(day, rotation.handoff_time, rotation.timezone) > t:
        day -= _WEEK
    return day


def _week_index(rotation: Rotation, t: dt.datetime) -> int:
    """Handoffs since the rotation's start week (negative before it)."""
    start = rotation.start
    start -= dt.timedelta(days=(start.weekday() - rotation.handoff_weekday) % 7)
    return (_handoff_date_at_or_before(rotation, t) - start).days // 7


def _shift_at(rotation: Rotation, t: dt.datetime) -> Shift:
    for shift in rotation.shifts:
        if shift.calendar is None or shift.calendar.is_open(t):
            return shift
    return rotation.shifts[0]


def _check(t: dt.datetime) -> None:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"an aware instant is needed, got naive {t!r}")


def on_call_at(
    rotation: Rotation,
    members: Mapping[str, Sequence[int]],
    overrides: Sequence[Override],
    t: dt.datetime,
) -> OnCall:
    """Who is on call at ``t`` (members: shift name -> people in rotation order)."""
    _check(t)
    shift = _shift_at(rotation, t)
    for o in reversed(overrides):
        if o.start <= t < o.end and (o.shift is None or o.shift == shift.name):
            return OnCall(o.person, shift.name, "override", o.id)
    people = members.get(shift.name) or ()
    if not people:
        return OnCall(None, shift.name, "nobody")
    return OnCall(people[_week_index(rotation, t) % len(people)], shift.name, "rotation")


def next_on_call(
    rotation: Rotation,
    members: Mapping[str, Sequence[int]],
    overrides: Sequence[Override],
    t: dt.datetime,
    after: int | None,
) -> int | None:
    """Who is paged at ``t`` after ``after`` did not acknowledge: the next member of the
    shift on duty, in rotation order after ``after`` (wrapping round); when ``after`` is
    not a member of it (an override, a handoff meanwhile), whoever is on call at ``t`` if
    that is someone else, else the shift's member after them. None: nobody else."""
    now = on_call_at(rotation, members, overrides, t)
    people = list(members.get(now.shift) or ())
    if after is None:
        return now.person
    if after in people:
        i = people.index(after)
        for k in range(1, len(people) + 1):
            candidate = people[(i + k) % len(people)]
            if candidate != after:
                return candidate
        return None
    if now.person is not None and now.person != after:
        return now.person
    return people[0] if people and people[0] != after else None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _us(t: dt.datetime) -> int:
    return (t - _EPOCH) // dt.timedelta(microseconds=1)


def _at(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def _boundaries(
    rotation: Rotation, overrides: Sequence[Override], start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Every instant in ``(start, end)`` at which who is on call may change."""
    found = {o.start for o in overrides} | {o.end for o in overrides}
    day = _handoff_date_at_or_before(rotation, start)
    while True:
        day += _WEEK
        h = _local(day, rotation.handoff_time, rotation.timezone)
        if h >= end:
            break
        found.add(h)
    lo, hi = _us(start), _us(end)
    for shift in rotation.shifts:
        cal = shift.calendar
        if cal is None or cal.is_24x7:
            continue
        table = cal.table(lo, hi)  # each opening and closing of the shift's calendar
        i = bisect_left(table.ends, lo)
        while i < len(table.starts) and table.starts[i] < hi:
            found.add(_at(table.starts[i]))
            found.add(_at(table.ends[i]))
            i += 1
    return sorted(x for x in found if start < x < end)


def roster_between(
    rotation: Rotation,
    members: Mapping[str, Sequence[int]],
    overrides: Sequence[Override],
    start: dt.datetime,
    end: dt.datetime,
) -> list[RosterSegment]:
    """Who is on call from ``start`` to ``end``, as consecutive segments."""
    _check(start)
    _check(end)
    if end <= start:
        return []
    out: list[RosterSegment] = []
    cuts = [start, *_boundaries(rotation, overrides, start, end), end]
    for a, b in zip(cuts, cuts[1:], strict=False):
        who = on_call_at(rotation, members, overrides, a)
        last = out[-1] if out else None
        if last is not None and (last.person, last.shift, last.source) == (
            who.person, who.shift, who.source,
        ):  # fmt: skip
            out[-1] = RosterSegment(last.start, b, who.person, who.shift, who.source)
        else:
            out.append(RosterSegment(a, b, who.person, who.shift, who.source))
    return out
