"""The WhatsApp channel (Business Cloud API): webhooks in — the verification handshake, the
``X-Hub-Signature-256`` of every delivery, messages and delivery statuses — read by the pure
``_webhook`` module. docs/channels.md."""

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
