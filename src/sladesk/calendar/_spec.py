"""Parse and validate a calendar spec (a plain mapping) into a frozen :class:`CalendarSpec`.

Every problem raises :class:`~sladesk.errors.CalendarSpecError` whose ``location.path`` is the
dotted field path inside the spec (``hours.mon-fri[1]``, ``holidays.country``, ``timezone``),
so the policy loader can re-locate it to ``file:line:col``. Messages name the field and the
bad value.

Ranges are kept as minutes after the local midnight of the day that owns them:
``(start, end)`` with ``0 <= start < 1440`` and ``start < end <= start + 1440``; an end past
1440 is the after-midnight part of a range that crosses midnight.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from sladesk.errors import CalendarSpecError, Location

Range = tuple[int, int]
"""An open range as minutes after the owning day's local midnight, ``start < end``."""

DayRanges = tuple[Range, ...]

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)}
_FULL_DAY: DayRanges = ((0, 1440),)
_RANGE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_TOP_KEYS = ("timezone", "hours", "holidays", "closed", "special", "closures", "description")
_HOLIDAY_KEYS = ("country", "subdivision", "categories")


@functools.lru_cache(maxsize=4096)
def _holiday_dates(
    country: str, subdivision: str | None, categories: tuple[str, ...] | None, year: int
) -> frozenset[dt.date]:
    found = holidays.country_holidays(
        country, subdiv=subdivision, years=year, categories=categories
    )
    return frozenset(d for d in found if d.year == year)


@dataclass(frozen=True, slots=True)
class HolidaySource:
    """Public holidays from the ``holidays`` package: those local dates are closed."""

    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] | None = None

    def dates(self, year: int) -> frozenset[dt.date]:
        return _holiday_dates(self.country, self.subdivision, self.categories, year)

    def __str__(self) -> str:
        out = self.country
        if self.subdivision:
            out += f"-{self.subdivision}"
        if self.categories:
            out += f" ({', '.join(self.categories)})"
        return out


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A validated calendar spec.

    ``weekly[i]`` holds the ranges of weekday ``i`` (0 = Monday). ``closures`` are half-open
    ``[from, to)`` instant ranges in UTC microseconds since the epoch, sorted and disjoint.
    """

    timezone: ZoneInfo
    hours_24x7: bool
    weekly: tuple[DayRanges, ...]
    holidays: HolidaySource | None = None
    closed: frozenset[dt.date] = frozenset()
    special: Mapping[dt.date, DayRanges] | None = None
    closures: tuple[tuple[int, int], ...] = ()

    @property
    def always_open(self) -> bool:
        """True when every instant is open: ``24x7`` hours and no exception of any kind."""
        return (
            self.hours_24x7
            and self.holidays is None
            and not self.closed
            and not self.special
            and not self.closures
        )


def last_open_day(spec: CalendarSpec) -> dt.date | None:
    """The last local date that can own open time, or ``None`` when open days recur
    (``dt.date.min`` when the calendar is never open)."""
    if any(spec.weekly):
        return None
    days = [d for d, ranges in (spec.special or {}).items() if ranges]
    return max(days) if days else dt.date.min


def _path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _error(parts: Sequence[str | int], message: str) -> CalendarSpecError:
    path = _path(parts)
    field = path or "calendar spec"
    return CalendarSpecError(f"{message} (field '{field}')", Location(path=path))


def format_range(r: Range) -> str:
    """``(540, 1080)`` -> ``"09:00-18:00"``; a midnight-crossing end is shown modulo 24h."""
    start, end = r
    shown_end = end - 1440 if end > 1440 else end
    return f"{start // 60:02d}:{start % 60:02d}-{shown_end // 60:02d}:{shown_end % 60:02d}"


def parse_range(text: object, where: Sequence[str | int]) -> Range:
    """Parse ``"HH:MM-HH:MM"``. ``24:00`` is a valid end; an end at or before the start
    crosses midnight (so ``"22:00-06:00"`` is 8 hours and ``"09:00-09:00"`` is 24 hours)."""
    if not isinstance(text, str):
        raise _error(where, f'expected a range "HH:MM-HH:MM", got {text!r}')
    m = _RANGE_RE.match(text)
    if m is None:
        raise _error(where, f'expected a range "HH:MM-HH:MM", got {text!r}')
    sh, sm, eh, em = (int(g) for g in m.groups())
    if sm > 59 or em > 59 or sh > 24 or eh > 24 or (sh == 24 and sm) or (eh == 24 and em):
        raise _error(where, f"not a valid time of day in range {text!r}")
    if sh == 24:
        raise _error(where, f"a range cannot start at 24:00, got {text!r}")
    start, end = sh * 60 + sm, eh * 60 + em
    if end <= start:
        end += 1440
    return (start, end)


def _parse_ranges(value: object, where: Sequence[str | int]) -> DayRanges:
    if not isinstance(value, list | tuple):
        raise _error(where, f'expected a list of ranges "HH:MM-HH:MM", got {value!r}')
    ranges = [parse_range(item, (*where, i)) for i, item in enumerate(value)]
    order = sorted(range(len(ranges)), key=lambda i: ranges[i])
    for a, b in zip(order, order[1:], strict=False):
        if ranges[b][0] < ranges[a][1]:
            raise _error(
                (*where, b),
                f"range {value[b]!r} overlaps {value[a]!r} on the same day",
            )
    return tuple(ranges[i] for i in order)


def parse_day_key(key: object, where: Sequence[str | int]) -> tuple[int, ...]:
    """``mon`` -> (0,); ``mon-fri`` -> (0..4); ``fri-mon`` wraps; ``daily`` -> all seven."""
    if not isinstance(key, str):
        raise _error(where, f"unknown day key {key!r}")
    k = key.strip().lower()
    if k == "daily":
        return tuple(range(7))
    if k in _DAY_INDEX:
        return (_DAY_INDEX[k],)
    first, sep, last = k.partition("-")
    if sep and first.strip() in _DAY_INDEX and last.strip() in _DAY_INDEX:
        a, b = _DAY_INDEX[first.strip()], _DAY_INDEX[last.strip()]
        return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))
    raise _error(
        where,
        f"unknown day key {key!r} (use mon..sun, a range such as mon-fri, or daily)",
    )


def _parse_hours(value: object) -> tuple[bool, tuple[DayRanges, ...]]:
    if isinstance(value, str):
        if value.strip().lower() == "24x7":
            return True, (_FULL_DAY,) * 7
        raise _error(("hours",), f'expected "24x7" or a mapping of days to ranges, got {value!r}')
    if not isinstance(value, Mapping):
        raise _error(("hours",), f'expected "24x7" or a mapping of days to ranges, got {value!r}')
    weekly: list[DayRanges] = [()] * 7
    given_by: dict[int, str] = {}
    for key, ranges in value.items():
        where = ("hours", str(key))
        days = parse_day_key(key, where)
        for d in days:
            if d in given_by:
                raise _error(
                    where,
                    f"day key {key!r} repeats {DAY_NAMES[d]!r}, already given by {given_by[d]!r}",
                )
            given_by[d] = str(key)
        parsed = _parse_ranges(ranges, where)
        for d in days:
            weekly[d] = parsed
    return False, tuple(weekly)


def _parse_timezone(value: object) -> ZoneInfo:
    if not isinstance(value, str) or not value.strip():
        raise _error(("timezone",), f"expected an IANA time zone name, got {value!r}")
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _error(("timezone",), f"unknown time zone {value!r}") from None


def _parse_holidays(value: object) -> HolidaySource | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"country": value}
    if not isinstance(value, Mapping):
        raise _error(("holidays",), f"expected a mapping with a country, got {value!r}")
    for key in value:
        if key not in _HOLIDAY_KEYS:
            raise _error(
                ("holidays", str(key)),
                f"unknown field {key!r} (expected one of: {', '.join(_HOLIDAY_KEYS)})",
            )
    country = value.get("country")
    if not isinstance(country, str) or not country.strip():
        raise _error(("holidays", "country"), f"expected a country code, got {country!r}")
    country = country.strip().upper()
    try:
        holidays.country_holidays(country)
    except (NotImplementedError, ValueError, KeyError, AttributeError):
        raise _error(
            ("holidays", "country"), f"unknown holiday country {value['country']!r}"
        ) from None
    subdiv = value.get("subdivision")
    if subdiv is not None:
        if not isinstance(subdiv, str | int) or isinstance(subdiv, bool):
            raise _error(("holidays", "subdivision"), f"expected a code, got {subdiv!r}")
        subdiv = str(subdiv).strip()
        try:
            holidays.country_holidays(country, subdiv=subdiv)
        except (NotImplementedError, ValueError, KeyError):
            raise _error(
                ("holidays", "subdivision"),
                f"unknown subdivision {value['subdivision']!r} of holiday country {country!r}",
            ) from None
    cats_value = value.get("categories")
    categories: tuple[str, ...] | None = None
    if cats_value is not None:
        if isinstance(cats_value, str):
            cats_value = [cats_value]
        if not isinstance(cats_value, list | tuple):
            raise _error(("holidays", "categories"), f"expected a list, got {cats_value!r}")
        cats: list[str] = []
        for i, cat in enumerate(cats_value):
            try:
                holidays.country_holidays(country, subdiv=subdiv, categories=(cat,))
            except (NotImplementedError, ValueError, KeyError, TypeError, AttributeError):
                raise _error(
                    ("holidays", "categories", i),
                    f"unknown holiday category {cat!r} for country {country!r}",
                ) from None
            cats.append(str(cat))
        categories = tuple(cats)
    return HolidaySource(country, subdiv, categories)


def _parse_date(value: object, where: Sequence[str | int]) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _error(where, f"expected an ISO date YYYY-MM-DD, got {value!r}")


def _parse_closed(value: object) -> frozenset[dt.date]:
    if value is None:
        return frozenset()
    if not isinstance(value, list | tuple):
        raise _error(("closed",), f"expected a list of ISO dates, got {value!r}")
    return frozenset(_parse_date(v, ("closed", i)) for i, v in enumerate(value))


def _parse_special(value: object) -> dict[dt.date, DayRanges]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _error(("special",), f"expected a mapping of ISO dates to ranges, got {value!r}")
    out: dict[dt.date, DayRanges] = {}
    for key, ranges in value.items():
        where = ("special", str(key))
        day = _parse_date(key, where)
        if day in out:
            raise _error(where, f"date {key!r} is given twice")
        out[day] = () if ranges is None else _parse_ranges(ranges, where)
    return out


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _instant_us(value: object, where: Sequence[str | int]) -> int:
    t: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        t = value
    elif isinstance(value, str):
        try:
            t = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            t = None
    if t is None:
        raise _error(where, f"expected an ISO instant such as 2026-03-06T20:00:00Z, got {value!r}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise _error(where, f"instant {value!r} needs a UTC offset (e.g. Z or -03:00)")
    td = t - _EPOCH
    return (td.days * 86400 + td.seconds) * 1_000_000 + td.microseconds


def _parse_closures(value: object) -> tuple[tuple[int, int], ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise _error(("closures",), f"expected a list of {{from, to}} instants, got {value!r}")
    spans: list[tuple[int, int]] = []
    for i, item in enumerate(value):
        where = ("closures", i)
        if not isinstance(item, Mapping):
            raise _error(where, f"expected a mapping with from and to, got {item!r}")
        for key in item:
            if key not in ("from", "to", "reason", "description"):
                raise _error((*where, str(key)), f"unknown field {key!r} (expected from, to)")
        for key in ("from", "to"):
            if key not in item:
                raise _error((*where, key), f"missing field {key!r}")
        a = _instant_us(item["from"], (*where, "from"))
        b = _instant_us(item["to"], (*where, "to"))
        if b <= a:
            raise _error((*where, "to"), f"{item['to']!r} is not after from {item['from']!r}")
        spans.append((a, b))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return tuple(merged)


def parse_spec(spec: object) -> CalendarSpec:
    """Validate a calendar spec mapping; raise :class:`CalendarSpecError` on the first problem."""
    if isinstance(spec, CalendarSpec):
        return spec
    if not isinstance(spec, Mapping):
        raise _error((), f"expected a mapping, got {spec!r}")
    for key in spec:
        if key not in _TOP_KEYS:
            raise _error(
                (str(key),), f"unknown field {key!r} (expected one of: {', '.join(_TOP_KEYS)})"
            )
    if "timezone" not in spec:
        raise _error(("timezone",), "missing field 'timezone' (an IANA name such as Europe/Paris)")
    zone = _parse_timezone(spec["timezone"])
    if "hours" not in spec:
        raise _error(("hours",), "missing field 'hours' (\"24x7\" or a mapping of days to ranges)")
    is_24x7, weekly = _parse_hours(spec["hours"])
    hol = _parse_holidays(spec.get("holidays"))
    closed = _parse_closed(spec.get("closed"))
    special = _parse_special(spec.get("special"))
    for day in special:
        if day in closed:
            raise _error(("special", day.isoformat()), f"date {day} is also listed in closed")
    closures = _parse_closures(spec.get("closures"))
    return CalendarSpec(zone, is_24x7, weekly, hol, closed, special or None, closures)


def describe_hours(spec: CalendarSpec) -> str:
    """A short human reading of the weekly hours, e.g. ``mon-fri 09:00-18:00``."""
    if spec.hours_24x7:
        return "24x7"
    parts: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and spec.weekly[j + 1] == spec.weekly[i]:
            j += 1
        if spec.weekly[i]:
            days = DAY_NAMES[i] if i == j else f"{DAY_NAMES[i]}-{DAY_NAMES[j]}"
            parts.append(f"{days} {','.join(format_range(r) for r in spec.weekly[i])}")
        i = j + 1
    return "; ".join(parts) or "never open"


__all__ = [
    "DAY_NAMES",
    "CalendarSpec",
    "DayRanges",
    "HolidaySource",
    "Range",
    "describe_hours",
    "format_range",
    "parse_day_key",
    "parse_range",
    "parse_spec",
]
