"""The WhatsApp webhook, mounted by the app factory at ``/channels/whatsapp/webhook``.

- ``GET``: Meta's verification handshake, answered with ``hub.challenge`` when
  ``hub.verify_token`` is ours (``SLADESK_WHATSAPP_VERIFY_TOKEN``), else 403.
- ``POST``: the raw body's ``X-Hub-Signature-256`` is checked first
  (``SLADESK_WHATSAPP_APP_SECRET``): missing, 401; malformed or wrong, 403; each refusal
  logged with the caller's address. Then each message's medium is fetched from the API,
  each message stored in a transaction of its own and each status recorded; ``200`` only
  after all of it is committed, so Meta delivers again whatever we did not store. A replay
  of a delivery stores nothing new (messages are unique by ``wamid``; statuses only move
  forward).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
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

__all__ = ["WEBHOOK_PATH", "fetch_media", "store_webhook", "whatsapp_router"]

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
    media = message.media
    content: bytes | None = None
    note = ""
    filename = media_type = None
    if media is not None:
        media_type = media.mime_type or "application/octet-stream"
        extension = media_type.rpartition("/")[2].split(";")[0] or "bin"
        filename = media.filename or f"{message.kind}-{media.media_id}.{extension}"
        try:
            content = fetch_media(settings, media.media_id)
        except MediaUnavailable as exc:
            note = f"[{message.kind} {filename} ({media_type}), media id {media.media_id}: {exc}]"
    return InboundWhatsApp(
        message_id=message.message_id, sender=message.sender, sender_name=message.sender_name,
        at=message.at, kind=message.kind, text=message.text, media_filename=filename,
        media_type=media_type, media_content=content, media_note=note,
    )  # fmt: skip


class MediaUnavailable(Exception):
    pass


def fetch_media(settings: Settings, media_id: str, client: httpx.Client | None = None) -> bytes:
    """A medium's bytes, as the Cloud API documents it: ``GET {base}/{media_id}`` gives its
    ``url`` (and ``file_size``: one over ``attachment_max_bytes`` is not downloaded), which
    is fetched with the same bearer token, read in chunks up to that limit."""
    token = _secret(settings.whatsapp_token)
    if not token or not media_id:
        raise MediaUnavailable("not fetched (no WhatsApp token is configured)")
    headers = {"Authorization": f"Bearer {token}"}
    base = settings.whatsapp_api_base.rstrip("/")
    own = client or httpx.Client(timeout=settings.whatsapp_timeout_seconds)
    try:
        meta = own.get(f"{base}/{media_id}", headers=headers)
        if meta.status_code != 200:
            raise MediaUnavailable(f"the API answered HTTP {meta.status_code}")
        described = meta.json()
        url = described.get("url") if isinstance(described, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MediaUnavailable("the API gave no URL for it")
        limit = settings.attachment_max_bytes
        declared = described.get("file_size")
        if isinstance(declared, int) and declared > limit:  # not even downloaded
            raise MediaUnavailable(f"larger than {limit} bytes: not stored")
        with own.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise MediaUnavailable(f"its URL answered HTTP {response.status_code}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise MediaUnavailable(f"larger than {limit} bytes: not stored")
                chunks.append(chunk)
        return b"".join(chunks)
    except (httpx.HTTPError, ValueError) as exc:
        raise MediaUnavailable(f"could not be fetched ({type(exc).__name__})") from exc
    finally:
        if client is None:
            own.close()
