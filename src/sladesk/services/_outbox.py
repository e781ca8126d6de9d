"""Outbox payloads: the one builder of every message a ticket change or an SLA milestone
queues, one shape per kind (docs/deployment.md, "Outbox payloads").

Every payload carries the same document of what happened — ``event`` (``ticket.replied``,
``sla.breached``...), ``at``, ``actor``, ``ticket`` (with its public ``reference``, ``#<number>``)
and ``data`` — and then what its kind's sender needs:

- ``webhook``: ``{"endpoint": <name>, "body": <the document>}`` — the body is what is POSTed;
- ``notify``, ``page``, ``tell_customer`` (messages to people): the document plus
  ``recipient`` (``{"kind": "contact"|"agent"|"team"|"role"|"on_call", "id": …}``, resolved:
  ``assignee`` and ``dedicated_agent`` name the agent's id, ``requester`` the contact's),
  ``template`` (the event code, or the policy message key of ``tell_customer``), ``locale``
  (the requester's, else the organisation's) and ``time_zone`` (the organisation's);
- ``move_to_team``, ``set_priority`` (changes to the ticket): the document plus ``to``.

Services (``_effects.py``) and the sweep (``jobs/sweep.py``) both build through
:func:`outbox_message`, so a sender reads one shape whoever queued the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "DEFAULT_ENDPOINT",
    "Audience",
    "KnownAudience",
    "PEOPLE_KINDS",
    "TICKET_ACTION_KINDS",
    "OutboxRow",
    "TicketFields",
    "outbox_message",
    "recipient",
    "ticket_document",
]

#: the webhook endpoint of messages that name none (the services' ticket events)
DEFAULT_ENDPOINT = "default"
#: kinds whose message goes to a person, in their language
PEOPLE_KINDS = frozenset({"notify", "page", "tell_customer"})
#: kinds that change the ticket itself (``jobs/actions.py``)
TICKET_ACTION_KINDS = frozenset({"move_to_team", "set_priority"})

#: (kind, key, payload), as ``OutboxRepository.add_many`` and the sweep queue them
OutboxRow = tuple[str, str, dict[str, Any]]


class TicketFields(Protocol):
    """What a message tells of its ticket: a stored row, a ticket being created (its view)
    or the store's ``TicketAudience`` all have these."""

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


class Audience(Protocol):
    """How to reach the ticket's people: ``TicketAudience`` from the store has these."""

    @property
    def dedicated_agent_id(self) -> int | None: ...
    @property
    def locale(self) -> str: ...
    @property
    def time_zone(self) -> str: ...


@dataclass(frozen=True, slots=True)
class KnownAudience:
    """An :class:`Audience` a use case already holds (creating a ticket reads the requester
    and the organisation anyway)."""

    locale: str
    time_zone: str
    dedicated_agent_id: int | None = None


def ticket_document(ticket: TicketFields) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "reference": f"#{ticket.number}",
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "organization_id": ticket.organization_id,
        "requester_id": ticket.requester_id,
        "assignee_id": ticket.assignee_id,
        "team": ticket.team,
    }


def recipient(
    to: str, ticket: TicketFields, audience: Audience, *, actor: str | None = None
) -> dict[str, Any] | None:
    """``to`` (an audience of a ticket change, or a policy's ``notify:`` target) resolved to
    ``{"kind", "id"}``; None when there is nobody (no requester) or it is the actor themself.

    ``requester`` is the contact; ``assignee`` the assigned agent, else the ticket's team,
    else every agent (``role:agent``); ``dedicated_agent`` the organisation's dedicated
    agent, else as ``assignee``; ``team`` the ticket's team, else every agent;
    ``team:<t>``, ``role:<r>`` and ``agent:<email>`` are already named."""
    if to == "requester":
        if ticket.requester_id is None:
            return None
        found: dict[str, Any] = {"kind": "contact", "id": ticket.requester_id}
    elif to == "dedicated_agent" and audience.dedicated_agent_id is not None:
        found = {"kind": "agent", "id": audience.dedicated_agent_id}
    elif to in ("assignee", "dedicated_agent"):
        if ticket.assignee_id is not None:
            found = {"kind": "agent", "id": ticket.assignee_id}
        else:
            found = _team_or_agents(ticket)
    elif to == "team":
        found = _team_or_agents(ticket)
    elif to == "on_call":
        found = {"kind": "on_call", "id": "on_call"}
    else:
        kind, _, name = to.partition(":")
        found = {"kind": kind, "id": name}
    if actor is not None and actor == f"{found['kind']}:{found['id']}":
        return None
    return found


def _team_or_agents(ticket: TicketFields) -> dict[str, Any]:
    return {"kind": "team", "id": ticket.team} if ticket.team else {"kind": "role", "id": "agent"}


def outbox_message(
    kind: str,
    key: str,
    *,
    event: str,
    at: datetime,
    actor: str,
    ticket: TicketFields,
    audience: Audience,
    data: Mapping[str, Any],
    to: str | None = None,
    template: str | None = None,
    endpoint: str | None = None,
) -> OutboxRow | None:
    """One outbox message of ``kind`` in that kind's shape (see the module docstring); None
    for a message to a person when there is nobody to send it to (:func:`recipient`)."""
    document = {"event": event, "at": at.isoformat(), "actor": actor,
                "ticket": ticket_document(ticket), "data": dict(data)}  # fmt: skip
    if kind == "webhook":
        return (kind, key, {"endpoint": endpoint or to or DEFAULT_ENDPOINT, "body": document})
    if kind in TICKET_ACTION_KINDS:
        return (kind, key, {**document, "to": to})
    if kind == "tell_customer":
        who = recipient("requester", ticket, audience)
        template = template or to
    else:
        who = recipient(to or "", ticket, audience, actor=actor)
    if who is None:
        return None
    return (
        kind,
        key,
        {**document, "recipient": who, "template": template or event,
         "locale": audience.locale, "time_zone": audience.time_zone},
    )  # fmt: skip
