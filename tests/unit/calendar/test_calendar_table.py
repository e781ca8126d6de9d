"""`Calendar.table`: the public, read-only compiled table integrators (the SLA clocks) use."""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from datetime import UTC, datetime, timedelta

import pytest

from sladesk.calendar import Calendar, OpenTable

US = 1_000_000


def _us(t: datetime) -> int:
    return round((t - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def _dt(x: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=x)


@pytest.fixture(scope="module")
def ba() -> Calendar:
    return Calendar.from_spec(
        {
            "timezone": "America/Argentina/Buenos_Aires",
            "hours": {"mon-fri": ["09:00-18:00"]},
            "holidays": {"country": "AR"},
            "closures": [{"from": "2026-03-04T12:00:00-03:00", "to": "2026-03-05T10:00:00-03:00"}],
        }
    )


def test_table_shape_and_invariants(ba: Calendar) -> None:
    lo_us = _us(datetime(2026, 3, 1, tzinfo=UTC))
    hi_us = _us(datetime(2026, 9, 1, tzinfo=UTC))
    tb = ba.table(lo_us, hi_us)
    assert isinstance(tb, OpenTable)
    assert tb.lo <= lo_us and hi_us < tb.hi
    for name in ("starts", "ends", "cstart", "cend"):
        assert type(getattr(tb, name)) is list
    n = len(tb.starts)
    assert n == len(tb.ends) == len(tb.cstart) == len(tb.cend) > 0
    total = 0
    for i in range(n):
        assert tb.lo <= tb.starts[i] < tb.ends[i] <= tb.hi
        if i:
            assert tb.ends[i - 1] < tb.starts[i]  # disjoint, never touching
        assert tb.cstart[i] == total
        total += tb.ends[i] - tb.starts[i]
        assert tb.cend[i] == total
    assert "intervals=" in repr(tb)


def test_table_agrees_with_elapsed_and_add(ba: Calendar) -> None:
    tb = ba.table(_us(datetime(2026, 3, 1, tzinfo=UTC)), _us(datetime(2026, 4, 1, tzinfo=UTC)))
    a = datetime(2026, 3, 4, 10, tzinfo=UTC)
    b = datetime(2026, 3, 20, 15, 30, tzinfo=UTC)
    open_us = tb.open_before(_us(b)) - tb.open_before(_us(a))
    assert timedelta(microseconds=open_us) == ba.elapsed(a, b)
    target = tb.open_before(_us(a)) + 7 * 3600 * US
    j = bisect_left(tb.cend, target)
    assert _dt(tb.starts[j] + target - tb.cstart[j]) == ba.add(a, timedelta(hours=7))


def test_table_is_frozen_and_stays_valid(ba: Calendar) -> None:
    x = _us(datetime(2026, 6, 1, tzinfo=UTC))
    tb = ba.table(x, x)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tb.lo = 0  # type: ignore[misc]
    before = list(tb.starts)
    wider = ba.table(x - 40 * 365 * 86_400 * US, x)  # grows: a new snapshot
    assert wider.lo < tb.lo and tb.starts == before
    assert ba.table(x, x) is ba._cover(x, x)  # the private alias still answers


def test_table_argument_checks(ba: Calendar) -> None:
    x = _us(datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="before lo_us"):
        ba.table(x, x - 1)
    with pytest.raises(ValueError, match="outside the span"):
        ba.table(_us(datetime(1899, 12, 31, tzinfo=UTC)), x)
    with pytest.raises(ValueError, match="outside the span"):
        ba.table(x, _us(datetime(2200, 1, 1, tzinfo=UTC)))


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_24x7_table_is_one_interval(zone: str) -> None:
    cal = Calendar.from_spec({"timezone": zone, "hours": "24x7"})
    assert cal.is_24x7
    x = _us(datetime(2026, 3, 8, 12, tzinfo=UTC))
    tb = cal.table(x, x + 400 * 86_400 * US)
    assert (tb.starts, tb.ends, tb.cstart) == ([tb.lo], [tb.hi], [0])
    assert tb.cend == [tb.hi - tb.lo]
