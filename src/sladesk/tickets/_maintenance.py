"""Maintenance windows: which windows come next, and which notices are due, at ``now``.

A window is either *recurring* (the open time of the policy's maintenance calendar, e.g.
Blip Go!'s ``23:00-05:00`` in ``Etc/GMT+3``) or *scheduled* (a one-off window an admin
declared). Each has a stable key, so a notice about it is recorded, and sent, once:
``policy:<calendar>:<start in UTC>`` or ``scheduled:<id>``.

Two notices per window (docs/policies.md "Maintenance windows"):

- ``ahead``: due from ``start - notice_before`` until the window starts. A runner that was
  down past the start sends no late "ahead" notice: the ``start`` notice says it all.
- ``start``: due while the window runs (``start <= now < end``), when the policy says
  ``notify_at_start``.

Recurring windows are mailed only when the policy says ``mail_recurring`` (the portal banner
shows them either way). Pure: the caller gives the policy, the scheduled windows and ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sladesk.policy import Policy

__all__ = [
    "MaintenanceNotice",
    "MaintenanceWindow",
    "banner_window",
    "maintenance_notices_due",
    "next_window",
    "recurring_key",
    "upcoming_windows",
]

#: how far ahead :func:`upcoming_windows` looks by default
DEFAULT_HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    key: str  # policy:<calendar>:<start UTC ISO> | scheduled:<id>
    starts_at: datetime
    ends_at: datetime
    recurring: bool
    title: str = ""  # a scheduled window's title; "" for a recurring one
    description: str = ""
    scheduled_id: int | None = None

    def running(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True, slots=True)
class MaintenanceNotice:
    window: MaintenanceWindow
    kind: str  # ahead | start
    mail: bool  # False: shown on the portal only (a recurring window, mail_recurring off)


def recurring_key(calendar: str, starts_at: datetime) -> str:
    return f"policy:{calendar}:{starts_at.astimezone(UTC).isoformat()}"


def upcoming_windows(
    policy: Policy | None,
    scheduled: Iterable[MaintenanceWindow],
    *,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
) -> list[MaintenanceWindow]:
    """Every window running at ``now`` or starting before ``now + horizon``, soonest first:
    the recurring ones of the policy's maintenance calendar and the ``scheduled`` ones."""
    if now.tzinfo is None:
        raise ValueError("upcoming_windows needs an aware now")
    end = now + horizon
    out = [w for w in scheduled if w.ends_at > now and w.starts_at < end]
    spec = policy.maintenance if policy is not None else None
    if spec is not None and spec.calendar is not None and policy is not None:
        cal = policy.calendars[spec.calendar]
        for a, b in cal.windows(now, end):
            out.append(MaintenanceWindow(recurring_key(spec.calendar, a), a, b, True))
    return sorted(out, key=lambda w: (w.starts_at, w.ends_at, w.key))


def next_window(
    policy: Policy | None, scheduled: Iterable[MaintenanceWindow], *, now: datetime
) -> MaintenanceWindow | None:
    """The window running at ``now``, else the next one to start (within the horizon)."""
    found = upcoming_windows(policy, scheduled, now=now)
    return found[0] if found else None


def maintenance_notices_due(
    policy: Policy | None, scheduled: Iterable[MaintenanceWindow], *, now: datetime
) -> list[MaintenanceNotice]:
    """The notices due at ``now`` (see the module docstring), whether sent before or not:
    the caller records each ``(window.key, kind)`` once and sends only what it recorded."""
    spec = policy.maintenance if policy is not None else None
    lead = spec.notice_before if spec is not None else timedelta(hours=24)
    at_start = spec.notify_at_start if spec is not None else True
    mail_recurring = spec.mail_recurring if spec is not None else False
    out: list[MaintenanceNotice] = []
    for w in upcoming_windows(policy, scheduled, now=now, horizon=lead + timedelta(seconds=1)):
        mail = mail_recurring or not w.recurring
        if w.starts_at - lead <= now < w.starts_at:
            out.append(MaintenanceNotice(w, "ahead", mail))
        elif w.running(now) and at_start:
            out.append(MaintenanceNotice(w, "start", mail))
    return out


def banner_window(
    policy: Policy | None, scheduled: Iterable[MaintenanceWindow], *, now: datetime
) -> MaintenanceWindow | None:
    """The window the portal's banner shows at ``now``: one running, else the next one
    starting within the policy's ``notice_before``."""
    spec = policy.maintenance if policy is not None else None
    lead = spec.notice_before if spec is not None else timedelta(hours=24)
    found = upcoming_windows(policy, scheduled, now=now, horizon=lead + timedelta(microseconds=1))
    return found[0] if found else None
