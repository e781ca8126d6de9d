"""Ticket queries: the queue (ordered by time left to breach) and the ticket view with
its SLA state and explain timeline. Read-only; scoped to what the caller may see."""

from __future__ import annotations

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor


def list_tickets(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    filters: TicketFilters | None = None,
    *,
    order_by_time_left: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[TicketSummary]:
    raise NotImplementedError


def get_ticket(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> TicketView:
    raise NotImplementedError
