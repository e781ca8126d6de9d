"""Scenario files: one ticket, its event history, ``now`` and the expected outcome.

A scenario (YAML, see examples/README.md) is how a team tests its policy::

    ticket: {type: incident, priority: urgent, plan: pro, channel: email}
    events:
      - {at: "2026-03-06T20:00:00Z", type: created}
      - {at: "2026-03-09T12:10:00Z", type: message, author: agent, public: true}
    now: "2026-03-12T00:00:00Z"
    expect: {first_response: {state: met, used: 1h10m}}

Every problem is a :class:`~sladesk.errors.ScenarioError` at ``file:line:col`` with its field
path. Instants must carry a UTC offset. :func:`check_expectations` compares an evaluation
with the ``expect`` block: instants as instants (``started_at``, ``due_at``,
``due_if_resumed_at``, ``fulfilled_at``, ``breached_at``; ``null`` expects none),
``used``/``left``/``target`` as durations (``3h30m``, ``-30m`` or seconds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sladesk.errors import Location, ScenarioError, SpecError
from sladesk.sla._explain import format_duration, format_instant
from sladesk.sla._model import (
    Author,
    Cycle,
    Evaluation,
    Event,
    EventKind,
    TargetResult,
    TicketFacts,
)
from sladesk.yaml_source import Document, PathPart, load_yaml

_TOP_KEYS = ("ticket", "events", "now", "expect", "description")
_TICKET_KEYS = (
    "type",
    "priority",
    "plan",
    "addons",
    "channel",
    "organization",
    "tags",
    "attributes",
)
_EVENT_KEYS = (
    "at",
    "type",
    "author",
    "public",
    "status",
    "reason",
    "priority",
    "ticket_type",
    "assignee",
    "team",
    "attributes",
    "tags",
)
#: the field each event kind cannot do without
_EVENT_NEEDS = {
    EventKind.MESSAGE: "author",
    EventKind.STATUS: "status",
    EventKind.PRIORITY: "priority",
    EventKind.TYPE: "ticket_type",
}
_STATES = ("pending", "running", "paused", "met", "breached")
_CYCLE_INSTANT_KEYS = ("started_at", "due_at", "fulfilled_at", "breached_at")
#: a target's instants: a cycle's, and the deadline a paused target would have if resumed now
_INSTANT_KEYS = (*_CYCLE_INSTANT_KEYS, "due_if_resumed_at")
_DURATION_KEYS = ("used", "left", "target")
_EXPECT_KEYS = ("state", *_INSTANT_KEYS, *_DURATION_KEYS, "priority", "calendar", "cycles")
_CYCLE_KEYS = ("state", *_CYCLE_INSTANT_KEYS)
_DURATION_RE = re.compile(r"^(-)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario. ``expect`` maps a metric to its expected fields (instants as aware
    datetimes, durations as timedeltas, ``cycles`` as a count or a list of mappings), plus
    optionally ``sla: "none"`` and ``rule``."""

    ticket: TicketFacts
    events: tuple[Event, ...]
    now: datetime
    expect: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<scenario>"
    description: str = ""


def load_scenario_file(path: str | Path) -> Scenario:
    """Read and parse the scenario at ``path`` (errors name the file)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario: {exc.strerror}", Location(str(p))) from exc
    return load_scenario(text, str(p))


def load_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Parse scenario text; raise :class:`ScenarioError` naming file, line, column, field."""
    try:
        doc = load_yaml(text, source)
    except ScenarioError:
        raise
    except SpecError as exc:
        raise ScenarioError(exc.message, exc.location) from exc
    return _Reader(doc).scenario()


class _Reader:
    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def fail(self, path: Sequence[PathPart], message: str) -> ScenarioError:
        return ScenarioError(message, self.doc.where(path))

    def mapping(
        self, value: object, path: tuple[PathPart, ...], keys: Sequence[str]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_show(value)}")
        for key in value:
            if key not in keys:
                raise self.fail(
                    (*path, key), f"unknown field {key!r} (expected one of: {', '.join(keys)})"
                )
        return value

    def text(self, value: object, path: tuple[PathPart, ...]) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(path, f"expected text, got {_show(value)}")
        return str(value)

    def strings(self, value: object, path: tuple[PathPart, ...]) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_show(value)}")
        return frozenset(self.text(v, (*path, i)) for i, v in enumerate(value))

    def attributes(self, value: object, path: tuple[PathPart, ...]) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping of attribute -> value, got {_show(value)}")
        return {str(k): self.text(v, (*path, k)) for k, v in value.items()}

    def instant(self, value: object, path: tuple[PathPart, ...]) -> datetime:
        t: datetime | None = None
        if isinstance(value, str):
            try:
                t = datetime.fromisoformat(value.strip())
            except ValueError:
                t = None
        if t is None:
            raise self.fail(
                path,
                f"expected an ISO 8601 instant such as 2026-03-06T20:00:00Z, got {_show(value)}",
            )
        if t.tzinfo is None or t.utcoffset() is None:
            raise self.fail(path, f"instant {value!r} needs a UTC offset (e.g. Z or -03:00)")
        return t

    def duration(self, value: object, path: tuple[PathPart, ...]) -> timedelta:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(seconds=value)
        if isinstance(value, str):
            m = _DURATION_RE.match(value.strip())
            if m and any(m.group(i) for i in (2, 3, 4)):
                sign, hours, minutes, seconds = m.groups()
                d = timedelta(
                    hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0)
                )
                return -d if sign else d
        raise self.fail(
            path, f"expected a duration such as 3h30m, -30m or 90 (seconds), got {_show(value)}"
        )

    def scenario(self) -> Scenario:
        top = self.mapping(self.doc.data, (), _TOP_KEYS)
        for key in ("ticket", "events", "now"):
            if key not in top:
                raise self.fail((), f"missing field {key!r}")
        ticket = self.ticket(top["ticket"])
        raw_events = top["events"]
        if raw_events is None:
            raw_events = []
        if not isinstance(raw_events, list):
            raise self.fail(("events",), f"expected a list of events, got {_show(raw_events)}")
        events = tuple(self.event(e, ("events", i)) for i, e in enumerate(raw_events))
        now = self.instant(top["now"], ("now",))
        expect = self.expect(top.get("expect"))
        description = top.get("description")
        return Scenario(
            ticket,
            events,
            now,
            expect,
            self.doc.source,
            "" if description is None else str(description),
        )

    def ticket(self, value: object) -> TicketFacts:
        path: tuple[PathPart, ...] = ("ticket",)
        raw = self.mapping(value, path, _TICKET_KEYS)
        for key in ("type", "priority"):
            if raw.get(key) is None:
                raise self.fail((*path, key) if key in raw else path, f"missing field {key!r}")

        def opt(key: str) -> str | None:
            v = raw.get(key)
            return None if v is None else self.text(v, (*path, key))

        return TicketFacts(
            type=self.text(raw["type"], (*path, "type")),
            priority=self.text(raw["priority"], (*path, "priority")),
            plan=opt("plan"),
            addons=self.strings(raw.get("addons"), (*path, "addons")),
            channel=opt("channel"),
            organization=opt("organization"),
            tags=self.strings(raw.get("tags"), (*path, "tags")),
            attributes=self.attributes(raw.get("attributes"), (*path, "attributes")),
        )

    def event(self, value: object, path: tuple[PathPart, ...]) -> Event:
        raw = self.mapping(value, path, _EVENT_KEYS)
        if "at" not in raw:
            raise self.fail(path, "missing field 'at'")
        at = self.instant(raw["at"], (*path, "at"))
        if "type" not in raw:
            raise self.fail(path, "missing field 'type' (the kind of event)")
        try:
            kind = EventKind(raw["type"])
        except ValueError:
            kinds = ", ".join(k.value for k in EventKind)
            raise self.fail(
                (*path, "type"),
                f"unknown event type {_show(raw['type'])} (expected one of: {kinds})",
            ) from None
        needed = _EVENT_NEEDS.get(kind)
        if needed is not None and raw.get(needed) is None:
            raise self.fail(path, f"a {kind.value} event needs field {needed!r}")
        author = None
        if raw.get("author") is not None:
            try:
                author = Author(raw["author"])
            except ValueError:
                raise self.fail(
                    (*path, "author"),
                    f"unknown author {_show(raw['author'])} (expected customer, agent or system)",
                ) from None
        public = raw.get("public", True)
        if not isinstance(public, bool):
            raise self.fail((*path, "public"), f"expected true or false, got {_show(public)}")

        def opt(key: str) -> str | None:
            v = raw.get(key)
            return None if v is None else self.text(v, (*path, key))

        return Event(
            at=at,
            kind=kind,
            author=author,
            public=public,
            status=opt("status"),
            reason=opt("reason"),
            priority=opt("priority"),
            type=opt("ticket_type"),
            assignee=opt("assignee"),
            team=opt("team"),
            attributes=self.attributes(raw.get("attributes"), (*path, "attributes")),
            tags=None if raw.get("tags") is None else self.strings(raw["tags"], (*path, "tags")),
        )

    def expect(self, value: object) -> dict[str, Any]:
        if value is None:
            return {}
        path: tuple[PathPart, ...] = ("expect",)
        if not isinstance(value, dict):
            raise self.fail(
                path, f"expected a mapping of metric -> expectations, got {_show(value)}"
            )
        out: dict[str, Any] = {}
        for metric, fields in value.items():
            where = (*path, metric)
            if metric == "sla":
                if fields not in ("none", None, False):
                    raise self.fail(
                        where, f"the only expectation for sla is none, got {_show(fields)}"
                    )
                out["sla"] = "none"
                continue
            if metric == "rule":
                out["rule"] = None if fields is None else self.text(fields, where)
                continue
            out[str(metric)] = self.target_expect(fields, where)
        return out

    def target_expect(self, value: object, path: tuple[PathPart, ...]) -> dict[str, Any]:
        raw = self.mapping(value, path, _EXPECT_KEYS)
        out: dict[str, Any] = {}
        for key, v in raw.items():
            where = (*path, key)
            if key == "state":
                if v not in _STATES:
                    raise self.fail(
                        where, f"unknown state {_show(v)} (expected one of: {', '.join(_STATES)})"
                    )
                out[key] = v
            elif key in _INSTANT_KEYS:
                out[key] = None if v is None else self.instant(v, where)
            elif key in _DURATION_KEYS:
                out[key] = None if v is None else self.duration(v, where)
            elif key == "cycles":
                if isinstance(v, int) and not isinstance(v, bool):
                    out[key] = v
                elif isinstance(v, list):
                    out[key] = [self.cycle_expect(c, (*where, i)) for i, c in enumerate(v)]
                else:
                    raise self.fail(where, f"expected a count or a list of cycles, got {_show(v)}")
            else:
                out[key] = None if v is None else self.text(v, where)
        return out

    def cycle_expect(self, value: object, path: tuple[PathPart, ...]) -> dict[str, Any]:
        raw = self.mapping(value, path, _CYCLE_KEYS)
        out: dict[str, Any] = {}
        for key, v in raw.items():
            if key == "state":
                out[key] = str(v)
            else:
                out[key] = None if v is None else self.instant(v, (*path, key))
        return out


def _show(value: object) -> str:
    if value is None:
        return "nothing"
    return repr(value)


def check_expectations(evaluation: Evaluation, expect: Mapping[str, Any]) -> list[str]:
    """Every way ``evaluation`` differs from ``expect`` (as read by :func:`load_scenario`),
    one line each, e.g. ``first_response.due_at: expected 2026-03-09T15:00:00Z, got
    2026-03-09T16:00:00Z``. An empty list means the scenario passes."""
    out: list[str] = []
    if expect.get("sla") == "none" and evaluation.targets:
        metrics = ", ".join(t.metric for t in evaluation.targets)
        out.append(f"sla: expected no SLA, got rule {evaluation.rule} with targets {metrics}")
    if "rule" in expect and expect["rule"] != evaluation.rule:
        out.append(f"rule: expected {expect['rule']}, got {evaluation.rule}")
    by_metric = {t.metric: t for t in evaluation.targets}
    for metric, fields in expect.items():
        if metric in ("sla", "rule"):
            continue
        found = by_metric.get(metric)
        if found is None:
            why = f" ({evaluation.reason})" if evaluation.reason else ""
            out.append(f"{metric}: expected a target, got none{why}")
            continue
        out.extend(_check_target(metric, found, fields, format_instant))
    return out


def _check_target(metric: str, t: TargetResult, fields: Mapping[str, Any], fmt: Any) -> list[str]:
    out: list[str] = []
    for key, want in fields.items():
        if key == "cycles":
            out.extend(_check_cycles(metric, t.cycles, want, fmt))
            continue
        got: Any = getattr(t, key)
        if key in _INSTANT_KEYS:
            if got != want:
                out.append(
                    f"{metric}.{key}: expected {_fmt_opt(want, fmt)}, got {_fmt_opt(got, fmt)}"
                )
        elif key in _DURATION_KEYS:
            if got != want:
                out.append(f"{metric}.{key}: expected {_dur(want)}, got {_dur(got)}")
        elif str(got) != str(want):
            out.append(f"{metric}.{key}: expected {want}, got {got}")
    return out


def _check_cycles(metric: str, cycles: tuple[Cycle, ...], want: Any, fmt: Any) -> list[str]:
    if isinstance(want, int):
        if len(cycles) != want:
            return [f"{metric}.cycles: expected {want} cycle(s), got {len(cycles)}"]
        return []
    out: list[str] = []
    if len(cycles) != len(want):
        out.append(f"{metric}.cycles: expected {len(want)} cycle(s), got {len(cycles)}")
    for i, (c, w) in enumerate(zip(cycles, want, strict=False)):
        for key, value in w.items():
            got = getattr(c, key)
            if key == "state":
                if str(got) != value:
                    out.append(f"{metric}.cycles[{i}].state: expected {value}, got {got}")
            elif got != value:
                out.append(
                    f"{metric}.cycles[{i}].{key}: expected {_fmt_opt(value, fmt)}, "
                    f"got {_fmt_opt(got, fmt)}"
                )
    return out


def _fmt_opt(t: datetime | None, fmt: Any) -> str:
    return "none" if t is None else str(fmt(t))


def _dur(d: timedelta | None) -> str:
    return "none" if d is None else format_duration(d)
