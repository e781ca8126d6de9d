"""Ticket events <-> JSON rows. SLA events (``sladesk.sla.Event``) round-trip exactly;
other history kinds (SLA milestones, escalations) are stored but not fed to evaluation.

The packed history (``tickets.sla_history_packed``, migration 0022): a ticket's SLA events
as one text of lines ``<µs since the epoch>\t<kind>\t<data JSON>\n`` in history order,
appended to as events are (:func:`pack_history` writes lines; ``sladesk.sla``
``unpack_history`` reads them, with :func:`event_shape` for each distinct shape)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sladesk.sla import Author, Event, EventKind, TicketFacts, make_event
from sladesk.store._types import json_default

_SLA_KINDS = frozenset(k.value for k in EventKind)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a placeholder instant: each event gets its own
_US = timedelta(microseconds=1)


def event_data(event: Event) -> dict[str, Any]:
    """The kind-specific fields of ``event`` as plain JSON data."""
    data: dict[str, Any] = {}
    if event.kind is EventKind.MESSAGE:
        data["author"] = (event.author or Author.SYSTEM).value
        data["public"] = event.public
    if event.status is not None:
        data["status"] = event.status
    if event.reason is not None:
        data["reason"] = event.reason
    if event.priority is not None:
        data["priority"] = event.priority
    if event.type is not None:
        data["type"] = event.type
    if event.kind is EventKind.ASSIGNED:
        data["assignee"] = event.assignee
        data["team"] = event.team
    if event.attributes:
        data["attributes"] = dict(event.attributes)
    if event.tags is not None:
        data["tags"] = sorted(event.tags)
    return data


def event_from_row(kind: str, at: Any, data: Mapping[str, Any]) -> Event | None:
    """The SLA event a stored row records, or None for kinds evaluation does not read."""
    if kind not in _SLA_KINDS:
        return None
    tags = data.get("tags")
    return Event(
        at=at,
        kind=EventKind(kind),
        author=Author(data["author"]) if "author" in data else None,
        public=bool(data.get("public", True)),
        status=data.get("status"),
        reason=data.get("reason"),
        priority=data.get("priority"),
        type=data.get("type"),
        assignee=data.get("assignee"),
        team=data.get("team"),
        attributes=dict(data.get("attributes") or {}),
        tags=frozenset(tags) if tags is not None else None,
    )


def instant(value: datetime | str) -> datetime:
    """A stored instant read without the column type (SQLite's UTC text, PostgreSQL's aware
    datetime) as an aware UTC datetime."""
    if isinstance(value, str):  # SQLite: "2026-03-10 12:00:00.000000", UTC
        return datetime.fromisoformat(value + "+00:00")
    if value.tzinfo is UTC:
        return value
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def pack_history(entries: Iterable[tuple[str, datetime, Mapping[str, Any]]]) -> str:
    """The packed lines of the SLA events among ``(kind, at, data)`` history entries (other
    kinds are left out), in the order given: what is appended to a ticket's packed history
    when they are appended to its rows."""
    lines = []
    for kind, at, data in entries:
        if kind in _SLA_KINDS:
            us = (at - _EPOCH) // _US  # TypeError for a naive instant, as storing it would
            text = json.dumps(data, separators=(",", ":"), default=json_default)
            lines.append(f"{us}\t{kind}\t{text}\n")
    return "".join(lines)


def event_shape(shape: str) -> Event | None:
    """The event a packed line's shape (``kind\tdata``) records, at the epoch (the line's
    instant is its own); None for a kind evaluation does not read."""
    kind, _, data = shape.partition("\t")
    return event_from_row(kind, _EPOCH, json.loads(data) if data else {})


_Make = Callable[[datetime], Event]


class EventReader:
    """Raw history rows -> SLA events, fast: each distinct ``(kind, data text)`` is decoded
    once per reader (a batch's rows repeat a few dozen shapes), and each event is then one
    positional constructor call. For bulk reads (the sweep, back-tests); the events equal
    :func:`event_from_row`'s."""

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str | None], _Make | None] = {}

    def read(self, kind: str, at: datetime | str, data: str | None) -> Event | None:
        key = (kind, data)
        try:
            make = self._memo[key]
        except KeyError:
            make = self._memo[key] = _maker(kind, data)
        return None if make is None else make(instant(at))


def _maker(kind: str, data: str | None) -> _Make | None:
    proto = event_from_row(kind, _EPOCH, json.loads(data) if data else {})
    if proto is None:
        return None
    rest = (proto.kind, proto.author, proto.public, proto.status, proto.reason, proto.priority,
            proto.type, proto.assignee, proto.team, proto.attributes, proto.tags)  # fmt: skip

    def make(at: datetime) -> Event:
        return make_event(at, *rest)

    return make


def sla_events(rows: Iterable[tuple[str, Any, Mapping[str, Any]]]) -> list[Event]:
    out = []
    for kind, at, data in rows:
        e = event_from_row(kind, at, data)
        if e is not None:
            out.append(e)
    return out


def facts_data(facts: TicketFacts, *, accepted: bool) -> dict[str, Any]:
    """The JSON of ``tickets.facts``: ``facts`` and whether support accepted the ticket."""
    data: dict[str, Any] = {
        "type": facts.type, "priority": facts.priority, "plan": facts.plan,
        "addons": sorted(facts.addons), "channel": facts.channel,
        "organization": facts.organization, "tags": sorted(facts.tags),
        "attributes": dict(facts.attributes),
    }  # fmt: skip
    if accepted:
        data["accepted"] = True
    return data


def facts_from_data(f: Mapping[str, Any]) -> TicketFacts:
    """The facts SLA rules match on, from the JSON of ``tickets.facts`` (as the ticket was
    created)."""
    return TicketFacts(
        type=str(f["type"]),
        priority=str(f["priority"]),
        plan=f.get("plan"),
        addons=frozenset(f.get("addons", ())),
        channel=f.get("channel"),
        organization=f.get("organization"),
        tags=frozenset(f.get("tags", ())),
        attributes=dict(f.get("attributes", {})),
    )
