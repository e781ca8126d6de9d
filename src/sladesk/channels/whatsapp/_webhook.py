"""WhatsApp Business Cloud API webhooks, read: the verification handshake, the signature
every delivery carries, and the body's messages and statuses as frozen values. Pure: bytes
and strings in, values out; no I/O, no clock.

As Meta documents them (developers.facebook.com/docs/whatsapp/cloud-api/webhooks):

- **Verification**: ``GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`` is
  answered with ``C`` when ``T`` is the configured verify token (:func:`verify_handshake`).
- **Signature**: every ``POST`` carries ``X-Hub-Signature-256: sha256=<hex>``, the
  HMAC-SHA256 of the raw body under the app secret (:func:`check_signature`: constant-time;
  a missing, malformed or wrong signature is refused before the body is read).
- **Body**: ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
  "messages", "value": {"metadata": {"phone_number_id"}, "contacts": [{"wa_id",
  "profile": {"name"}}], "messages": [...], "statuses": [...]}}]}]}``. A message is
  ``text``, a medium (``image``, ``document``, ``audio``, ``video``, ``sticker``: its media
  id, MIME type, caption, file name), a ``location``, ``contacts`` (shared cards), an
  ``interactive``/``button`` reply, a ``reaction``; anything else is kept as "unsupported"
  with its type. A status is ``sent``, ``delivered``, ``read`` or ``failed`` (with the
  error) for one of our messages.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"
MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})
STATUSES = frozenset({"sent", "delivered", "read", "failed"})


class WebhookRefused(ValueError):
    """A delivery that is not to be trusted or read (bad signature, not a webhook body)."""


@dataclass(frozen=True, slots=True)
class WhatsAppMedia:
    media_id: str
    mime_type: str
    caption: str = ""
    filename: str | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class WhatsAppMessage:
    """One message a customer sent: ``text`` is what an agent reads (a location and shared
    contacts are written out; a medium's caption), ``media`` what is to be fetched."""

    message_id: str  # wamid: unique per message, the de-duplication key
    phone_number_id: str  # our business number it was sent to
    sender: str  # the customer's WhatsApp id (their number, digits only)
    sender_name: str
    at: datetime
    kind: str  # text | image | document | audio | video | sticker | location | contacts...
    text: str
    media: WhatsAppMedia | None = None
    context_id: str | None = None  # the message it replies to, when it quotes one


@dataclass(frozen=True, slots=True)
class WhatsAppStatus:
    """What became of a message we sent."""

    message_id: str
    recipient: str
    status: str  # sent | delivered | read | failed
    at: datetime
    error: str = ""


@dataclass(frozen=True, slots=True)
class WebhookBody:
    messages: tuple[WhatsAppMessage, ...]
    statuses: tuple[WhatsAppStatus, ...]


def verify_handshake(mode: str | None, token: str | None, challenge: str | None,
                     expected_token: str) -> str | None:  # fmt: skip
    """The challenge to answer with, or None (refuse: 403) when the token is not ours."""
    if mode != "subscribe" or token is None or challenge is None or not expected_token:
        return None
    if not hmac.compare_digest(token.encode(), expected_token.encode()):
        return None
    return challenge


def signature(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value of ``body`` (what Meta sends; our stand-in uses it)."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_signature(body: bytes, header: str | None, app_secret: str) -> None:
    """Raises :class:`WebhookRefused` unless ``header`` signs ``body`` under the secret."""
    if not app_secret:
        raise WebhookRefused("no app secret is configured: deliveries cannot be verified")
    if not header:
        raise WebhookRefused(f"missing {SIGNATURE_HEADER}")
    if not header.startswith("sha256=") or len(header) != 7 + 64:
        raise WebhookRefused(f"malformed {SIGNATURE_HEADER}")
    if not hmac.compare_digest(header.encode(), signature(body, app_secret).encode()):
        raise WebhookRefused(f"{SIGNATURE_HEADER} does not match the body")


def parse_webhook(body: bytes) -> WebhookBody:
    """The messages and statuses of a (verified) delivery. Raises :class:`WebhookRefused`
    when it is not a WhatsApp webhook body at all; a single entry it cannot read is
    skipped (the rest of the delivery still counts)."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookRefused(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("object") != "whatsapp_business_account":
        raise WebhookRefused("not a WhatsApp Business Account webhook")
    messages: list[WhatsAppMessage] = []
    statuses: list[WhatsAppStatus] = []
    for entry in _list(doc.get("entry")):
        for change in _list(entry.get("changes")):
            if change.get("field") != "messages" or not isinstance(change.get("value"), dict):
                continue
            value = change["value"]
            number = str((value.get("metadata") or {}).get("phone_number_id") or "")
            names = {
                str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                for c in _list(value.get("contacts"))
            }
            for m in _list(value.get("messages")):
                message = _message(m, number, names)
                if message is not None:
                    messages.append(message)
            for s in _list(value.get("statuses")):
                status = _status(s)
                if status is not None:
                    statuses.append(status)
    return WebhookBody(tuple(messages), tuple(statuses))


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _message(m: dict[str, Any], number: str, names: dict[str, str]) -> WhatsAppMessage | None:
    message_id, sender, at = m.get("id"), m.get("from"), _when(m.get("timestamp"))
    if not isinstance(message_id, str) or not isinstance(sender, str) or at is None:
        return None
    kind = str(m.get("type") or "unsupported")
    found = m.get(kind)
    body: dict[str, Any] = found if isinstance(found, dict) else {}
    media = None
    if kind == "text":
        text = str(body.get("body") or "")
    elif kind in MEDIA_TYPES:
        media = WhatsAppMedia(
            media_id=str(body.get("id") or ""), mime_type=str(body.get("mime_type") or ""),
            caption=str(body.get("caption") or ""), filename=body.get("filename"),
            sha256=body.get("sha256"),
        )  # fmt: skip
        text = media.caption or f"[{kind}{': ' + media.filename if media.filename else ''}]"
    elif kind == "location":
        place = ", ".join(str(body[k]) for k in ("name", "address") if body.get(k))
        where = f"{body.get('latitude')}, {body.get('longitude')}"
        text = f"[location: {place + ' — ' if place else ''}{where}]"
    elif kind == "contacts":
        cards = []
        for card in _list(m.get("contacts")):
            name = str((card.get("name") or {}).get("formatted_name") or "")
            phones = ", ".join(str(p.get("phone")) for p in _list(card.get("phones")))
            cards.append(f"{name} {phones}".strip())
        text = f"[contacts: {'; '.join(cards)}]"
    elif kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        text = str(reply.get("title") or "")
    elif kind == "button":
        text = str(body.get("text") or "")
    elif kind == "reaction":
        text = f"[reaction {body.get('emoji') or ''} to an earlier message]"
    else:
        text = f"[a {kind} message WhatsApp does not describe]"
    quoted = m.get("context")
    context: dict[str, Any] = quoted if isinstance(quoted, dict) else {}
    return WhatsAppMessage(
        message_id=message_id, phone_number_id=number, sender=sender,
        sender_name=names.get(sender, ""), at=at, kind=kind, text=text, media=media,
        context_id=context.get("id") if isinstance(context.get("id"), str) else None,
    )  # fmt: skip


def _status(s: dict[str, Any]) -> WhatsAppStatus | None:
    message_id, status, at = s.get("id"), s.get("status"), _when(s.get("timestamp"))
    if not isinstance(message_id, str) or status not in STATUSES or at is None:
        return None
    errors = _list(s.get("errors"))
    error = "; ".join(f"{e.get('code')}: {e.get('title') or e.get('message')}" for e in errors)
    return WhatsAppStatus(message_id, str(s.get("recipient_id") or ""), str(status), at, error)
