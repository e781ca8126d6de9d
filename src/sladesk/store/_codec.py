"""Ticket events <-> JSON rows. SLA events (``sladesk.sla.Event``) round-trip exactly;
other history kinds (SLA milestones, escalations) are stored but not fed to evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sladesk.sla import Author, Event, EventKind, TicketFacts

_SLA_KINDS = frozenset(k.value for k in EventKind)


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
