"""The pure maintenance rules: which windows come next and which notices are due at ``now``
(Blip Go!'s 23:00-05:00 GMT-3 policy windows, scheduled ones, the policy's lead time), and the
policy's ``maintenance`` section with its errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sladesk.errors import PolicyError
from sladesk.policy import load_policy, load_policy_file
from sladesk.tickets import (
    MaintenanceWindow,
    banner_window,
    maintenance_notices_due,
    next_window,
    upcoming_windows,
)

BLIP = load_policy_file(Path(__file__).parents[3] / "examples/policies/blip-go.yaml")
GMT3 = timedelta(hours=-3)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_blip_declares_its_nightly_window_and_a_day_of_notice() -> None:
    m = BLIP.maintenance
    assert m is not None and m.calendar == "maintenance_window"
    assert m.notice_before == timedelta(hours=24) and not m.mail_recurring
    assert set(m.text) == {"es", "pt"}


def test_the_next_window_is_23_to_05_gmt_minus_3() -> None:
    # Monday 7 December 2026, 15:00 UTC = 12:00 GMT-3
    w = next_window(BLIP, [], now=at(7, 15))
    assert w is not None and w.recurring
    assert (w.starts_at, w.ends_at) == (at(8, 2), at(8, 8))  # 23:00-05:00 GMT-3
    assert w.starts_at.astimezone().utcoffset() is not None
    # inside the window, the running one keeps its own start
    running = next_window(BLIP, [], now=at(8, 4))
    assert running is not None and (running.starts_at, running.ends_at) == (at(8, 2), at(8, 8))
    # over a year's end the window is still one piece
    new_year = next_window(BLIP, [], now=at(31, 12))
    assert new_year is not None
    assert (new_year.starts_at, new_year.ends_at) == (
        datetime(2027, 1, 1, 2, tzinfo=UTC),
        datetime(2027, 1, 1, 8, tzinfo=UTC),
    )


def test_scheduled_windows_interleave_and_notices_fall_due_once_each_phase() -> None:
    one_off = MaintenanceWindow("scheduled:1", at(10, 12), at(10, 14), False, "Upgrade")
    soon = upcoming_windows(BLIP, [one_off], now=at(9, 9), horizon=timedelta(days=1))
    assert [w.key for w in soon] == [
        f"policy:maintenance_window:{at(10, 2).isoformat()}",
        "scheduled:1",
        f"policy:maintenance_window:{at(11, 2).isoformat()}",
    ][: len(soon)]
    early = maintenance_notices_due(BLIP, [one_off], now=at(9, 11, 59))  # 24h + 1 min before
    assert all(n.window.key != "scheduled:1" for n in early)
    due = {(n.window.key, n.kind, n.mail) for n in
           maintenance_notices_due(BLIP, [one_off], now=at(9, 12))}  # fmt: skip
    assert ("scheduled:1", "ahead", True) in due
    due = {(n.window.key, n.kind) for n in maintenance_notices_due(BLIP, [one_off], now=at(10, 13))}
    assert ("scheduled:1", "start") in due and ("scheduled:1", "ahead") not in due
    assert all(k != "scheduled:1" for k, _ in
               {(n.window.key, n.kind) for n in
                maintenance_notices_due(BLIP, [one_off], now=at(10, 14))})  # fmt: skip
    # recurring windows are not mailed under Blip's policy, but are due (for the record)
    nightly = maintenance_notices_due(BLIP, [], now=at(8, 3))
    # (and the next night's is within its 24 hours' notice already)
    assert [(n.kind, n.mail) for n in nightly] == [("start", False), ("ahead", False)]


def test_the_banner_shows_a_window_within_the_notice_only() -> None:
    far = MaintenanceWindow("scheduled:2", at(20, 12), at(20, 13), False, "Later")
    assert banner_window(None, [far], now=at(19, 11)) is None
    assert banner_window(None, [far], now=at(19, 12)) == far


def test_aware_now_is_required() -> None:
    with pytest.raises(ValueError, match="aware"):
        upcoming_windows(BLIP, [], now=datetime(2026, 12, 7))  # noqa: DTZ001


def test_policy_errors_name_the_field() -> None:
    text = BLIP.source_text.replace("notice_before: 24h", "notice_before: 2bd")
    with pytest.raises(PolicyError, match=r"maintenance\.notice_before: expected a duration"):
        load_policy(text, "blip.yaml")
    text = BLIP.source_text.replace("  calendar: maintenance_window\n  notice",
                                    "  calendar: maintenance_windw\n  notice")  # fmt: skip
    with pytest.raises(PolicyError, match="unknown calendar 'maintenance_windw'"):
        load_policy(text, "blip.yaml")
