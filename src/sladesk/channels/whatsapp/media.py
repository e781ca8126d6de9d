"""The outbox's ``whatsapp_media`` sender: a customer's medium fetched from the Cloud API
and attached to its message (imported by the jobs only; the webhook stored the message,
queued the row and answered Meta at once: ``services/_whatsapp_media_in.py``).

As the Cloud API documents it: ``GET {base}/{media_id}`` (bearer token) gives the medium's
``url`` (valid for minutes: asked again on every attempt) and ``file_size``; the ``url`` is
fetched with the same bearer token.

- A medium of at most ``max_bytes`` (``file_size`` checked first, then the bytes read in
  chunks): attached (``services.store_whatsapp_media``; a second delivery of the row
  stores nothing).
- 408, 429, 5xx, a connection failure or a timeout (``timeout`` seconds a request): retried
  with the delivery job's backoff, up to ``attempts`` attempts.
- Anything else (404: an unknown or expired media id; 401/403: a wrong token; too large; no
  URL), or the last attempt: given up, and an internal note on the ticket says what and why
  (``services.whatsapp_media_failed``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import Clock, store_whatsapp_media, whatsapp_media_failed

__all__ = ["WhatsAppMediaSender"]

_RETRY = frozenset({408, 429})


class _GiveUp(Exception):
    pass


class _Later(Exception):
    pass


def _check(status: int, what: str) -> None:
    if status in _RETRY or status >= 500:
        raise _Later(f"{what} answered HTTP {status}")
    if status != 200:
        raise _GiveUp(f"{what} answered HTTP {status}")


class WhatsAppMediaSender:
    def __init__(
        self, uow: Callable[[], Any], clock: Clock, api_base: str, token: str, *,
        max_bytes: int, attempts: int = 8, timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:  # fmt: skip
        self.uow = uow
        self.clock = clock
        self.base = api_base.rstrip("/")
        self.token = token
        self.max_bytes = max_bytes
        self.attempts = attempts
        self.client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def send(self, message: OutboxMessage) -> None:
        p = message.payload
        wamid, media_id = str(p.get("wamid") or ""), str(p.get("media_id") or "")
        filename = str(p.get("filename") or "medium")
        media_type = str(p.get("media_type") or "application/octet-stream")
        what = f"{p.get('kind') or 'medium'} {filename} ({media_type}), media id {media_id}"
        try:
            if not wamid or not media_id:
                raise _GiveUp("the row names no message or medium")
            content = self._fetch(media_id)
        except _GiveUp as exc:
            whatsapp_media_failed(self.uow(), self.clock, wamid, what, str(exc))
            raise DeliveryFailed(f"WhatsApp medium {media_id}: {exc}", retryable=False) from exc
        except _Later as exc:
            if message.attempts + 1 >= self.attempts:
                reason = f"{exc} ({message.attempts + 1} attempts)"
                whatsapp_media_failed(self.uow(), self.clock, wamid, what, reason)
                raise DeliveryFailed(f"WhatsApp medium {media_id}: {reason}",
                                     retryable=False) from exc  # fmt: skip
            raise DeliveryFailed(f"WhatsApp medium {media_id}: {exc}") from exc
        store_whatsapp_media(self.uow(), self.clock, wamid, content, filename=filename,
                             content_type=media_type)  # fmt: skip

    def _fetch(self, media_id: str) -> bytes:
        headers = {"Authorization": f"Bearer {self.token}"}
        limit = self.max_bytes
        try:
            meta = self.client.get(f"{self.base}/{media_id}", headers=headers)
            _check(meta.status_code, "the API")
            described = meta.json()
            url = described.get("url") if isinstance(described, dict) else None
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise _GiveUp("the API gave no URL for it")
            declared = described.get("file_size")
            if isinstance(declared, int) and declared > limit:  # not even downloaded
                raise _GiveUp(f"larger than {limit} bytes: not stored")
            with self.client.stream("GET", url, headers=headers) as response:
                _check(response.status_code, "its URL")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _GiveUp(f"larger than {limit} bytes: not stored")
                    chunks.append(chunk)
        except ValueError as exc:  # the API's answer is not JSON
            raise _GiveUp(f"the API's answer is not readable ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise _Later(f"could not be fetched ({type(exc).__name__})") from exc
        if not size:
            raise _GiveUp("it is empty")
        return b"".join(chunks)
