"""The seed policies' calendars, with expectations worked out by hand (see the comments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.calendar import Calendar

BA = ZoneInfo("America/Argentina/Buenos_Aires")  # -03:00 all year
LIS = ZoneInfo("Europe/Lisbon")
CET = ZoneInfo("CET")

H = timedelta(hours=1)


@pytest.fixture(scope="module")
def aivo() -> Calendar:
    return Calendar.from_spec(
        {
            "timezone": "America/Argentina/Buenos_Aires",
            "hours": {"mon-fri": ["09:00-18:00"]},
            "holidays": {"country": "AR"},
        }
    )


@pytest.fixture(scope="module")
def infraspeak() -> Calendar:
    return Calendar.from_spec(
        {
            "timezone": "Europe/Lisbon",
            "hours": {"mon-fri": ["09:00-21:00"]},
            "holidays": {"country": "PT"},
        }
    )


@pytest.fixture(scope="module")
def liveagent() -> Calendar:
    return Calendar.from_spec({"timezone": "CET", "hours": {"mon-fri": ["09:00-17:00"]}})


@pytest.fixture(scope="module")
def always() -> Calendar:
    return Calendar.from_spec({"timezone": "UTC", "hours": "24x7"})


# -- Aivo: Mon-Fri 09-18 Buenos Aires, AR holidays ----------------------------------------


def test_ba_open_and_closed_instants(aivo: Calendar) -> None:
    assert aivo.is_open(datetime(2026, 5, 22, 9, 0, tzinfo=BA))  # Friday opening instant
    assert aivo.is_open(datetime(2026, 5, 22, 17, 59, 59, 999999, tzinfo=BA))
    assert not aivo.is_open(datetime(2026, 5, 22, 18, 0, tzinfo=BA))  # closing instant
    assert not aivo.is_open(datetime(2026, 5, 22, 8, 59, 59, tzinfo=BA))
    assert not aivo.is_open(datetime(2026, 5, 23, 12, 0, tzinfo=BA))  # Saturday
    assert not aivo.is_open(datetime(2026, 5, 25, 12, 0, tzinfo=BA))  # May Revolution Day
    assert not aivo.is_open(datetime(2026, 7, 9, 12, 0, tzinfo=BA))  # Independence Day
    assert aivo.is_open(datetime(2026, 5, 26, 12, 0, tzinfo=BA))
    # 12:00Z is 09:00 in Buenos Aires: the instant, not its zone, decides.
    assert aivo.is_open(datetime(2026, 5, 26, 12, 0, tzinfo=UTC))
    assert not aivo.is_open(datetime(2026, 5, 26, 11, 59, tzinfo=UTC))


def test_ba_add_skips_weekend_and_holiday(aivo: Calendar) -> None:
    fri = datetime(2026, 5, 22, 17, 0, tzinfo=BA)
    # 1h left on Friday, Sat/Sun closed, Mon 25 holiday, 1h on Tuesday.
    assert aivo.add(fri, 2 * H) == datetime(2026, 5, 26, 10, 0, tzinfo=BA)
    # The deadline landing on the closing instant is the closing instant.
    assert aivo.add(fri, H) == datetime(2026, 5, 22, 18, 0, tzinfo=BA)
    # A full week of 9h days (45h) from Tue 26 09:00: Tue..Fri is 36h, then Mon 1 June 9h.
    tue = datetime(2026, 5, 26, 9, 0, tzinfo=BA)
    assert aivo.add(tue, 45 * H) == datetime(2026, 6, 1, 18, 0, tzinfo=BA)


def test_ba_independence_day_and_bridge(aivo: Calendar) -> None:
    # Thu 9 July and Fri 10 July 2026 are both closed (holiday + bridge holiday).
    wed = datetime(2026, 7, 8, 17, 0, tzinfo=BA)
    assert aivo.add(wed, 2 * H) == datetime(2026, 7, 13, 10, 0, tzinfo=BA)
    assert aivo.elapsed(wed, datetime(2026, 7, 13, 10, 0, tzinfo=BA)) == 2 * H


def test_ba_elapsed(aivo: Calendar) -> None:
    fri = datetime(2026, 5, 22, 17, 0, tzinfo=BA)
    assert aivo.elapsed(fri, datetime(2026, 5, 26, 10, 0, tzinfo=BA)) == 2 * H
    # Mon 1 June to Fri 5 June 18:00: five 9h days.
    assert aivo.elapsed(
        datetime(2026, 6, 1, 0, 0, tzinfo=BA), datetime(2026, 6, 5, 18, 0, tzinfo=BA)
    ) == timedelta(hours=45)
    assert aivo.elapsed(fri, fri) == timedelta(0)
    assert aivo.elapsed(fri, fri - H) == timedelta(0)


def test_ba_result_in_the_tzinfo_of_the_start(aivo: Calendar) -> None:
    start = datetime(2026, 5, 22, 20, 0, tzinfo=UTC)  # Fri 17:00 in Buenos Aires
    got = aivo.add(start, 2 * H)
    assert got == datetime(2026, 5, 26, 13, 0, tzinfo=UTC)
    assert got.tzinfo is UTC
    assert aivo.next_open(datetime(2026, 5, 23, 10, 0, tzinfo=BA)) == datetime(
        2026, 5, 26, 9, 0, tzinfo=BA
    )
    assert aivo.next_open(start).tzinfo is UTC


def test_ba_microseconds_are_exact(aivo: Calendar) -> None:
    start = datetime(2026, 6, 1, 17, 59, 59, 999_999, tzinfo=BA)
    assert aivo.add(start, timedelta(microseconds=2)) == datetime(2026, 6, 2, 9, 0, 0, 1, tzinfo=BA)
    assert aivo.elapsed(start, datetime(2026, 6, 2, 9, 0, 0, 1, tzinfo=BA)) == timedelta(
        microseconds=2
    )


# -- Infraspeak: Mon-Fri 09-21 Lisbon, PT holidays ----------------------------------------


def test_lisbon_across_spring_forward_weekend(infraspeak: Calendar) -> None:
    # Fri 27 March 2026 is WET (+00:00); Mon 30 March is WEST (+01:00).
    fri = datetime(2026, 3, 27, 20, 0, tzinfo=LIS)
    got = infraspeak.add(fri, 2 * H)
    assert got == datetime(2026, 3, 30, 10, 0, tzinfo=LIS)
    assert got == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert infraspeak.elapsed(
        datetime(2026, 3, 27, 20, 0, tzinfo=UTC), datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    ) == (2 * H)


def test_lisbon_holidays(infraspeak: Calendar) -> None:
    # Wed 10 June 2026 is Portugal Day.
    tue = datetime(2026, 6, 9, 20, 0, tzinfo=LIS)
    assert infraspeak.add(tue, 2 * H) == datetime(2026, 6, 11, 10, 0, tzinfo=LIS)
    assert not infraspeak.is_open(datetime(2026, 6, 10, 12, 0, tzinfo=LIS))
    assert infraspeak.is_open(datetime(2026, 6, 11, 20, 59, tzinfo=LIS))
    assert not infraspeak.is_open(datetime(2026, 6, 11, 21, 0, tzinfo=LIS))


# -- LiveAgent: Mon-Fri 09-17 CET ---------------------------------------------------------


def test_cet_is_a_zone_name_with_summer_time(liveagent: Calendar) -> None:
    assert liveagent.timezone == ZoneInfo("CET")
    # Winter: 08:30Z is 09:30 CET; summer: 07:30Z is 09:30 CEST.
    assert liveagent.is_open(datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    assert not liveagent.is_open(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    assert liveagent.is_open(datetime(2026, 7, 6, 7, 30, tzinfo=UTC))
    assert not liveagent.is_open(datetime(2026, 7, 6, 15, 30, tzinfo=UTC))  # 17:30 CEST


def test_cet_add_over_dst_weekend(liveagent: Calendar) -> None:
    fri = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # 16:00 CET
    assert liveagent.add(fri, 2 * H) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert liveagent.add(fri, 2 * H) == datetime(2026, 3, 30, 10, 0, tzinfo=CET)


# -- 24x7 ----------------------------------------------------------------------------------


def test_24x7(always: Calendar) -> None:
    ny = ZoneInfo("America/New_York")
    assert always.is_24x7
    t = datetime(2026, 3, 7, 12, 0, tzinfo=ny)
    # Real elapsed time: 24h after noon EST on the day before the change is 13:00 EDT.
    assert always.add(t, 24 * H) == datetime(2026, 3, 8, 13, 0, tzinfo=ny)
    assert always.elapsed(
        datetime(2026, 11, 1, 0, 0, tzinfo=ny), datetime(2026, 11, 2, 0, 0, tzinfo=ny)
    ) == (25 * H)
    assert always.is_open(t)
    assert always.next_open(t) is t
    assert always.add(t, timedelta(0)) is t
    assert always.elapsed(t, t - H) == timedelta(0)


def test_24x7_with_a_holiday_is_not_always_open() -> None:
    cal = Calendar.from_spec({"timezone": "UTC", "hours": "24x7", "closed": ["2026-01-01"]})
    assert not cal.is_24x7
    assert cal.elapsed(
        datetime(2025, 12, 31, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)
    ) == timedelta(hours=48)
    assert cal.add(datetime(2025, 12, 31, 23, tzinfo=UTC), 2 * H) == datetime(
        2026, 1, 2, 1, tzinfo=UTC
    )


def test_repr_is_readable(aivo: Calendar, always: Calendar) -> None:
    assert repr(aivo) == (
        "Calendar(timezone='America/Argentina/Buenos_Aires', hours='mon-fri 09:00-18:00', "
        "holidays='AR')"
    )
    assert repr(always) == "Calendar(timezone='UTC', hours='24x7')"
