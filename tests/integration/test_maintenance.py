"""Maintenance windows on SQLite and PostgreSQL: the policy's recurring windows (Blip Go!'s
23:00-05:00 GMT-3) beside admin-scheduled ones; the notices ahead and at the start are queued
once each (per customer contact, in their language and zone), however often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from desk_fixtures import POLICY, Desk

from sladesk import services as s
from sladesk.services import Forbidden, InvalidRequest, NotFound

SYSTEM = s.Actor.system("jobs")
WINDOWS = POLICY.replace(
    "  always: {timezone: UTC, hours: 24x7}\n",
    "  always: {timezone: UTC, hours: 24x7}\n"
    "  maintenance_window: {timezone: Etc/GMT+3, hours: {daily: ['23:00-05:00']}}\n",
).replace(
    "rules:\n",
    "maintenance:\n  calendar: maintenance_window\n  notice_before: 6h\n"
    "  text: {en: The platform may be briefly unavailable.}\n"
    "rules:\n",
    1,
)


@pytest.fixture
def windows(desk: Desk) -> Desk:
    s.publish_policy(desk.uow, desk.clock, desk.admin, WINDOWS, source="windows.yaml")
    return desk


def _maintenance_rows(desk: Desk) -> list[dict[str, object]]:
    with desk.uow.read_only():
        return [m.payload for m in desk.uow.outbox.all("maintenance")]


def test_the_schedule_shows_recurring_and_scheduled_windows(windows: Desk) -> None:
    desk = windows  # now: Mon 2025-03-03 10:00 UTC = 07:00 GMT-3
    start = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="Database upgrade",
                           starts_at=start, ends_at=start + timedelta(hours=2))  # fmt: skip
    got = s.maintenance_schedule(desk.uow, desk.clock, desk.bob, days=2)
    spans = [(w.starts_at.astimezone(UTC), w.ends_at.astimezone(UTC), w.recurring)
             for w in got.windows]  # fmt: skip
    # 23:00-05:00 GMT-3 is 02:00-08:00 UTC: each next night (this morning's is over)
    assert spans == [
        (datetime(2025, 3, 4, 2, tzinfo=UTC), datetime(2025, 3, 4, 8, tzinfo=UTC), True),
        (start, start + timedelta(hours=2), False),
        (datetime(2025, 3, 5, 2, tzinfo=UTC), datetime(2025, 3, 5, 8, tzinfo=UTC), True),
    ]
    assert got.banner is None  # the next window starts in 16 h, over notice_before (6 h)
    desk.clock.set(datetime(2025, 3, 4, 3, 0, tzinfo=UTC))
    now = s.maintenance_schedule(desk.uow, desk.clock, desk.bob, days=1)
    assert now.banner is not None and now.banner.recurring and now.banner.running(now.now)
    assert got.notice_before == timedelta(hours=6) and got.calendar_zone == "Etc/GMT+3"


def test_each_notice_is_queued_once_per_contact(windows: Desk) -> None:
    desk = windows
    start = datetime(2025, 3, 5, 20, 0, tzinfo=UTC)  # 17:00 GMT-3, between nightly windows
    w = s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="Database upgrade",
                               starts_at=start, ends_at=start + timedelta(hours=2),
                               description="Read-only for two hours")  # fmt: skip
    # the recurring window starting tonight is recorded but on the banner only (not mailed:
    # mail_recurring is off)
    desk.clock.set(datetime(2025, 3, 3, 20, 0, tzinfo=UTC))
    first = s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM)
    tonight = datetime(2025, 3, 4, 2, tzinfo=UTC).isoformat()
    assert first.messages == 0
    assert first.notices == ((f"policy:maintenance_window:{tonight}", "ahead"),)
    desk.clock.set(start - timedelta(hours=7))
    assert s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM).notices == ()
    desk.clock.set(start - timedelta(hours=6))  # notice_before: 6h
    ahead = s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM)
    assert ahead.notices == ((w.key, "ahead"),) and ahead.messages == 3  # alice, bob, carol
    desk.clock.advance(timedelta(minutes=5))
    assert s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM).messages == 0  # once
    desk.clock.set(start + timedelta(minutes=1))
    started = s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM)
    # tonight's recurring window is due "ahead" too (02:00 UTC is within 6 h): not mailed
    assert started.notices[0] == (w.key, "start") and started.messages == 3
    assert [kind for _, kind in started.notices[1:]] == ["ahead"]
    assert s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM).messages == 0
    rows = _maintenance_rows(desk)
    assert sorted((r["event"], r["recipient"]["id"]) for r in rows) == sorted(  # type: ignore[index]
        (e, who.id) for e in ("maintenance.ahead", "maintenance.start")
        for who in (desk.alice, desk.bob, desk.carol)
    )  # fmt: skip
    first_row = rows[0]
    assert first_row["window"]["title"] == "Database upgrade"  # type: ignore[index]
    assert first_row["text"] == {"en": "The platform may be briefly unavailable."}
    assert first_row["time_zone"] == "UTC" and first_row["locale"] == "en"


def test_a_late_runner_sends_no_stale_ahead_notice_and_cancelled_windows_none(
    windows: Desk,
) -> None:
    desk = windows
    start = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
    late = s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="Late",
                                  starts_at=start, ends_at=start + timedelta(hours=1))  # fmt: skip
    gone = s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="Cancelled",
                                  starts_at=start, ends_at=start + timedelta(hours=1))  # fmt: skip
    s.cancel_maintenance(desk.uow, desk.clock, desk.admin, gone.scheduled_id or 0)
    with pytest.raises(NotFound):
        s.cancel_maintenance(desk.uow, desk.clock, desk.admin, gone.scheduled_id or 0)
    desk.clock.set(start + timedelta(minutes=30))  # the runner was down through the notice
    run = s.send_maintenance_notices(desk.uow, desk.clock, SYSTEM)
    assert run.notices == ((late.key, "start"),)


def test_only_admins_schedule_and_bad_windows_are_refused(windows: Desk) -> None:
    desk = windows
    start = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
    with pytest.raises(Forbidden):
        s.schedule_maintenance(desk.uow, desk.clock, desk.agent, title="x", starts_at=start,
                               ends_at=start + timedelta(hours=1))  # fmt: skip
    with pytest.raises(InvalidRequest, match="after"):
        s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="x", starts_at=start,
                               ends_at=start)  # fmt: skip
    with pytest.raises(InvalidRequest, match="time zone"):
        s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="x",
                               starts_at=datetime(2025, 3, 5, 12),  # noqa: DTZ001
                               ends_at=start + timedelta(hours=1))  # fmt: skip
    with pytest.raises(InvalidRequest, match="over"):
        s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="x",
                               starts_at=start - timedelta(days=9),
                               ends_at=start - timedelta(days=8))  # fmt: skip
    with pytest.raises(Forbidden):
        s.send_maintenance_notices(desk.uow, desk.clock, desk.bob)
