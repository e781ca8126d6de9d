"""Side effects of ticket changes, as outbox rows (delivered after commit by jobs, deduped
by key) and audit rows with dotted codes. Words come later: payloads carry codes and data.

Each change queues a ``webhook`` message and ``notify`` messages to the audiences its code
names (``requester``, ``assignee``, ``team``), built by :mod:`sladesk.services._outbox`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sladesk.services._outbox import (
    Audience,
    OutboxRow,
    TicketFields,
    outbox_message,
    recipient,
    ticket_document,
)
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
    "attributes.changed": ("ticket.attributes_changed", ()),
    "solved": ("ticket.solved", ("requester",)),
    "reopened": ("ticket.reopened", ("assignee",)),
    "closed": ("ticket.closed", ()),
    "quota.exceeded": ("ticket.over_quota", ("requester",)),
    "community.answered": ("ticket.community_answered", ("requester",)),
}


@dataclass(frozen=True, slots=True)
class Effects:
    """The audit entry and the outbox messages (kind, key, payload) of one change."""

    audit: AuditRow
    outbox: list[OutboxRow]


def record_ticket_change(
    uow: UnitOfWork,
    actor: Actor,
    ticket: StoredTicket,
    code: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    *,
    seq: int | None = None,
) -> None:
    """Audit row ``sladesk.ticket.<code>`` plus the outbox rows the change calls for (one
    statement each, and one to read the ticket's audience). The dedupe key is the ticket's
    history position (``seq``, by default the ticket's last), so a retried transaction
    cannot queue twice."""
    audience = uow.audience.for_tickets([ticket.id])[ticket.id]
    effects = ticket_change(actor, ticket, code, now, data or {}, audience=audience,
                            seq=ticket.last_seq if seq is None else seq)  # fmt: skip
    outbox = effects.outbox
    message_id = (data or {}).get("message_id")
    if (
        ticket.channel == "whatsapp" and code == "replied.agent" and (data or {}).get("public")
        and isinstance(message_id, int)
    ):  # fmt: skip
        # the reply goes to the customer on WhatsApp (the channel they wrote on), not as a
        # mail notice: the ``whatsapp`` sender delivers it (services/_whatsapp.py)
        document = ticket_document(ticket)
        outbox = [
            m for m in outbox if not (m[0] == "notify" and m[1].startswith("notify:contact:"))
        ]
        outbox.append((
            "whatsapp", f"whatsapp:{ticket.id}:{message_id}",
            {"event": "ticket.replied", "at": now.isoformat(), "actor": actor.key,
             "ticket": document, "message_id": message_id},
        ))  # fmt: skip
    uow.gateway.record_effects([effects.audit], outbox, now)


def ticket_change(
    actor: Actor,
    ticket: TicketFields,
    code: str,
    now: datetime,
    data: dict[str, Any],
    *,
    audience: Audience,
    seq: int,
) -> Effects:
    """What :func:`record_ticket_change` writes, without writing it (a use case with
    several changes writes them all in one statement per table)."""
    audit = AuditRow(now, actor.key, f"sladesk.ticket.{code}", data, ticket_id=ticket.id)
    event, audiences = _EFFECTS[code]

    def message(kind: str, key: str, to: str | None = None) -> OutboxRow | None:
        return outbox_message(kind, key, event=event, at=now, actor=actor.key, ticket=ticket,
                              audience=audience, data=data, to=to)  # fmt: skip

    messages = [message("webhook", f"webhook:{event}:{ticket.id}:{seq}")]
    for to in audiences:
        who = recipient(to, ticket, audience, actor=actor.key)
        if who is not None:
            key = f"notify:{who['kind']}:{who['id']}:{event}:{ticket.id}:{seq}"
            messages.append(message("notify", key, to))
    return Effects(audit, [m for m in messages if m is not None])
