"""The WhatsApp channel (Business Cloud API): webhooks in — the verification handshake, the
``X-Hub-Signature-256`` of every delivery, messages and delivery statuses — read by the pure
``_webhook`` module; the webhook route that stores them (``_routes``); the outbox's sender
of replies is ``sending`` (imported by the jobs only, not from here: the API app mounts
the webhook and must not depend on the jobs). docs/channels.md."""

from sladesk.channels.whatsapp._routes import (
    WEBHOOK_PATH,
    store_webhook,
    whatsapp_router,
)
from sladesk.channels.whatsapp._webhook import (
    SIGNATURE_HEADER,
    WebhookBody,
    WebhookRefused,
    WhatsAppMedia,
    WhatsAppMessage,
    WhatsAppStatus,
    check_signature,
    parse_webhook,
    signature,
    verify_handshake,
)

__all__ = [
    "SIGNATURE_HEADER",
    "WEBHOOK_PATH",
    "store_webhook",
    "whatsapp_router",
    "WebhookBody",
    "WebhookRefused",
    "WhatsAppMedia",
    "WhatsAppMessage",
    "WhatsAppStatus",
    "check_signature",
    "parse_webhook",
    "signature",
    "verify_handshake",
]
