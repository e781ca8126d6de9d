"""The ``on_call`` and ``closing`` sections of a policy file (docs/policies.md, "On call").

``on_call`` declares the rotation's shape (weekly or follow-the-sun, the handoff, the shifts'
calendars) and how long a page waits for its acknowledgement before the next person is paged;
who the members are and the overrides are kept by admins, not here. ``closing`` names the
causes (the customer's system, a third party's) for which closing a ticket needs evidence,
and the message then sent to the customer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sladesk.calendar import Calendar, Rotation, Shift, parse_duration
from sladesk.errors import SpecError
from sladesk.policy._reader import Reader, known_list, suggestion
from sladesk.yaml_source import Path, describe

__all__ = ["Closing", "OnCallPolicy", "read_closing", "read_on_call"]

ON_CALL_KEYS = ("rotation", "timezone", "handoff", "start", "shifts", "repage_after", "phone")
SHIFT_KEYS = ("name", "calendar")
CLOSING_KEYS = ("evidence_for", "message")
ROTATIONS: Final = ("weekly", "follow_the_sun")
_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HANDOFF_RE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):([0-5]\d)$")
#: the first handoff week when the file names none (a Monday)
DEFAULT_START: Final = dt.date(2026, 1, 5)
DEFAULT_REPAGE: Final = dt.timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class OnCallPolicy:
    """The on-call rotation's shape and the on-call phone (a text shown to agents)."""

    rotation: Rotation
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Closing:
    """Closing a ticket whose cause is one of ``evidence_for`` needs evidence; ``message``
    (a message key) is then sent to the customer."""

    evidence_for: frozenset[str]
    message: str | None = None


def read_on_call(
    r: Reader, value: object, calendars: dict[str, Calendar] | None
) -> OnCallPolicy | None:
    path: Path = ("on_call",)
    fields = r.mapping(
        path, value, allowed=ON_CALL_KEYS, required=("rotation",), what="an on-call mapping"
    )
    if fields is None:
        return None
    before = len(r.errors)
    kind = r.string((*path, "rotation"), fields.get("rotation"), what="a rotation kind")
    if kind is not None and kind not in ROTATIONS:
        r.error(
            (*path, "rotation"),
            f"unknown rotation {kind!r}{suggestion(kind, ROTATIONS)} ({known_list(ROTATIONS)})",
        )
    tz = _zone(r, (*path, "timezone"), fields.get("timezone", "UTC"))
    day, at = 0, dt.time(9, 0)
    if "handoff" in fields:
        got = _handoff(r, (*path, "handoff"), fields["handoff"])
        if got is not None:
            day, at = got
    start = DEFAULT_START
    if "start" in fields:
        raw = fields["start"]
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            start = raw
        else:
            try:
                start = dt.date.fromisoformat(str(raw))
            except ValueError:
                r.error(
                    (*path, "start"), f"expected a date such as 2026-01-05, got {describe(raw)}"
                )
    repage = DEFAULT_REPAGE
    if "repage_after" in fields:
        try:
            d = parse_duration(fields["repage_after"])
        except SpecError as exc:
            r.relocate((*path, "repage_after"), exc)
        else:
            if d.time is None or d.time <= dt.timedelta(0):
                r.error(
                    (*path, "repage_after"),
                    f"expected a time such as 15m, got {fields['repage_after']!r}",
                )
            else:
                repage = d.time
    shifts = _shifts(r, (*path, "shifts"), fields.get("shifts"), kind, calendars)
    phone = None
    if "phone" in fields:
        phone = r.string((*path, "phone"), str(fields["phone"]), what="a phone number")
    if len(r.errors) > before or kind is None or tz is None or shifts is None:
        return None
    return OnCallPolicy(Rotation(kind, tz, day, at, start, shifts, repage), phone)


def _zone(r: Reader, path: Path, value: object) -> ZoneInfo | None:
    name = r.string(path, value, what="an IANA time zone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        r.error(path, f"unknown time zone {name!r} (an IANA name such as Europe/Madrid)")
        return None


def _handoff(r: Reader, path: Path, value: object) -> tuple[int, dt.time] | None:
    m = _HANDOFF_RE.match(value.strip().lower()) if isinstance(value, str) else None
    if m is None:
        r.error(
            path, f"expected a weekday and a local time such as 'mon 09:00', got {describe(value)}"
        )
        return None
    return _DAYS.index(m.group(1)), dt.time(int(m.group(2)), int(m.group(3)))


def _shifts(
    r: Reader,
    path: Path,
    value: object,
    kind: str | None,
    calendars: dict[str, Calendar] | None,
) -> tuple[Shift, ...] | None:
    if kind == "weekly":
        if value is not None:
            r.error(
                path,
                "a weekly rotation has one shift, always on duty: write shifts only "
                "with rotation: follow_the_sun",
            )
            return None
        return (Shift("primary"),)
    if value is None:
        if kind == "follow_the_sun":
            r.error(
                path,
                "a follow_the_sun rotation needs its shifts: [{name: ..., calendar: ...}, ...]",
            )
        return None
    if not isinstance(value, list) or not value:
        r.error(path, f"expected a list of shifts, got {describe(value)}")
        return None
    out: list[Shift] = []
    names: set[str] = set()
    for i, item in enumerate(value):
        fields: dict[str, Any] = (
            r.mapping((*path, i), item, allowed=SHIFT_KEYS, required=SHIFT_KEYS) or {}
        )
        name = r.string((*path, i, "name"), fields.get("name"), what="a shift name")
        cal_name = r.string((*path, i, "calendar"), fields.get("calendar"), what="a calendar name")
        if name is None or cal_name is None:
            continue
        if name in names:
            r.error((*path, i, "name"), f"shift {name!r} is listed twice")
            continue
        names.add(name)
        if calendars is None:
            continue
        if cal_name not in calendars:
            r.error(
                (*path, i, "calendar"),
                f"unknown calendar {cal_name!r}"
                f"{suggestion(cal_name, tuple(calendars))} ({known_list(tuple(calendars))})",
            )
            continue
        out.append(Shift(name, calendars[cal_name], cal_name))
    return tuple(out)


def read_closing(r: Reader, value: object, messages: tuple[str, ...] | None) -> Closing | None:
    path: Path = ("closing",)
    fields = r.mapping(
        path, value, allowed=CLOSING_KEYS, required=("evidence_for",), what="a closing mapping"
    )
    if fields is None:
        return None
    causes = r.names((*path, "evidence_for"), fields.get("evidence_for"), kind="cause")
    message = None
    if "message" in fields:
        message = r.string((*path, "message"), fields["message"], what="a message key")
        if message is not None and messages is not None and message not in messages:
            r.error(
                (*path, "message"),
                f"unknown message {message!r}"
                f"{suggestion(message, messages)} ({known_list(messages)})",
            )
    if causes is None:
        return None
    return Closing(frozenset(causes), message)
