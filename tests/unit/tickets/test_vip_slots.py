"""Free call slots: the agent's working calendar minus booked calls and absences, exact
across a DST change."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.calendar import Calendar
from sladesk.policy import CallPolicy
from sladesk.tickets import TicketRuleError, check_slot, free_slots, review_period

UTC = ZoneInfo("UTC")
CET = ZoneInfo("CET")
CAL = Calendar.from_spec({"timezone": "CET", "hours": {"mon-fri": ["09:00-17:00"]}})
POLICY = CallPolicy(calendar="business", length=timedelta(minutes=30),
                    notice=timedelta(hours=2), horizon_days=14)  # fmt: skip


def test_slots_cover_the_working_hours_on_a_half_hour_grid() -> None:
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 CET
    slots = free_slots(CAL, [], now=now, policy=POLICY)
    first_day = [s for s in slots if s.starts_at.astimezone(CET).date().day == 2]
    assert len(first_day) == 16
    assert first_day[0].starts_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert first_day[-1].ends_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 17:00 CET
    assert all(s.starts_at.astimezone(CET).weekday() < 5 for s in slots)
    assert len(slots) == 16 * 10  # two working weeks


def test_notice_cuts_the_first_slots_and_the_grid_stays() -> None:
    now = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)  # 10:10 CET, + 2 h notice = 12:10
    slots = free_slots(CAL, [], now=now, policy=POLICY)
    assert slots[0].starts_at.astimezone(CET).strftime("%H:%M") == "12:30"


def test_booked_calls_and_absences_are_taken_out() -> None:
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    call = (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 2, 9, 45, tzinfo=UTC))
    absent = (
        datetime(2026, 3, 3, 0, 0, tzinfo=UTC) - timedelta(hours=1),
        datetime(2026, 3, 4, 0, 0, tzinfo=UTC) - timedelta(hours=1),
    )  # Tuesday, CET
    slots = free_slots(CAL, [call, absent], now=now, policy=POLICY)
    starts = {s.starts_at for s in slots}
    assert datetime(2026, 3, 2, 8, 30, tzinfo=UTC) in starts
    assert datetime(2026, 3, 2, 9, 0, tzinfo=UTC) not in starts
    assert datetime(2026, 3, 2, 9, 30, tzinfo=UTC) not in starts  # overlaps 9:30-9:45
    assert datetime(2026, 3, 2, 10, 0, tzinfo=UTC) in starts
    assert not [s for s in slots if s.starts_at.astimezone(CET).day == 3]


def test_across_the_spring_dst_change_the_local_hours_hold() -> None:
    # CET -> CEST on Sunday 2026-03-29: Friday 09:00 is 08:00Z, Monday 09:00 is 07:00Z
    now = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
    slots = free_slots(CAL, [], now=now, policy=POLICY)
    friday = [s for s in slots if s.starts_at.astimezone(CET).day == 27]
    monday = [s for s in slots if s.starts_at.astimezone(CET).day == 30]
    assert friday[0].starts_at == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert monday[0].starts_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert monday[-1].ends_at == datetime(2026, 3, 30, 15, 0, tzinfo=UTC)
    assert len(friday) == len(monday) == 16
    assert not [s for s in slots if s.starts_at.astimezone(CET).weekday() >= 5]


def test_check_slot_accepts_an_offered_slot_and_says_why_not_otherwise() -> None:
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    ok = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert check_slot(CAL, [], ok, now=now, policy=POLICY).ends_at == ok + timedelta(minutes=30)
    cases = {
        "call.taken": (ok, [(ok, ok + timedelta(minutes=30))]),
        "call.closed": (datetime(2026, 3, 2, 16, 45, tzinfo=UTC), []),
        "call.too_soon": (datetime(2026, 3, 2, 7, 30, tzinfo=UTC), []),
        "call.too_far": (now + timedelta(days=20), []),
        "call.off_grid": (datetime(2026, 3, 2, 10, 10, tzinfo=UTC), []),
    }
    for code, (at, busy) in cases.items():
        with pytest.raises(TicketRuleError) as err:
            check_slot(CAL, busy, at, now=now, policy=POLICY)
        assert err.value.code == code, code


def test_review_periods() -> None:
    at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert review_period(at, 1, "UTC") == "2026-12"
    assert review_period(at, 1, "Europe/Lisbon") == "2026-12"
    assert review_period(at, 1, "Europe/Berlin") == "2027-01"
    assert review_period(datetime(2026, 5, 3, tzinfo=UTC), 3, "UTC") == "2026-04"
