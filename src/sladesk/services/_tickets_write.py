"""Ticket commands: one use case, one function, one transaction each.

Each reads the clock once, checks the pure ticket rules (``sladesk.tickets``), appends the
events, re-evaluates the SLA, stores the projection, and writes outbox and audit rows.
"""

from __future__ import annotations

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor


def create_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    new: NewTicket,
    *,
    idempotency_key: str | None = None,
) -> TicketView:
    raise NotImplementedError


def accept_ticket(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> TicketView:
    raise NotImplementedError


def reply_publicly(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    body: str,
    *,
    body_html: str | None = None,
) -> TicketView:
    raise NotImplementedError


def add_internal_note(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    body: str,
    *,
    body_html: str | None = None,
) -> TicketView:
    raise NotImplementedError


def log_call(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, summary: str, *, body: str = ""
) -> TicketView:
    raise NotImplementedError


def assign_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    *,
    assignee_id: int | None,
    team: str | None = None,
) -> TicketView:
    raise NotImplementedError


def change_status(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    status: str,
    reason: str | None = None,
) -> TicketView:
    raise NotImplementedError


def change_priority(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, priority: str, reason: str
) -> TicketView:
    raise NotImplementedError


def change_type(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    type: str,
    reason: str | None = None,
) -> TicketView:
    raise NotImplementedError


def solve_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, reason: str | None = None
) -> TicketView:
    raise NotImplementedError


def reopen_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, reason: str | None = None
) -> TicketView:
    raise NotImplementedError


def close_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, reason: str | None = None
) -> TicketView:
    raise NotImplementedError
