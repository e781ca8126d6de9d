"""The demo's console tools: canned replies in the three languages (written by the lead) and
saved queue views for the demo agent, so that ``/queue`` and ``/canned`` have something to
show after ``sladesk demo``."""

from __future__ import annotations

from sladesk.services import Actor, AgentView, Clock
from sladesk.services.console import save_canned_reply, save_view
from sladesk.store import UnitOfWork

#: title -> body; placeholders are filled for the ticket the reply is inserted into
CANNED_REPLIES = {
    "Acknowledge (en)": (
        "Hello {contact_name},\n\nthank you for ticket {ticket_number}. We are on it and will "
        "answer by {deadline}.\n\nKind regards"
    ),
    "Acuse de recibo (es)": (
        "Hola {contact_name}:\n\ngracias por el ticket {ticket_number}. Ya lo estamos mirando "
        "y le responderemos antes del {deadline}.\n\nSaludos"
    ),
    "Confirmação (pt)": (
        "Olá {contact_name},\n\nobrigado pelo pedido {ticket_number}. Já estamos a tratar dele "
        "e responderemos até {deadline}.\n\nCumprimentos"
    ),
    "Waiting for you (en)": (
        "Hello {contact_name},\n\nto go on with ticket {ticket_number} we need a screenshot of "
        "the error. The clock is paused until you answer."
    ),
}

#: name -> the queue's filters
SAVED_VIEWS = {
    "Breached": {"breached": "1"},
    "Mine": {"mine": "1"},
    "Unassigned incidents": {"unassigned": "1", "type": "incident"},
    "Waiting on customers": {"paused": "1"},
}


def add_console_tools(uow: UnitOfWork, clock: Clock, lead: AgentView) -> None:
    """Canned replies by ``lead`` (a lead or admin) and saved views for them."""
    actor = Actor.agent(lead.id, lead.role, name=lead.name, email=lead.email)
    for title, body in CANNED_REPLIES.items():
        save_canned_reply(uow, clock, actor, title, body)
    for name, filters in SAVED_VIEWS.items():
        save_view(uow, clock, actor, name, filters)
