"""DST days, midnight-crossing ranges, split days, special days, closures and the edges.

Expected values are worked out by hand from the zone rules (noted beside each case)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.calendar import Calendar

# CET +01 / CEST +02; 2026-03-29 02:00->03:00, 2026-10-25 03:00->02:00
BER = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")  # 2026-03-08 02:00->03:00, 2026-11-01 02:00->01:00
SP = ZoneInfo("America/Sao_Paulo")  # -03:00 all year since 2019
BA = ZoneInfo("America/Argentina/Buenos_Aires")
H = timedelta(hours=1)
M = timedelta(minutes=1)


# -- midnight-crossing ranges over DST (Berlin 22:00-06:00) ----------------------------------


@pytest.fixture(scope="module")
def nights() -> Calendar:
    return Calendar.from_spec({"timezone": "Europe/Berlin", "hours": {"daily": ["22:00-06:00"]}})


def test_night_shift_on_spring_forward_is_7h(nights: Calendar) -> None:
    start = datetime(2026, 3, 28, 22, 0, tzinfo=BER)  # 21:00Z
    end = datetime(2026, 3, 29, 6, 0, tzinfo=BER)  # 04:00Z
    assert nights.elapsed(start, end) == 7 * H
    assert nights.add(start, 7 * H) == end  # closing instant
    assert nights.add(start, 7 * H) == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    # 3h after 22:00 CET: 23:00, 00:00, 01:00 CET ... then 02:00 does not exist: 03:00 CEST.
    assert nights.add(start, 4 * H) == datetime(2026, 3, 29, 3, 0, tzinfo=BER)
    assert nights.add(start, 4 * H) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_night_shift_on_fall_back_is_9h(nights: Calendar) -> None:
    start = datetime(2026, 10, 24, 22, 0, tzinfo=BER)  # 20:00Z
    end = datetime(2026, 10, 25, 6, 0, tzinfo=BER)  # 05:00Z
    assert nights.elapsed(start, end) == 9 * H
    assert nights.add(start, 9 * H) == end
    # 4h after 22:00 CEST (20:00Z) is 00:00Z, the first 02:00 (CEST, fold=0); 5h is 01:00Z,
    # the second 02:00 (CET, fold=1). (PEP 495: an instant in a fold never compares equal
    # to one in another zone, so compare in UTC.)
    first = nights.add(start, 4 * H)
    assert (first.hour, first.fold) == (2, 0)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    second = nights.add(start, 5 * H)
    assert (second.hour, second.fold) == (2, 1)
    assert second.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert nights.elapsed(first, second) == H


def test_after_midnight_part_belongs_to_the_start_day() -> None:
    base = {"timezone": "Europe/Berlin", "hours": {"fri": ["22:00-06:00"]}}
    # Closing Saturday (the next day) does not close Friday night's range...
    cal = Calendar.from_spec({**base, "closed": ["2026-03-28"]})
    assert cal.is_open(datetime(2026, 3, 28, 3, 0, tzinfo=BER))
    assert cal.elapsed(datetime(2026, 3, 27, tzinfo=BER), datetime(2026, 3, 29, tzinfo=BER)) == (
        8 * H
    )
    # ...closing Friday does.
    cal = Calendar.from_spec({**base, "closed": ["2026-03-27"]})
    assert not cal.is_open(datetime(2026, 3, 28, 3, 0, tzinfo=BER))
    assert cal.elapsed(
        datetime(2026, 3, 27, tzinfo=BER), datetime(2026, 3, 29, tzinfo=BER)
    ) == timedelta(0)


def test_repeated_hour_counts_twice_and_missing_hour_not_at_all() -> None:
    cal = Calendar.from_spec(
        {"timezone": "Europe/Berlin", "hours": {"sun": ["02:00-03:00"], "sat": ["01:00-04:00"]}}
    )
    day = timedelta(days=1)
    # Sun 29 March: 02:00-03:00 does not exist.
    sun = datetime(2026, 3, 29, tzinfo=BER)
    assert cal.elapsed(sun, sun + day) == timedelta(0)
    # Sun 25 October: 02:00-03:00 happens twice (00:00Z-01:00Z CEST, 01:00Z-02:00Z CET).
    sun = datetime(2026, 10, 25, tzinfo=BER)
    assert cal.elapsed(sun, sun + day) == 2 * H
    assert cal.is_open(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    assert cal.is_open(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert not cal.is_open(datetime(2026, 10, 25, 2, 0, tzinfo=UTC))


def test_range_across_the_gap_is_an_hour_shorter() -> None:
    cal = Calendar.from_spec({"timezone": "Europe/Berlin", "hours": {"sun": ["01:00-04:00"]}})
    sun = datetime(2026, 3, 29, tzinfo=BER)
    # 01:00 CET = 00:00Z to 04:00 CEST = 02:00Z.
    assert cal.elapsed(sun, sun + timedelta(days=1)) == 2 * H
    assert cal.next_open(sun) == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert cal.add(sun, 2 * H) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


# -- full days in New York across DST ------------------------------------------------------


@pytest.fixture(scope="module")
def ny_days() -> Calendar:
    return Calendar.from_spec(
        {
            "timezone": "America/New_York",
            "hours": {"daily": ["00:00-24:00"]},
            "closed": ["2026-03-09", "2026-11-02"],
        }
    )


def test_new_york_full_day_is_23h_and_25h(ny_days: Calendar) -> None:
    mar8 = datetime(2026, 3, 8, tzinfo=NY)
    assert ny_days.elapsed(mar8, datetime(2026, 3, 10, tzinfo=NY)) == 23 * H
    assert ny_days.add(mar8, 23 * H) == datetime(2026, 3, 9, tzinfo=NY)  # Mar 9 closed
    assert ny_days.add(mar8, 23 * H) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert ny_days.add(mar8, 24 * H) == datetime(2026, 3, 10, 1, 0, tzinfo=NY)
    nov1 = datetime(2026, 11, 1, tzinfo=NY)
    assert ny_days.elapsed(nov1, datetime(2026, 11, 3, tzinfo=NY)) == 25 * H
    assert ny_days.add(nov1, 25 * H) == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)


# -- split days and Sao Paulo ---------------------------------------------------------------


@pytest.fixture(scope="module")
def split() -> Calendar:
    return Calendar.from_spec(
        {"timezone": "America/Sao_Paulo", "hours": {"mon-fri": ["08:30-13:30", "15:00-18:30"]}}
    )


def test_split_day(split: Calendar) -> None:
    mon = datetime(2026, 1, 5, tzinfo=SP)
    assert split.add(mon + 13 * H, H) == mon + 15 * H + 30 * M  # 30m before lunch, 30m after
    assert split.add(mon + 13 * H, 30 * M) == mon + 13 * H + 30 * M  # lunch closing instant
    assert split.elapsed(mon + 8 * H, mon + 19 * H) == timedelta(hours=8, minutes=30)
    assert not split.is_open(mon + 14 * H)
    assert split.next_open(mon + 14 * H) == mon + 15 * H
    # Friday 18:00 + 1h: 30m Friday, 30m Monday morning.
    fri = datetime(2026, 1, 9, 18, 0, tzinfo=SP)
    assert split.add(fri, H) == datetime(2026, 1, 12, 9, 0, tzinfo=SP)


def test_sao_paulo_has_no_dst_anymore(split: Calendar) -> None:
    # November (summer time until 2018) stays -03:00: 08:30 local is 11:30Z.
    assert split.is_open(datetime(2026, 11, 2, 11, 30, tzinfo=UTC))
    assert not split.is_open(datetime(2026, 11, 2, 11, 29, tzinfo=UTC))
    assert split.is_open(datetime(2026, 2, 2, 11, 30, tzinfo=UTC))


# -- holidays, special days, closures --------------------------------------------------------


@pytest.fixture(scope="module")
def aivo_plus() -> Calendar:
    return Calendar.from_spec(
        {
            "timezone": "America/Argentina/Buenos_Aires",
            "hours": {"mon-fri": ["09:00-18:00"]},
            "holidays": {"country": "AR"},
            "special": {
                "2026-12-24": ["09:00-13:00"],
                "2026-12-31": [],
                "2026-05-25": ["10:00-12:00"],
            },
            "closures": [{"from": "2026-03-04T12:00:00-03:00", "to": "2026-03-05T13:00:00Z"}],
        }
    )


def test_special_short_day_and_closed_day(aivo_plus: Calendar) -> None:
    # Thu 24 Dec: 12:00-13:00, Fri 25 Christmas, Mon 28 09:00-10:00.
    assert aivo_plus.add(datetime(2026, 12, 24, 12, tzinfo=BA), 2 * H) == datetime(
        2026, 12, 28, 10, tzinfo=BA
    )
    assert not aivo_plus.is_open(datetime(2026, 12, 31, 10, tzinfo=BA))
    assert aivo_plus.next_open(datetime(2026, 12, 30, 18, tzinfo=BA)) == datetime(
        2027, 1, 4, 9, tzinfo=BA
    )  # 31 Dec special-closed, 1 Jan holiday, then the weekend


def test_special_hours_open_a_holiday(aivo_plus: Calendar) -> None:
    may25 = datetime(2026, 5, 25, tzinfo=BA)
    assert aivo_plus.elapsed(may25, may25 + timedelta(days=1)) == 2 * H
    assert aivo_plus.next_open(may25) == may25 + 10 * H


def test_closure(aivo_plus: Calendar) -> None:
    # Closed from Wed 4 March 12:00 to Thu 5 March 10:00 (-03:00).
    wed = datetime(2026, 3, 4, 9, tzinfo=BA)
    assert aivo_plus.elapsed(wed, datetime(2026, 3, 5, 18, tzinfo=BA)) == 11 * H
    assert aivo_plus.add(wed, 4 * H) == datetime(2026, 3, 5, 11, tzinfo=BA)
    assert aivo_plus.add(wed, 3 * H) == datetime(2026, 3, 4, 12, tzinfo=BA)  # closure start
    # Starting inside the closure.
    inside = datetime(2026, 3, 4, 15, tzinfo=BA)
    assert not aivo_plus.is_open(inside)
    assert aivo_plus.next_open(inside) == datetime(2026, 3, 5, 10, tzinfo=BA)
    assert aivo_plus.add(inside, H) == datetime(2026, 3, 5, 11, tzinfo=BA)
    assert aivo_plus.elapsed(inside, datetime(2026, 3, 5, 10, tzinfo=BA)) == timedelta(0)


# -- the edges ---------------------------------------------------------------------------------


def test_zero_duration_returns_start_even_when_closed(aivo_plus: Calendar) -> None:
    sat = datetime(2026, 3, 7, 10, tzinfo=BA)
    assert aivo_plus.add(sat, timedelta(0)) is sat
    assert aivo_plus.add(sat, timedelta(microseconds=1)) == datetime(
        2026, 3, 9, 9, 0, 0, 1, tzinfo=BA
    )


def test_negative_duration_is_refused(aivo_plus: Calendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        aivo_plus.add(datetime(2026, 3, 7, tzinfo=BA), -H)


def test_open_instant_is_its_own_next_open(aivo_plus: Calendar) -> None:
    t = datetime(2026, 3, 9, 9, tzinfo=BA)
    assert aivo_plus.next_open(t) is t
    closing = datetime(2026, 3, 9, 18, tzinfo=BA)
    assert aivo_plus.next_open(closing) == datetime(2026, 3, 10, 9, tzinfo=BA)


def test_far_years_compile_on_demand(aivo_plus: Calendar) -> None:
    # 1970 and 2099: the compiled span grows in both directions.
    assert aivo_plus.add(datetime(1970, 1, 2, 17, tzinfo=BA), 2 * H) == datetime(
        1970, 1, 5, 10, tzinfo=BA
    )  # Fri 2 Jan 1970 -> Mon 5 Jan
    assert aivo_plus.elapsed(
        datetime(2099, 12, 30, 9, tzinfo=BA), datetime(2099, 12, 31, 18, tzinfo=BA)
    ) == (18 * H)  # Wed 30 and Thu 31 Dec 2099
    # a long add that walks across several compiled years
    assert aivo_plus.elapsed(
        datetime(1980, 1, 1, tzinfo=UTC), aivo_plus.add(datetime(1980, 1, 1, tzinfo=UTC), 9000 * H)
    ) == (9000 * H)


def test_instants_outside_the_span_are_refused(aivo_plus: Calendar) -> None:
    with pytest.raises(ValueError, match="outside the span"):
        aivo_plus.is_open(datetime(1800, 1, 1, tzinfo=UTC))


def test_calendar_without_open_time_says_so() -> None:
    cal = Calendar.from_spec({"timezone": "UTC", "hours": {}})
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert not cal.is_open(t)
    assert cal.elapsed(t, t + timedelta(days=400)) == timedelta(0)
    with pytest.raises(ValueError, match="no \\(or not enough\\) open time"):
        cal.add(t, H)
