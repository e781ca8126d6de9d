"""How values are written in responses, checked without a server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from sladesk.api.problems import format_loc
from sladesk.api.schemas.tickets import iso_business_duration

CASES = [
    (timedelta(hours=24), "PT24H"),
    (timedelta(hours=12, minutes=30), "PT12H30M"),
    (timedelta(0), "PT0S"),
    (timedelta(seconds=-3600.5), "-PT1H0.5S"),
    (timedelta(days=3, minutes=5, microseconds=10), "PT72H5M0.00001S"),
    (timedelta(microseconds=-1), "-PT0.000001S"),
]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_business_time_is_written_in_hours_and_read_back_exactly(
    value: timedelta, text: str
) -> None:
    assert iso_business_duration(value) == text
    assert TypeAdapter(timedelta).validate_python(text) == value


def test_field_paths_read_like_policy_paths() -> None:
    assert format_loc(("body", "tags", 2)) == "body.tags[2]"
    assert format_loc(("header", "Idempotency-Key")) == "header.Idempotency-Key"
