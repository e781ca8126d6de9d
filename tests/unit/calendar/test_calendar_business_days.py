"""`add_business_days`: same local time of day on the n-th next day with open time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.calendar import Calendar, Duration, parse_duration

BA = ZoneInfo("America/Argentina/Buenos_Aires")
BER = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def aivo() -> Calendar:
    return Calendar.from_spec(
        {
            "timezone": "America/Argentina/Buenos_Aires",
            "hours": {"mon-fri": ["09:00-18:00"]},
            "holidays": {"country": "AR"},
            "special": {"2026-12-24": ["09:00-13:00"], "2026-12-23": ["11:00-15:00"]},
        }
    )


def test_next_business_day_skips_holiday(aivo: Calendar) -> None:
    fri = datetime(2026, 5, 22, 15, 0, tzinfo=BA)
    assert aivo.add_business_days(fri, 1) == datetime(2026, 5, 26, 15, 0, tzinfo=BA)
    assert aivo.add_business_days(fri, 2) == datetime(2026, 5, 27, 15, 0, tzinfo=BA)
    # Thu 9 and Fri 10 July closed: Wed 8 + 1bd is Mon 13.
    assert aivo.add_business_days(datetime(2026, 7, 8, 10, tzinfo=BA), 1) == datetime(
        2026, 7, 13, 10, tzinfo=BA
    )


def test_start_when_closed_moves_to_next_open_first(aivo: Calendar) -> None:
    sat = datetime(2026, 5, 23, 11, 0, tzinfo=BA)
    # next_open is Tue 26 09:00 (Mon 25 is a holiday); one business day later: Wed 09:00.
    assert aivo.add_business_days(sat, 1) == datetime(2026, 5, 27, 9, 0, tzinfo=BA)
    evening = datetime(2026, 5, 26, 20, 0, tzinfo=BA)
    assert aivo.add_business_days(evening, 1) == datetime(2026, 5, 28, 9, 0, tzinfo=BA)


def test_zero_business_days_is_next_open(aivo: Calendar) -> None:
    sat = datetime(2026, 5, 23, 11, 0, tzinfo=BA)
    assert aivo.add_business_days(sat, 0) == datetime(2026, 5, 26, 9, 0, tzinfo=BA)


def test_landing_on_a_shorter_day_gives_its_closing_instant(aivo: Calendar) -> None:
    # Wed 23 Dec is special 11:00-15:00; Thu 24 Dec closes at 13:00.
    assert aivo.add_business_days(datetime(2026, 12, 22, 16, tzinfo=BA), 1) == datetime(
        2026, 12, 23, 15, tzinfo=BA
    )
    assert aivo.add_business_days(datetime(2026, 12, 23, 14, tzinfo=BA), 1) == datetime(
        2026, 12, 24, 13, tzinfo=BA
    )


def test_landing_before_opening_gives_the_opening(aivo: Calendar) -> None:
    assert aivo.add_business_days(datetime(2026, 12, 22, 9, 30, tzinfo=BA), 1) == datetime(
        2026, 12, 23, 11, 0, tzinfo=BA
    )


def test_result_in_the_start_tzinfo(aivo: Calendar) -> None:
    got = aivo.add_business_days(datetime(2026, 5, 22, 18, 0, tzinfo=UTC), 1)  # 15:00 BA
    assert got == datetime(2026, 5, 26, 18, 0, tzinfo=UTC)
    assert got.tzinfo is UTC


def test_business_days_across_the_dst_gap_and_fold() -> None:
    cal = Calendar.from_spec({"timezone": "Europe/Berlin", "hours": "24x7"})
    # Sun 29 March has no 02:30: the earliest instant at or after it is 03:00 CEST.
    got = cal.add_business_days(datetime(2026, 3, 28, 2, 30, tzinfo=BER), 1)
    assert got.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # Sun 25 October has 02:30 twice: the first one (CEST, 00:30Z).
    got = cal.add_business_days(datetime(2026, 10, 24, 2, 30, tzinfo=BER), 1)
    assert got.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert cal.add_business_days(datetime(2026, 10, 24, 2, 30, tzinfo=BER), 2) == datetime(
        2026, 10, 26, 2, 30, tzinfo=BER
    )


def test_night_shift_business_days_keep_their_owning_day() -> None:
    cal = Calendar.from_spec({"timezone": "Europe/Berlin", "hours": {"mon-fri": ["22:00-06:00"]}})
    # Tue 03:00 belongs to Monday's shift; one business day later is Tuesday's shift, Wed 03:00.
    assert cal.add_business_days(datetime(2026, 1, 6, 3, tzinfo=BER), 1) == datetime(
        2026, 1, 7, 3, tzinfo=BER
    )
    # Sat 03:00 belongs to Friday's shift: next is Monday's shift, at Tue 03:00.
    assert cal.add_business_days(datetime(2026, 1, 10, 3, tzinfo=BER), 1) == datetime(
        2026, 1, 13, 3, tzinfo=BER
    )
    assert cal.add_business_days(datetime(2026, 1, 9, 23, tzinfo=BER), 1) == datetime(
        2026, 1, 12, 23, tzinfo=BER
    )


def test_bad_business_day_counts(aivo: Calendar) -> None:
    t = datetime(2026, 5, 22, tzinfo=BA)
    with pytest.raises(ValueError, match="negative"):
        aivo.add_business_days(t, -1)
    with pytest.raises(TypeError):
        aivo.add_business_days(t, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "hours", "bd"),
    [("4h", 4.0, None), ("1h30m", 1.5, None), ("45m", 0.75, None), ("2bd", None, 2)],
)
def test_durations(text: str, hours: float | None, bd: int | None) -> None:
    d = parse_duration(text)
    assert d.business_days == bd
    if hours is not None:
        assert d.time == timedelta(hours=hours)
    assert str(d) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "expected a duration"), ("4", "expected a duration"), ("h", "expected a duration"),
        ("1.5h", "expected a duration"), ("2 bdays", "business days cannot be combined"),
        ("30m1h", "expected a duration"), ("1d", "ambiguous"), ("-2h", "cannot be negative"),
        ("0m", "longer than zero"),
    ],
)  # fmt: skip
def test_bad_durations(text: str, why: str) -> None:
    """The policy file's grammar (``sladesk.policy`` uses this same function)."""
    with pytest.raises(ValueError, match=why):
        parse_duration(text)


def test_policies_and_calendars_share_one_duration() -> None:
    import sladesk.policy

    assert sladesk.policy.Duration is Duration
    assert sladesk.policy.parse_duration is parse_duration


def test_duration_applies_to_a_calendar(aivo: Calendar) -> None:
    fri = datetime(2026, 5, 22, 17, 0, tzinfo=BA)
    assert parse_duration("2h").add_to(aivo, fri) == datetime(2026, 5, 26, 10, tzinfo=BA)
    assert parse_duration("1bd").add_to(aivo, fri) == datetime(2026, 5, 26, 17, tzinfo=BA)
