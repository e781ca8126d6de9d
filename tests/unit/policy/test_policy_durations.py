"""The duration and threshold grammar of policy files."""

# ruff: noqa: E501  (tables of expected messages read best one case per line)

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.errors import SpecError
from sladesk.policy import Duration, Threshold, parse_duration, parse_threshold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45m", Duration("45m", time=timedelta(minutes=45))),
        ("4h", Duration("4h", time=timedelta(hours=4))),
        ("1h30m", Duration("1h30m", time=timedelta(hours=1, minutes=30))),
        ("1h30m15s", Duration("1h30m15s", time=timedelta(hours=1, minutes=30, seconds=15))),
        ("90s", Duration("90s", time=timedelta(seconds=90))),
        ("240h", Duration("240h", time=timedelta(hours=240))),
        (" 2h ", Duration("2h", time=timedelta(hours=2))),
        ("1bd", Duration("1bd", business_days=1)),
        ("10bd", Duration("10bd", business_days=10)),
    ],
)
def test_durations(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2d", "'2d' is ambiguous: write business days as '2bd' or exact time as '48h'"),
        ("0h", "a duration must be longer than zero, got '0h'"),
        ("0m0s", "a duration must be longer than zero, got '0m0s'"),
        ("0bd", "a duration must be longer than zero, got '0bd'"),
        ("-30m", "a duration cannot be negative, got '-30m'"),
        ("30m1h", "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got '30m1h'"),
        ("", "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got ''"),
        ("1.5h", "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got '1.5h'"),
        ("2bd3h", "business days cannot be combined with other units, got '2bd3h'"),
        (4, "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got the number 4 (give a unit: '4h', '4m' or '4bd')"),
        (None, "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got nothing"),
        (True, "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got the boolean true"),
    ],
)  # fmt: skip
def test_refused_durations(value: object, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_duration(value)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("75%", Threshold("75%", fraction=0.75)),
        ("87.5%", Threshold("87.5%", fraction=0.875)),
        ("30m", Threshold("30m", lead=timedelta(minutes=30))),
        ("1h30m", Threshold("1h30m", lead=timedelta(hours=1, minutes=30))),
    ],
)
def test_thresholds(text: str, expected: Threshold) -> None:
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0%", "a share must lie between 0% and 100% (both excluded), got '0%'"),
        ("100%", "a share must lie between 0% and 100% (both excluded), got '100%'"),
        ("-5%", "a share must lie between 0% and 100% (both excluded), got '-5%'"),
        ("lots%", "expected a share such as '75%', got 'lots%'"),
        ("nan%", "a share must lie between 0% and 100% (both excluded), got 'nan%'"),
        ("2bd", "a lead time must be exact business time such as '30m' or '2h', not business days, got '2bd'"),
        ("0m", "expected a share such as '75%' or a lead time such as '30m': a duration must be longer than zero, got '0m'"),
        (0.75, "expected a share such as '75%' or a lead time such as '30m', got the number 0.75 (write a share as '75%')"),
        ([], "expected a share such as '75%' or a lead time such as '30m', got a list"),
    ],
)  # fmt: skip
def test_refused_thresholds(value: object, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_threshold(value)
    assert caught.value.message == message
