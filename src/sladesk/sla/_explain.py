"""Evaluations as data for people and programs: instants as ISO 8601 UTC
(``2026-03-09T12:10:00Z``), durations as ``3h30m``, and :func:`evaluation_to_json`, the
machine form printed by ``sladesk policy explain --json``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sladesk.sla._model import Cycle, Evaluation, Segment, TargetResult, Warning


def format_instant(t: datetime) -> str:
    """An aware instant as ISO 8601 UTC with a ``Z``; microseconds only when present."""
    u = t.astimezone(UTC)
    spec = "seconds" if u.microsecond == 0 else "microseconds"
    return u.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def format_duration(d: timedelta) -> str:
    """``timedelta(hours=3, minutes=30)`` -> ``3h30m``; negative -> ``-30m``; zero -> ``0s``."""
    us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    sign = "-" if us < 0 else ""
    us = abs(us)
    seconds, micro = divmod(us, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = ""
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if secs or micro:
        out += f"{secs}.{micro:06d}".rstrip("0").rstrip(".") + "s"
    return sign + (out or "0s")


def _seconds(d: timedelta | None) -> int | float | None:
    if d is None:
        return None
    s = d.total_seconds()
    return int(s) if s == int(s) else s


def _instant(t: datetime | None) -> str | None:
    return None if t is None else format_instant(t)


def _cycle(c: Cycle) -> dict[str, Any]:
    return {
        "started_at": _instant(c.started_at),
        "due_at": _instant(c.due_at),
        "fulfilled_at": _instant(c.fulfilled_at),
        "breached_at": _instant(c.breached_at),
        "state": str(c.state),
    }


def _warning(w: Warning) -> dict[str, Any]:
    return {"threshold": w.threshold, "at": _instant(w.at), "passed": w.passed}


def _segment(s: Segment) -> dict[str, Any]:
    return {
        "start": _instant(s.start),
        "end": _instant(s.end),
        "kind": s.kind,
        "why": s.why,
        "due_at": _instant(s.due_at),
        "used_seconds": _seconds(s.used),
    }


def target_to_json(t: TargetResult) -> dict[str, Any]:
    return {
        "metric": t.metric,
        "calendar": t.calendar,
        "priority": t.priority,
        "target": t.target_text,
        "target_seconds": _seconds(t.target),
        "state": str(t.state),
        "started_at": _instant(t.started_at),
        "due_at": _instant(t.due_at),
        "due_if_resumed_at": _instant(t.due_if_resumed_at),
        "fulfilled_at": _instant(t.fulfilled_at),
        "breached_at": _instant(t.breached_at),
        "used_seconds": _seconds(t.used),
        "left_seconds": _seconds(t.left),
        "cycles": [_cycle(c) for c in t.cycles],
        "warnings": [_warning(w) for w in t.warnings],
        "timeline": [_segment(s) for s in t.timeline],
    }


def evaluation_to_json(evaluation: Evaluation) -> dict[str, Any]:
    """``{"policy", "version", "rule", "targets": [...]}`` plus ``reason`` and
    ``next_event_at``; each target has ``metric``, ``calendar``, ``target_seconds``,
    ``state``, ``started_at``, ``due_at``, ``due_if_resumed_at`` (a paused target's deadline
    if its clock resumed at ``now``; a running one's ``due_at``), ``fulfilled_at``,
    ``breached_at``, ``used_seconds``, ``left_seconds``, ``cycles``, and also ``priority``,
    ``target`` (as written), ``warnings`` and ``timeline``. Instants are ISO 8601 UTC, or
    null."""
    return {
        "policy": evaluation.policy,
        "version": evaluation.version,
        "rule": evaluation.rule,
        "reason": evaluation.reason,
        "next_event_at": _instant(evaluation.next_event_at),
        "targets": [target_to_json(t) for t in evaluation.targets],
    }
