"""The outbox's ``whatsapp`` sender: an agent's public reply on a WhatsApp ticket, sent as
``POST {api_base}/{phone_number_id}/messages`` with the bearer token (the Cloud API's
documented request), the ``wamid`` it answers recorded on the delivery and on our message.

Nothing is sent twice for one outbox row: ``prepare_whatsapp_send`` marks the row's
delivery ``sending`` before the POST and refuses a row already sent or left ``sending`` by
an attempt that may have reached WhatsApp (a worker that died, a read timeout). Outside
the 24-hour window only a template goes (``/template <name> [<lang>]``); any other reply
fails for good, with the reason on the ticket. A refused request (4xx) is not retried but
for 408/429; 5xx answers and connection failures are, with the delivery job's backoff.
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
    whatsapp_send_failed,
    whatsapp_sent,
)

__all__ = ["WhatsAppApi", "WhatsAppSender"]

#: Cloud API error: the 24-hour window has closed (only templates may be sent)
_REENGAGEMENT = 131047


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
        if decided.action != "send":
            raise DeliveryFailed(decided.reason, retryable=False)
        url = f"{self.api.base.rstrip('/')}/{self.api.phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {self.api.token}"}
        try:
            response = self.client.post(url, json=_body(decided), headers=headers)
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
        whatsapp_send_failed(self.uow(), self.clock, key, reason)
        retryable = code != _REENGAGEMENT and (status in (408, 429) or status >= 500)
        raise DeliveryFailed(reason, retryable=retryable)


def _body(decided: WhatsAppSend) -> dict[str, Any]:
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": decided.to}
    if decided.template:
        template = {"name": decided.template, "language": {"code": decided.language}}
        return {**base, "type": "template", "template": template}
    return {**base, "type": "text", "text": {"preview_url": False, "body": decided.text}}


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
