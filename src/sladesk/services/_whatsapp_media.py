"""A file an agent attached to their public reply on a WhatsApp ticket, queued to be sent to
the customer as a medium (image or document): one ``whatsapp`` outbox row per attachment,
keyed ``whatsapp:<ticket>:<message>:file:<attachment>`` (queued once however often the
transaction is retried), in the transaction that stores the attachment. The outbox's
WhatsApp sender uploads it (``POST /{phone_number_id}/media``) and sends it
(``services/_whatsapp.py``: :func:`~sladesk.services.prepare_whatsapp_send`)."""

from __future__ import annotations

from datetime import datetime

from sladesk.store import ChannelRepository, UnitOfWork
from sladesk.tickets import Actor

__all__ = ["WHATSAPP", "queue_whatsapp_file"]

WHATSAPP = "whatsapp"


def queue_whatsapp_file(
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, message_id: int,
    attachment_id: int,
) -> bool:  # fmt: skip
    """Queue the attachment when its message is an agent's public reply (the caller's
    transaction); whether it was queued."""
    repo = ChannelRepository(uow.db)
    stored = repo.message_body(message_id)
    if stored is None or stored[0] != ticket_id or not stored[2]:
        return False
    if repo.message_author_kind(message_id) != "agent":
        return False
    payload = {"event": "ticket.replied", "at": now.isoformat(), "actor": actor.key,
               "ticket": {"id": ticket_id}, "message_id": message_id,
               "attachment_id": attachment_id}  # fmt: skip
    key = f"whatsapp:{ticket_id}:{message_id}:file:{attachment_id}"
    uow.gateway.record_effects([], [("whatsapp", key, payload)], now)
    return True
