"""The agent console's ticket page as one read: the ticket with its SLA evaluated and
explained, and everything the page shows beside it — the policy in force, the agents (assign
form), the requester's name, the WhatsApp window (and the templates offered once it has
closed), attachments, linked incidents, on-call
pages, canned replies, the linked proposal, booked calls and the agent's saved views (the
navigation) — in **one** read-only transaction.

Why one: each feature's own use case (``list_attachments``, ``incidents_of_ticket``, …) opens
a unit of work and re-checks that the caller may see the ticket. Called one after another
for a page, that was 12 transactions and 19 statements; on PostgreSQL every transaction is
also a pool checkout, a ``BEGIN`` and a ``ROLLBACK`` round trip. Here the ticket is loaded
(and the caller's scope checked) once, and every other read is one statement in the same
transaction (one snapshot on SQLite). ``tests/integration/test_page_budgets.py`` pins how many
statements this sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sladesk.policy import Policy
from sladesk.services._attachments import attachments_as_read
from sladesk.services._calls import CallView, calls_as_read
from sladesk.services._console_desk import (
    CannedReply,
    SavedView,
    canned_replies_as_read,
    saved_views_as_read,
)
from sladesk.services._dtos import AgentView, AttachmentView, TicketView
from sladesk.services._incidents import incidents_as_read
from sladesk.services._paging import PageView, pages_as_read
from sladesk.services._people import agent_view
from sladesk.services._proposals import proposal_as_read
from sladesk.services._tickets_read import ticket_as_read
from sladesk.services._whatsapp import WhatsAppWindow, whatsapp_window_as_read
from sladesk.services._whatsapp_templates import WhatsAppTemplateOffer, template_offers_as_read
from sladesk.services.clock import Clock
from sladesk.store import IncidentRecord, UnitOfWork
from sladesk.tickets import Actor, Forbidden

__all__ = ["TicketPage", "ticket_page"]


@dataclass(frozen=True, slots=True)
class TicketPage:
    """What the console's ticket page shows, read at ``now``."""

    now: datetime
    ticket: TicketView
    #: the policy in force (its calendars, types, priorities, closing causes); None before
    #: any is published
    policy: Policy | None
    agents: list[AgentView]
    requester: str | None
    whatsapp: WhatsAppWindow | None
    #: the approved templates offered once a WhatsApp ticket's window has closed
    templates: list[WhatsAppTemplateOffer]
    attachments: list[AttachmentView]
    incidents: list[IncidentRecord]
    pages: list[PageView]
    canned_replies: list[CannedReply]
    proposal_id: int | None
    calls: list[CallView]
    saved_views: list[SavedView]


def ticket_page(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> TicketPage:
    """The ticket page of ``ticket_id`` for an agent, in one read-only transaction (the
    module's docstring). NotFound when the ticket is outside the caller's scope; Forbidden
    for anyone but an agent."""
    if not actor.is_agent or actor.id is None:
        raise Forbidden("only agents open the console's ticket page")
    now = clock.now()
    with uow.read_only():
        view = ticket_as_read(uow, actor, ticket_id, now)  # the scope check, once
        requester = (
            uow.people.contact(actor.scope, view.requester_id).name
            if view.requester_id is not None
            else None
        )
        whatsapp = whatsapp_window_as_read(uow, actor, view.id, view.channel, now)
        templates = (
            template_offers_as_read(uow, actor, view.id, view.number, view.subject)
            if whatsapp is not None and not whatsapp.open
            else []
        )
        return TicketPage(
            now=now,
            ticket=view,
            policy=uow.policies.parsed(uow.policies.current_id()),
            agents=[agent_view(a) for a in uow.people.agents()],
            requester=requester,
            whatsapp=whatsapp,
            templates=templates,
            attachments=attachments_as_read(uow, actor, view.id),
            incidents=incidents_as_read(uow, actor, view.id),
            pages=pages_as_read(uow, actor, view.id),
            canned_replies=canned_replies_as_read(uow, actor),
            proposal_id=proposal_as_read(uow, actor, view.id),
            calls=calls_as_read(uow, view.id),
            saved_views=saved_views_as_read(uow, actor),
        )
