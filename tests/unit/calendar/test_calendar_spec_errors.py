"""Bad specs and naive datetimes: clear errors that name the field path and the value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import sladesk.calendar
from sladesk.calendar import Calendar
from sladesk.errors import CalendarSpecError, NaiveDatetimeError

GOOD: dict[str, Any] = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}


def spec_error(spec: object) -> CalendarSpecError:
    with pytest.raises(CalendarSpecError) as info:
        Calendar.from_spec(spec)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    return info.value


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", ["Mars/Olympus_Mons"]),
        ({"timezone": 5}, "timezone", ["5"]),
        ({"hours": {"mon-fri": ["9-17"]}}, "hours.mon-fri[0]", ["'9-17'"]),
        (
            {"hours": {"mon-fri": ["09:00-13:00", "14:00-25:00"]}},
            "hours.mon-fri[1]",
            ["14:00-25:00"],
        ),
        ({"hours": {"mon-fri": ["09:60-17:00"]}}, "hours.mon-fri[0]", ["09:60-17:00"]),
        ({"hours": {"mon-fri": ["24:00-02:00"]}}, "hours.mon-fri[0]", ["24:00-02:00"]),
        ({"hours": {"mon-fry": ["09:00-17:00"]}}, "hours.mon-fry", ["mon-fry"]),
        ({"hours": {"funday": ["09:00-17:00"]}}, "hours.funday", ["funday"]),
        (
            {"hours": {"mon-fri": ["09:00-17:00"], "mon": ["18:00-20:00"]}},
            "hours.mon",
            ["'mon'", "mon-fri"],
        ),
        (
            {"hours": {"daily": ["09:00-17:00"], "sat-sun": ["10:00-12:00"]}},
            "hours.sat-sun",
            ["sat", "daily"],
        ),
        (
            {"hours": {"mon": ["09:00-13:00", "12:00-18:00"]}},
            "hours.mon[1]",
            ["12:00-18:00", "09:00-13:00"],
        ),
        ({"hours": {"mon": "09:00-17:00"}}, "hours.mon", ["09:00-17:00"]),
        ({"hours": "8x5"}, "hours", ["8x5"]),
        ({"holidays": {"country": "XX"}}, "holidays.country", ["XX"]),
        ({"holidays": {"country": "AR", "subdivision": "ZZ"}}, "holidays.subdivision", ["ZZ"]),
        (
            {"holidays": {"country": "AR", "categories": ["nope"]}},
            "holidays.categories[0]",
            ["nope"],
        ),
        ({"holidays": {"country": "AR", "region": "B"}}, "holidays.region", ["region"]),
        ({"closed": ["2026-02-30"]}, "closed[0]", ["2026-02-30"]),
        ({"special": {"2026-13-01": []}}, "special.2026-13-01", ["2026-13-01"]),
        ({"special": {"2026-12-24": ["9am-1pm"]}}, "special.2026-12-24[0]", ["9am-1pm"]),
        (
            {"closures": [{"from": "2026-03-04T12:00:00", "to": "2026-03-05T10:00:00Z"}]},
            "closures[0].from",
            ["2026-03-04T12:00:00"],
        ),
        (
            {"closures": [{"from": "2026-03-04T12:00:00Z", "to": "2026-03-04T11:00:00Z"}]},
            "closures[0].to",
            ["2026-03-04T11:00:00Z"],
        ),
        ({"closures": [{"from": "2026-03-04T12:00:00Z"}]}, "closures[0].to", ["to"]),
        ({"weekends": "closed"}, "weekends", ["weekends"]),
    ],
)
def test_bad_spec_names_field_and_value(
    change: dict[str, Any], path: str, words: list[str]
) -> None:
    err = spec_error({**GOOD, **change})
    assert err.location.path == path
    for word in words:
        assert word in err.message
    assert path in err.message
    assert path in str(err)


def test_missing_fields() -> None:
    assert spec_error({"hours": "24x7"}).location.path == "timezone"
    assert spec_error({"timezone": "UTC"}).location.path == "hours"
    err = spec_error(["not", "a", "mapping"])
    assert err.location.path == ""
    assert "mapping" in err.message


def test_closed_and_special_on_the_same_date_conflict() -> None:
    err = spec_error({**GOOD, "closed": ["2026-12-24"], "special": {"2026-12-24": []}})
    assert err.location.path == "special.2026-12-24"


PARIS = ZoneInfo("Europe/Paris")


def _paris(day: int, hour: int, minute: int = 0) -> datetime:
    """January 2026 in Paris: the 5th is a Monday."""
    return datetime(2026, 1, day, hour, minute, tzinfo=PARIS)


def test_good_variants_are_accepted_and_mean_what_they_say() -> None:
    def cal(hours: object) -> Calendar:
        return Calendar.from_spec({"timezone": "Europe/Paris", "hours": hours})

    always = cal("24x7")
    assert always.is_24x7
    assert always.elapsed(_paris(10, 3), _paris(11, 3)) == timedelta(days=1)  # a Saturday

    daily = cal({"daily": ["00:00-24:00"]})
    assert daily.is_open(_paris(11, 3))  # Sunday night
    assert daily.elapsed(_paris(5, 0), _paris(12, 0)) == timedelta(days=7)

    nights = cal({"fri-mon": ["22:00-06:00"]})  # a range past midnight ends the next day
    assert nights.is_open(_paris(10, 2))  # Saturday, in Friday's night
    assert nights.is_open(_paris(6, 5, 59))  # Tuesday, still in Monday's night
    assert not nights.is_open(_paris(6, 6))
    assert not nights.is_open(_paris(7, 23))  # Wednesday is not in fri-mon
    assert nights.next_open(_paris(7, 12)) == _paris(9, 22)  # Friday 22:00

    mixed = cal({"MON": ["9:00-17:00"], "tue-fri": ["09:00-12:00", "12:00-17:00"]})
    assert not mixed.is_open(_paris(5, 8, 59)) and mixed.is_open(_paris(5, 9))  # "MON", "9:00"
    assert mixed.is_open(_paris(6, 12))  # touching ranges leave no gap
    assert mixed.elapsed(_paris(6, 9), _paris(6, 17)) == timedelta(hours=8)
    assert not mixed.is_open(_paris(10, 10))  # Saturday


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.is_open(t),
        lambda c, t: c.next_open(t),
        lambda c, t: c.add(t, timedelta(hours=1)),
        lambda c, t: c.elapsed(t, datetime(2026, 1, 1, tzinfo=UTC)),
        lambda c, t: c.elapsed(datetime(2026, 1, 1, tzinfo=UTC), t),
        lambda c, t: c.add_business_days(t, 1),
    ],
)
@pytest.mark.parametrize("spec", [GOOD, {"timezone": "UTC", "hours": "24x7"}])
def test_naive_datetimes_are_refused(call: Any, spec: dict[str, Any]) -> None:
    cal = Calendar.from_spec(spec)
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        call(cal, datetime(2026, 1, 5, 10, 0))


def test_array_forms_refuse_non_datetimes() -> None:
    cal = Calendar.from_spec(GOOD)
    with pytest.raises(TypeError, match="datetime64"):
        cal.add_many(np.array([1, 2]), np.array([1, 2], dtype="timedelta64[s]"))
    with pytest.raises(ValueError, match="NaT"):
        cal.elapsed_many(
            np.array(["NaT"], dtype="datetime64[us]"), np.array(["2026-01-01"], dtype="M8[us]")
        )


def test_public_names_are_pinned() -> None:
    assert sorted(sladesk.calendar.__all__) == [
        "Calendar",
        "CalendarSpec",
        "Duration",
        "HolidaySource",
        "OnCall",
        "OpenTable",
        "Override",
        "RosterSegment",
        "Rotation",
        "Shift",
        "describe_hours",
        "next_on_call",
        "on_call_at",
        "parse_duration",
        "parse_spec",
        "roster_between",
    ]
