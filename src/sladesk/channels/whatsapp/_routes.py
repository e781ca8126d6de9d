"""The WhatsApp webhook, mounted by the app factory at ``/channels/whatsapp/webhook``.

- ``GET``: Meta's verification handshake, answered with ``hub.challenge`` when
  ``hub.verify_token`` is ours (``SLADESK_WHATSAPP_VERIFY_TOKEN``), else 403.
- ``POST``: the raw body's ``X-Hub-Signature-256`` is checked first
  (``SLADESK_WHATSAPP_APP_SECRET``): missing, 401; malformed or wrong, 403; each refusal
  logged with the caller's address. Then each message is stored in a transaction of its
  own (a medium named, and queued for the jobs to fetch: ``channels/whatsapp/media.py``)
  and each status recorded; ``200`` only after all of it is committed, so Meta delivers
  again whatever we did not store, and no media server's slowness holds the answer. A replay
  of a delivery stores nothing new (messages are unique by ``wamid``; statuses only move
  forward).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from sladesk.channels.whatsapp._webhook import (
    SIGNATURE_HEADER,
    WebhookBody,
    WebhookRefused,
    WhatsAppMessage,
    check_signature,
    parse_webhook,
    verify_handshake,
)
from sladesk.config import Settings
from sladesk.http import ServiceContainer
from sladesk.services import InboundWhatsApp, receive_whatsapp, record_whatsapp_status

__all__ = ["WEBHOOK_PATH", "store_webhook", "whatsapp_router"]

log = logging.getLogger("sladesk.channels.whatsapp")
WEBHOOK_PATH = "/channels/whatsapp/webhook"


_PROBLEM_TYPES = {
    400: ("invalid-request", "The request is not valid"),
    401: ("not-authenticated", "Not authenticated"),
    403: ("forbidden", "Not allowed"),
}


def _problem(request: Request, status: int, detail: str) -> Response:
    """An RFC 9457 problem, as the API answers its refusals."""
    slug, title = _PROBLEM_TYPES[status]
    doc = {"type": f"urn:sladesk:problem:{slug}", "title": title, "status": status,
           "detail": detail, "instance": request.url.path}  # fmt: skip
    return JSONResponse(doc, status_code=status, media_type="application/problem+json")


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def whatsapp_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(WEBHOOK_PATH)
    async def handshake(request: Request) -> Response:
        settings: Settings = request.app.state.container.settings
        q = request.query_params
        challenge = verify_handshake(q.get("hub.mode"), q.get("hub.verify_token"),
                                     q.get("hub.challenge"),
                                     _secret(settings.whatsapp_verify_token))  # fmt: skip
        if challenge is None:
            log.warning("WhatsApp verification refused from %s: wrong or no verify token",
                        request.client.host if request.client else "?")  # fmt: skip
            return _problem(request, 403, "the verify token is not ours")
        return PlainTextResponse(challenge)

    @router.post(WEBHOOK_PATH)
    async def deliver(request: Request) -> Response:
        container: ServiceContainer = request.app.state.container
        body = await request.body()
        header = request.headers.get(SIGNATURE_HEADER)
        try:
            check_signature(body, header, _secret(container.settings.whatsapp_app_secret))
        except WebhookRefused as exc:
            log.warning("WhatsApp delivery refused from %s: %s",
                        request.client.host if request.client else "?", exc)  # fmt: skip
            status = 401 if not header else 403
            return _problem(request, status, str(exc))
        try:
            parsed = parse_webhook(body)
        except WebhookRefused as exc:
            log.warning("WhatsApp delivery not readable: %s", exc)
            return _problem(request, 400, str(exc))
        stored = await run_in_threadpool(store_webhook, container, parsed)
        return JSONResponse(stored)

    return router


def store_webhook(container: ServiceContainer, parsed: WebhookBody) -> dict[str, int]:
    """Store every message and status of a verified delivery (each its own transaction)."""
    settings = container.settings
    stored = duplicates = statuses = 0
    for message in parsed.messages:
        inbound = _inbound(settings, message)
        result = receive_whatsapp(container.uow(), container.clock, inbound,
                                  organization=settings.whatsapp_organization)  # fmt: skip
        if result.duplicate:
            duplicates += 1
        else:
            stored += 1
        if result.outcome == "refused":
            log.warning("WhatsApp message %s not filed: %s", message.message_id, result.reason)
    for status in parsed.statuses:
        recorded = record_whatsapp_status(container.uow(), container.clock, status.message_id,
                                          status.status, status.at, status.error)  # fmt: skip
        if recorded is not None:
            statuses += 1
    return {"stored": stored, "duplicates": duplicates, "statuses": statuses}


def _inbound(settings: Settings, message: WhatsAppMessage) -> InboundWhatsApp:
    """The message as the intake takes it; its medium named, to be fetched by the jobs
    (never here: a slow media server must not hold Meta's delivery)."""
    media = message.media
    note = ""
    filename = media_type = media_id = None
    if media is not None:
        media_type = media.mime_type or "application/octet-stream"
        extension = media_type.rpartition("/")[2].split(";")[0] or "bin"
        filename = media.filename or f"{message.kind}-{media.media_id}.{extension}"
        if _secret(settings.whatsapp_token) and media.media_id:
            media_id = media.media_id
        else:
            note = (f"[{message.kind} {filename} ({media_type}), media id {media.media_id}: "
                    "not fetched (no WhatsApp token is configured)]")  # fmt: skip
    return InboundWhatsApp(
        message_id=message.message_id, sender=message.sender, sender_name=message.sender_name,
        at=message.at, kind=message.kind, text=message.text, media_filename=filename,
        media_type=media_type, media_note=note, media_id=media_id,
    )  # fmt: skip
