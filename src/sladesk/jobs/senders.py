"""Senders: how one outbox message leaves the building, one per outbox kind.

The delivery job (``delivery.py``) claims due outbox rows and hands each to the sender
registered for its ``kind``. A sender either returns (delivered) or raises
:class:`DeliveryFailed` — ``retryable=False`` when trying again cannot help (no such webhook
endpoint, a 4xx answer). Mail and chat adapters plug in later by implementing
:class:`Sender`; :class:`RecordingSender` is the stand-in tests use.

Every message carries its ``dedupe_key``; senders pass it on (the ``X-Sladesk-Delivery``
header for webhooks) so receivers can drop the rare duplicate of an at-least-once delivery.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from sladesk.errors import SladeskError
from sladesk.jobs.signing import SIGNATURE_HEADER, signature_header
from sladesk.services import DEFAULT_ENDPOINT

__all__ = [
    "DEFAULT_ENDPOINT",
    "DELIVERY_HEADER",
    "DeliveryFailed",
    "OutboxMessage",
    "RecordingSender",
    "Sender",
    "WebhookSender",
]

DELIVERY_HEADER = "X-Sladesk-Delivery"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One claimed outbox row, as a sender sees it."""

    id: int
    kind: str  # "webhook", "notify", "page", "tell_customer", "move_to_team", ...
    dedupe_key: str
    payload: Mapping[str, Any]
    attempts: int  # attempts made before this one


class DeliveryFailed(SladeskError):
    """A message could not be delivered now; ``retryable`` says whether trying later may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        self.retryable = retryable
        super().__init__(message)


class Sender(Protocol):
    """Delivers one message or raises :class:`DeliveryFailed`. Called from the job runner's
    thread outside the outbox's transactions; a sender that changes tickets does it through
    a use case, in a transaction of its own (``actions.py``)."""

    def send(self, message: OutboxMessage) -> None: ...


@dataclass
class RecordingSender:
    """Records what it is given; fails the first ``fail_times`` sends of each message (for
    retry tests). Thread-safe."""

    fail_times: int = 0
    sent: list[OutboxMessage] = field(default_factory=list)
    _failures: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: OutboxMessage) -> None:
        with self._lock:
            failed = self._failures.get(message.dedupe_key, 0)
            if failed < self.fail_times:
                self._failures[message.dedupe_key] = failed + 1
                raise DeliveryFailed(f"recorded failure {failed + 1}")
            self.sent.append(message)


class WebhookSender:
    """POSTs ``payload["body"]`` as JSON to the endpoint named by ``payload["endpoint"]``
    (the shape ``services._outbox`` builds; a row queued before it, without ``body``, is sent
    whole to ``default``), signed with HMAC-SHA256 (see ``signing.py``).

    2xx is delivered; 408, 429 and 5xx and transport errors are retried; other 4xx answers
    and unknown endpoint names are permanent failures."""

    def __init__(
        self,
        endpoints: Mapping[str, str],
        secret: str,
        clock: Callable[[], datetime],
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._endpoints = dict(endpoints)
        self._secret = secret
        self._clock = clock
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutboxMessage) -> None:
        name = str(message.payload.get("endpoint") or DEFAULT_ENDPOINT)
        url = self._endpoints.get(name)
        if url is None:
            raise DeliveryFailed(f"no webhook endpoint named {name!r}", retryable=False)
        document = message.payload.get("body", message.payload)
        body = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(self._secret, body, self._clock()),
            DELIVERY_HEADER: message.dedupe_key,
            "User-Agent": "sladesk-webhooks",
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"POST {url}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        retryable = status in (408, 429) or status >= 500
        raise DeliveryFailed(f"POST {url}: HTTP {status}", retryable=retryable)
