"""Side effects of ticket changes, as outbox rows (delivered after commit by jobs, deduped
by key) and audit rows with dotted codes. Words come later: payloads carry codes and data.

Outbox kinds: ``webhook`` (payload ``event`` such as ``ticket.replied``) and ``notify``
(payload ``to``: ``requester``, ``assignee``, ``team:<t>``, ``role:<r>``; ``template``: the
same event code; ``locale``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sladesk.store import AuditRow, StoredTicket, UnitOfWork
from sladesk.tickets import Actor

#: command code -> (webhook event, audiences told)
_EFFECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "created": ("ticket.created", ("requester", "team")),
    "accepted": ("ticket.accepted", ("requester",)),
    "replied.agent": ("ticket.replied", ("requester",)),
    "replied.customer": ("ticket.replied", ("assignee",)),
    "note.added": ("ticket.note_added", ("assignee",)),
    "call.logged": ("ticket.call_logged", ("requester",)),
    "assigned": ("ticket.assigned", ("assignee",)),
    "status.changed": ("ticket.status_changed", ("requester",)),
    "priority.changed": ("ticket.priority_changed", ("requester", "assignee")),
    "type.changed": ("ticket.type_changed", ()),
    "solved": ("ticket.solved", ("requester",)),
    "reopened": ("ticket.reopened", ("assignee",)),
    "closed": ("ticket.closed", ()),
    "quota.exceeded": ("ticket.over_quota", ("requester",)),
    "community.answered": ("ticket.community_answered", ("requester",)),
}


class TicketFields(Protocol):
    """What a side effect tells of its ticket: a stored ticket (``StoredTicket``) or, for a
    ticket being created, its view (``TicketView``) both have these."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def subject(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def organization_id(self) -> int | None: ...
    @property
    def requester_id(self) -> int | None: ...
    @property
    def assignee_id(self) -> int | None: ...
    @property
    def team(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Effects:
    """The audit entry and the outbox messages (kind, key, payload) of one change."""

    audit: AuditRow
    outbox: list[tuple[str, str, dict[str, Any]]]


def ticket_payload(ticket: TicketFields) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "organization_id": ticket.organization_id,
        "requester_id": ticket.requester_id,
        "assignee_id": ticket.assignee_id,
        "team": ticket.team,
    }


def record_ticket_change(
    uow: UnitOfWork,
    actor: Actor,
    ticket: StoredTicket,
    code: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    *,
    locale: str = "en",
    seq: int | None = None,
) -> None:
    """Audit row ``sladesk.ticket.<code>`` plus the outbox rows the change calls for (one
    statement each). The dedupe key is the ticket's history position (``seq``, by default
    the ticket's last), so a retried transaction cannot queue twice."""
    effects = ticket_change(actor, ticket, code, now, data or {}, locale=locale,
                            seq=ticket.last_seq if seq is None else seq)  # fmt: skip
    uow.gateway.record_effects([effects.audit], effects.outbox, now)


def ticket_change(
    actor: Actor,
    ticket: TicketFields,
    code: str,
    now: datetime,
    data: dict[str, Any],
    *,
    locale: str,
    seq: int,
) -> Effects:
    """What :func:`record_ticket_change` writes, without writing it (a use case with
    several changes writes them all in one statement per table)."""
    audit = AuditRow(now, actor.key, f"sladesk.ticket.{code}", data, ticket_id=ticket.id)
    event, audiences = _EFFECTS[code]
    body = {"event": event, "at": now.isoformat(), "actor": actor.key,
            "ticket": ticket_payload(ticket), "data": data}  # fmt: skip
    messages: list[tuple[str, str, dict[str, Any]]] = [
        ("webhook", f"webhook:{event}:{ticket.id}:{seq}", body)
    ]
    for audience in audiences:
        to = _recipient(ticket, audience, actor)
        if to is None:
            continue
        messages.append(
            (
                "notify",
                f"notify:{to}:{event}:{ticket.id}:{seq}",
                {**body, "to": to, "template": event, "locale": locale},
            )
        )
    return Effects(audit, messages)


def _recipient(ticket: TicketFields, audience: str, actor: Actor) -> str | None:
    """Who a notification goes to, or None (nobody there, or the actor themself)."""
    if audience == "requester":
        if ticket.requester_id is None or actor.key == f"contact:{ticket.requester_id}":
            return None
        return f"contact:{ticket.requester_id}"
    if audience == "assignee":
        if ticket.assignee_id is not None:
            return (
                None
                if actor.key == f"agent:{ticket.assignee_id}"
                else (f"agent:{ticket.assignee_id}")
            )
        return f"team:{ticket.team}" if ticket.team else "role:agent"
    if audience == "team":
        return f"team:{ticket.team}" if ticket.team else "role:agent"
    return None
