"""The outbox's ``whatsapp`` sender: an agent's public reply on a WhatsApp ticket, sent as
``POST {api_base}/{phone_number_id}/messages`` with the bearer token (the Cloud API's
documented request), the ``wamid`` it answers recorded on the delivery and on our message.

Nothing is sent twice for one outbox row: ``prepare_whatsapp_send`` marks the row's
delivery ``sending`` before the POST and refuses a row already sent or left ``sending`` by
an attempt that may have reached WhatsApp (a worker that died, a read timeout). Outside
the 24-hour window only a template goes (``/template <name> [<lang>]``); any other reply
fails for good, with the reason on the ticket. A refused request (4xx) is not retried but
for 408/429; 5xx answers and connection failures are, with the delivery job's backoff.

A file of an agent's reply (its own outbox row) is first uploaded — ``POST
{api_base}/{phone_number_id}/media``, multipart, as documented — while its delivery is
``uploading`` (an upload reaches nobody: a retry uploads again), then sent as an ``image``
(JPEG or PNG up to 5 MB, WhatsApp's image limits) or a ``document`` (with its file name)
by the media id WhatsApp answered, after the delivery is marked ``sending``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import (
    Clock,
    WhatsAppSend,
    prepare_whatsapp_send,
    whatsapp_media_uploaded,
    whatsapp_send_failed,
    whatsapp_sent,
)

__all__ = ["WhatsAppApi", "WhatsAppSender"]

#: Cloud API error: the 24-hour window has closed (only templates may be sent)
_REENGAGEMENT = 131047
#: what WhatsApp shows as an image (else a document): its types and size limit
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
_IMAGE_MAX = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class WhatsAppApi:
    base: str
    token: str
    phone_number_id: str
    timeout: float = 10.0


class WhatsAppSender:
    def __init__(self, api: WhatsAppApi, uow: Callable[[], Any], clock: Clock,
                 client: httpx.Client | None = None) -> None:  # fmt: skip
        self.api = api
        self.uow = uow
        self.clock = clock
        self.client = client or httpx.Client(timeout=api.timeout)

    def close(self) -> None:
        self.client.close()

    def send(self, message: OutboxMessage) -> None:
        key = message.dedupe_key
        decided = prepare_whatsapp_send(self.uow(), self.clock, key, dict(message.payload))
        if decided.action == "done":
            return
        if decided.action not in ("send", "upload"):
            raise DeliveryFailed(decided.reason, retryable=False)
        body = _body(decided)
        if decided.action == "upload":
            media_id = self._upload(key, decided)
            if not whatsapp_media_uploaded(self.uow(), self.clock, key):
                return  # another attempt has it (or it is done)
            body = _media_body(decided, media_id)
        self._post_message(key, body)

    def _fail(self, key: str, reason: str, retryable: bool) -> DeliveryFailed:
        whatsapp_send_failed(self.uow(), self.clock, key, reason, final=not retryable)
        return DeliveryFailed(reason, retryable=retryable)

    def _upload(self, key: str, decided: WhatsAppSend) -> str:
        """The media id of the uploaded file (nothing reaches the customer here)."""
        url = f"{self.api.base.rstrip('/')}/{self.api.phone_number_id}/media"
        headers = {"Authorization": f"Bearer {self.api.token}"}
        form = {"messaging_product": "whatsapp", "type": decided.media_type}
        files = {"file": (decided.filename, decided.content, decided.media_type)}
        try:
            response = self.client.post(url, data=form, files=files, headers=headers)
        except httpx.HTTPError as exc:
            raise self._fail(key, f"POST {url}: {type(exc).__name__}: {exc}", True) from exc
        status = response.status_code
        media_id = _id(response) if 200 <= status < 300 else None
        if media_id is not None:
            return media_id
        code, text = _error(response)
        reason = (f"WhatsApp refused the file {decided.filename} (HTTP {status}, {code}: "
                  f"{text or 'no media id'})")  # fmt: skip
        raise self._fail(key, reason, status in (408, 429) or status >= 500)

    def _post_message(self, key: str, body: dict[str, Any]) -> None:
        url = f"{self.api.base.rstrip('/')}/{self.api.phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {self.api.token}"}
        try:
            response = self.client.post(url, json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing reached it
            whatsapp_send_failed(self.uow(), self.clock, key, f"{type(exc).__name__}: {exc}")
            raise DeliveryFailed(f"POST {url}: {type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:  # it may have: left `sending`, not resent
            raise DeliveryFailed(f"POST {url}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            wamid = _wamid(response)
            if wamid is None:
                raise DeliveryFailed(f"POST {url}: HTTP {status} without a message id",
                                     retryable=False)  # fmt: skip
            whatsapp_sent(self.uow(), self.clock, key, wamid)
            return
        code, text = _error(response)
        reason = f"WhatsApp refused the message (HTTP {status}, {code}: {text})"
        if code == _REENGAGEMENT:
            reason = ("outside WhatsApp's 24-hour customer-service window: only an approved "
                      f"template may be sent ({text})")  # fmt: skip
        retryable = code != _REENGAGEMENT and (status in (408, 429) or status >= 500)
        raise self._fail(key, reason, retryable)


def _body(decided: WhatsAppSend) -> dict[str, Any]:
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": decided.to}
    if decided.template:
        template: dict[str, Any] = {"name": decided.template,
                                    "language": {"code": decided.language}}  # fmt: skip
        if decided.parameters:
            named = not all(k.isdigit() for k, _ in decided.parameters)
            parameters = [{"type": "text", "parameter_name": k, "text": v} if named
                          else {"type": "text", "text": v}
                          for k, v in decided.parameters]  # fmt: skip
            template["components"] = [{"type": "body", "parameters": parameters}]
        return {**base, "type": "template", "template": template}
    return {**base, "type": "text", "text": {"preview_url": False, "body": decided.text}}


def _media_body(decided: WhatsAppSend, media_id: str) -> dict[str, Any]:
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": decided.to}
    if decided.media_type in _IMAGE_TYPES and len(decided.content) <= _IMAGE_MAX:
        return {**base, "type": "image", "image": {"id": media_id}}
    document = {"id": media_id, "filename": decided.filename}
    return {**base, "type": "document", "document": document}


def _id(response: httpx.Response) -> str | None:
    try:
        found = response.json()["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, str) and found else None


def _wamid(response: httpx.Response) -> str | None:
    try:
        found = response.json()["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return found if isinstance(found, str) and found else None


def _error(response: httpx.Response) -> tuple[int | None, str]:
    try:
        error = response.json()["error"]
        code = error.get("code")
        return (code if isinstance(code, int) else None), str(error.get("message") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, response.text[:200]
