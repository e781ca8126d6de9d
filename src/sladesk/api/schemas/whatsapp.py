"""A WhatsApp ticket's channel state: the customer-service window and our replies'
deliveries (docs/channels.md)."""

from __future__ import annotations

from datetime import datetime

from sladesk.api.schemas._base import OutputModel


class WhatsAppDeliveryPublic(OutputModel):
    """One of our replies sent on WhatsApp, and what became of it."""

    message_id: int | None
    recipient: str
    external_id: str | None
    status: str  # uploading (a file) | sending | sent | delivered | read | failed
    error: str | None
    updated_at: datetime


class WhatsAppTicketPublic(OutputModel):
    """Whether a public reply reaches the customer now (``window_open``: within 24 hours of
    their last message), else only an approved template (``/template <name> [<lang>]``)."""

    number: str
    last_inbound_at: datetime | None
    closes_at: datetime | None
    window_open: bool
    deliveries: tuple[WhatsAppDeliveryPublic, ...]
