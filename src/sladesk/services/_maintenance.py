"""Maintenance windows: the schedule (the policy's recurring windows and the one-off windows
admins schedule), and the notices customers get ahead of a window and when it starts.

Which windows come and which notices are due is the pure rule of
:mod:`sladesk.tickets` (``upcoming_windows``, ``maintenance_notices_due``, ``now`` a
parameter). :func:`send_maintenance_notices` (run by the job runner) records each due notice
once in ``maintenance_notices`` (a unique key per window and kind, so two runners cannot both
send it) and queues one ``maintenance`` outbox row per customer contact, in their language and
time zone; the mail sender delivers them (``channels/email``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sladesk.calendar import describe_hours
from sladesk.policy import Policy
from sladesk.services.clock import Clock
from sladesk.store import MaintenanceRepository, ScheduledWindowRow, UnitOfWork
from sladesk.tickets import (
    Actor,
    Forbidden,
    InvalidRequest,
    MaintenanceWindow,
    NotFound,
    banner_window,
    check_storable_text,
    mail_reachable,
    maintenance_notices_due,
    upcoming_windows,
)

__all__ = [
    "MAINTENANCE_KIND",
    "MaintenanceSchedule",
    "NoticeRun",
    "cancel_maintenance",
    "maintenance_schedule",
    "schedule_maintenance",
    "send_maintenance_notices",
]

#: the outbox kind of a maintenance notice to one customer
MAINTENANCE_KIND = "maintenance"
#: how far ahead an admin may schedule, and the longest window
_MAX_AHEAD = timedelta(days=366)
_MAX_LENGTH = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class MaintenanceSchedule:
    now: datetime
    windows: tuple[MaintenanceWindow, ...]  # running or upcoming, soonest first
    banner: MaintenanceWindow | None  # what the portal's banner shows now
    notice_before: timedelta
    text: Mapping[str, str]  # the policy's words for customers, by locale
    calendar: str | None  # the policy's maintenance calendar (recurring windows)
    calendar_zone: str | None
    calendar_hours: str | None  # the recurring windows' hours, e.g. mon-sun 23:00-05:00
    mail_recurring: bool
    notify_at_start: bool


@dataclass(frozen=True, slots=True)
class NoticeRun:
    now: datetime
    notices: tuple[tuple[str, str], ...]  # (window key, kind) recorded by this run
    messages: int  # outbox rows queued (one per customer contact and notice)


def _policy(uow: UnitOfWork) -> Policy | None:
    return uow.policies.parsed(uow.policies.current_id())


def _scheduled(rows: list[ScheduledWindowRow]) -> list[MaintenanceWindow]:
    return [
        MaintenanceWindow(
            f"scheduled:{r.id}", r.starts_at, r.ends_at, False, r.title, r.description, r.id
        )  # fmt: skip
        for r in rows
    ]


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins can schedule maintenance windows")


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest(f"{field} needs a time zone (e.g. 2026-12-10T23:00:00-03:00)",
                             field=field)  # fmt: skip
    return value.astimezone(UTC)


def schedule_maintenance(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
) -> MaintenanceWindow:
    """A one-off window (admins). Customers are told as for the policy's windows."""
    _require_admin(actor)
    now = clock.now()
    title = title.strip()
    if not title:
        raise InvalidRequest("a maintenance window needs a title", field="title")
    if len(title) > 300:
        raise InvalidRequest("the title is longer than 300 characters", field="title")
    check_storable_text(title, field="title")
    check_storable_text(description, field="description")
    start = _aware(starts_at, "starts_at")
    end = _aware(ends_at, "ends_at")
    if end <= start:
        raise InvalidRequest("ends_at must be after starts_at", field="ends_at")
    if end - start > _MAX_LENGTH:
        raise InvalidRequest("a maintenance window lasts at most 7 days", field="ends_at")
    if end <= now:
        raise InvalidRequest("the window is already over", field="ends_at")
    if start - now > _MAX_AHEAD:
        raise InvalidRequest("a window is scheduled at most a year ahead", field="starts_at")
    with uow:
        repo = MaintenanceRepository(uow.db)
        window_id = repo.add_window(title, description.strip(), start, end, actor.key, now)
        uow.audit.add(now, actor.key, "sladesk.maintenance.scheduled",
                      {"window_id": window_id, "starts_at": start.isoformat(),
                       "ends_at": end.isoformat(), "title": title})  # fmt: skip
        uow.commit()
    return MaintenanceWindow(f"scheduled:{window_id}", start, end, False, title,
                             description.strip(), window_id)  # fmt: skip


def cancel_maintenance(uow: UnitOfWork, clock: Clock, actor: Actor, window_id: int) -> None:
    """Cancel a scheduled window (admins); notices already sent stay recorded."""
    _require_admin(actor)
    now = clock.now()
    with uow:
        repo = MaintenanceRepository(uow.db)
        row = repo.window(window_id, for_update=True)
        if row is None or row.cancelled_at is not None:
            raise NotFound("maintenance window", window_id)
        repo.cancel_window(window_id, now)
        uow.audit.add(now, actor.key, "sladesk.maintenance.cancelled", {"window_id": window_id})
        uow.commit()


def maintenance_schedule(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, days: int = 14
) -> MaintenanceSchedule:
    """The windows running now or starting within ``days`` (any signed-in person: customers
    are meant to see them), and the one the portal's banner shows."""
    if not 1 <= days <= 366:
        raise InvalidRequest("days must be between 1 and 366", field="days")
    now = clock.now()
    with uow.read_only():
        policy = _policy(uow)
        scheduled = _scheduled(MaintenanceRepository(uow.db).windows(ending_after=now))
    windows = upcoming_windows(policy, scheduled, now=now, horizon=timedelta(days=days))
    spec = policy.maintenance if policy is not None else None
    cal = policy.calendars.get(spec.calendar) if policy and spec and spec.calendar else None
    return MaintenanceSchedule(
        now=now,
        windows=tuple(windows),
        banner=banner_window(policy, scheduled, now=now),
        notice_before=spec.notice_before if spec is not None else timedelta(hours=24),
        text=dict(spec.text) if spec is not None else {},
        calendar=spec.calendar if spec is not None else None,
        calendar_zone=cal.timezone.key if cal is not None else None,
        calendar_hours=describe_hours(cal.spec) if cal is not None else None,
        mail_recurring=spec.mail_recurring if spec is not None else False,
        notify_at_start=spec.notify_at_start if spec is not None else True,
    )


def _payload(
    kind: str, window: MaintenanceWindow, who: Any, text: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    return {
        "event": f"maintenance.{kind}",
        "at": now.isoformat(),
        "recipient": {"kind": "contact", "id": who.contact_id},
        "name": who.name,
        "address": who.email,
        "locale": who.locale,
        "time_zone": who.time_zone,
        "window": {
            "key": window.key,
            "starts_at": window.starts_at.isoformat(),
            "ends_at": window.ends_at.isoformat(),
            "recurring": window.recurring,
            "title": window.title,
            "description": window.description,
        },
        "text": dict(text),
    }


def send_maintenance_notices(uow: UnitOfWork, clock: Clock, actor: Actor) -> NoticeRun:
    """Record and queue every maintenance notice due now that no run has sent yet: one
    transaction; a notice already recorded (by this or another runner) is not queued again."""
    if not actor.is_admin:
        raise Forbidden("only admins (and the job runner) send maintenance notices")
    now = clock.now()
    with uow:
        repo = MaintenanceRepository(uow.db)
        policy = _policy(uow)
        scheduled = _scheduled(repo.windows(ending_after=now))
        due = maintenance_notices_due(policy, scheduled, now=now)
        if not due:
            uow.rollback()
            return NoticeRun(now, (), 0)
        spec = policy.maintenance if policy is not None else None
        text = dict(spec.text) if spec is not None else {}
        # a contact known only by a chat number has a placeholder address: not mailed
        audience = [who for who in (repo.audience() if any(n.mail for n in due) else [])
                    if mail_reachable(who.email)]  # fmt: skip
        recorded: list[tuple[str, str]] = []
        rows: list[tuple[str, str, dict[str, Any]]] = []
        for notice in due:
            w = notice.window
            people = audience if notice.mail else []
            if not repo.record_notice(w.key, notice.kind, w.starts_at, w.ends_at, now,
                                      len(people)):  # fmt: skip
                continue
            recorded.append((w.key, notice.kind))
            for who in people:
                key = f"maintenance:{w.key}:{notice.kind}:contact:{who.contact_id}"
                rows.append((MAINTENANCE_KIND, key, _payload(notice.kind, w, who, text, now)))
        uow.outbox.add_many(rows, now)
        for window_key, kind in recorded:
            uow.audit.add(now, actor.key, "sladesk.maintenance.notified",
                          {"window": window_key, "kind": kind})  # fmt: skip
        uow.commit()
    return NoticeRun(now, tuple(recorded), len(rows))
