"""Small policies built straight from the model, and terse event constructors, for the SLA
tests. The calendar used by most tests is Buenos Aires, Mon-Fri 09:00-18:00 with Argentina's
public holidays: UTC-3 all year, so the open hours are 12:00-21:00 UTC.

March 2026: Mon 2, 9, 16, 23 (holiday: bridge), Tue 24 (holiday: Day of Remembrance);
weekends 7-8, 14-15, 21-22.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sladesk.calendar import Calendar
from sladesk.policy import (
    Conditions,
    Fulfilment,
    Metric,
    PauseCondition,
    Policy,
    Priority,
    Rule,
    StartEvent,
    Status,
    Target,
    TicketType,
    parse_duration,
    parse_threshold,
)
from sladesk.sla import Author, Evaluation, Event, EventKind, TargetResult, TicketFacts, evaluate

BA_SPEC: dict[str, Any] = {
    "timezone": "America/Argentina/Buenos_Aires",
    "hours": {"mon-fri": ["09:00-18:00"]},
    "holidays": {"country": "AR"},
}
BA = Calendar.from_spec(BA_SPEC)


def z(text: str) -> datetime:
    """``"2026-03-09T12:00Z"`` -> an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def target(
    metric: str,
    durations: Mapping[str, str] | str,
    *,
    pause_on: Sequence[str] = (),
    warn: Sequence[str] = (),
    start: str = "created",
    fulfilled_by: str | None = None,
    calendar: str = "ba",
) -> Target:
    if isinstance(durations, str):
        durations = dict.fromkeys(("urgent", "high", "normal"), durations)
    pauses = []
    for p in pause_on:
        status, _, reason = p.partition(":")
        pauses.append(PauseCondition(Status(status), reason or None))
    return Target(
        metric=Metric(metric),
        calendar=calendar,
        durations={k: parse_duration(v) for k, v in durations.items()},
        start=StartEvent(start),
        fulfilled_by=Fulfilment(fulfilled_by)
        if fulfilled_by
        else (Fulfilment.SOLVED if metric == "resolution" else Fulfilment.PUBLIC_REPLY),
        pause_on=tuple(pauses),
        warn=tuple(parse_threshold(w) for w in warn),
    )


def policy(*targets: Target, rules: Sequence[Rule] | None = None) -> Policy:
    """A policy with priorities urgent/high/normal, types incident/question (under SLA) and
    feature_request (outside), calendars ``ba`` and ``24x7``, and one catch-all rule holding
    ``targets`` unless ``rules`` are given."""
    return Policy(
        name="test",
        version="1",
        locales=("en",),
        calendars={"ba": BA, "24x7": Calendar.from_spec({"timezone": "UTC", "hours": "24x7"})},
        priorities=tuple(Priority(p, {"en": p}, {"en": p}) for p in ("urgent", "high", "normal")),
        default_priority="normal",
        types={
            "incident": TicketType("incident", {"en": "Incident"}, {"en": "-"}),
            "question": TicketType("question", {"en": "Question"}, {"en": "-"}),
            "feature_request": TicketType(
                "feature_request", {"en": "Feature request"}, {"en": "-"}, under_sla=False
            ),
        },
        plans={},
        addons={},
        channels=frozenset({"email", "portal"}),
        rules=tuple(rules) if rules is not None else (Rule("all", Conditions(), targets),),
    )


def created(at: str) -> Event:
    return Event(z(at), EventKind.CREATED)


def accepted(at: str) -> Event:
    return Event(z(at), EventKind.ACCEPTED)


def reply(at: str, public: bool = True) -> Event:
    return Event(z(at), EventKind.MESSAGE, author=Author.AGENT, public=public)


def customer(at: str) -> Event:
    return Event(z(at), EventKind.MESSAGE, author=Author.CUSTOMER)


def status(at: str, value: str, reason: str | None = None) -> Event:
    return Event(z(at), EventKind.STATUS, status=value, reason=reason)


def priority(at: str, value: str, reason: str | None = None) -> Event:
    return Event(z(at), EventKind.PRIORITY, priority=value, reason=reason)


def assigned(at: str, who: str | None = "ana@example.com") -> Event:
    return Event(z(at), EventKind.ASSIGNED, assignee=who)


def run(
    pol: Policy,
    events: Sequence[Event],
    now: str,
    *,
    prio: str = "high",
    kind: str = "incident",
    explain: bool = True,
) -> Evaluation:
    facts = TicketFacts(type=kind, priority=prio)
    return evaluate(pol, facts, events, z(now), explain=explain)


def only(evaluation: Evaluation, metric: str) -> TargetResult:
    found = [t for t in evaluation.targets if t.metric == metric]
    assert len(found) == 1, evaluation
    return found[0]
