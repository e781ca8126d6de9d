"""On-call paging in the job runner: re-paging and the HTTP pager.

- :class:`RepageJob`: each round hands on every page whose acknowledgement is late
  (``services.repage_due``: ``oncall_pages.repage_at <= now``, one index probe when none is),
  so a page not acknowledged within the policy's ``on_call.repage_after`` reaches the next
  person of the rotation at that minute (within one runner round).
- :class:`PagerSender`: the ``page`` rows POSTed, signed as every webhook, to the endpoint
  ``SLADESK_PAGER_ENDPOINT`` names among ``SLADESK_WEBHOOKS`` (a pager service's incoming
  webhook), with the absolute acknowledgement link added as ``ack_url``.
- :class:`FanOutSender`: a row to several senders (a page by mail and to the pager); it is
  delivered when every one took it, retried when one may take it later (the mail sender
  skips the recipients it already sent to, so a retry does not mail twice).
"""

from __future__ import annotations

from collections.abc import Sequence

from sladesk.jobs.senders import DeliveryFailed, OutboxMessage, Sender, WebhookSender
from sladesk.services import repage_due
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork

__all__ = ["FanOutSender", "PagerSender", "RepageJob"]


class RepageJob:
    name = "oncall-repage"

    def __init__(self, uow: UnitOfWork, clock: Clock, *, batch: int = 50) -> None:
        self.uow = uow
        self.clock = clock
        self.batch = batch

    def run_once(self) -> int:
        return repage_due(self.uow, self.clock, limit=self.batch)


class PagerSender:
    def __init__(self, webhooks: WebhookSender, endpoint: str, public_url: str) -> None:
        self.webhooks = webhooks
        self.endpoint = endpoint
        self.public_url = public_url.rstrip("/")

    def send(self, message: OutboxMessage) -> None:
        body = dict(message.payload)
        data = body.get("data")
        if isinstance(data, dict) and isinstance(data.get("ack_path"), str):
            body["ack_url"] = f"{self.public_url}{data['ack_path']}"
        self.webhooks.send(
            OutboxMessage(message.id, message.kind, message.dedupe_key,
                          {"endpoint": self.endpoint, "body": body}, message.attempts)
        )  # fmt: skip


class FanOutSender:
    def __init__(self, senders: Sequence[Sender]) -> None:
        self.senders = list(senders)

    def send(self, message: OutboxMessage) -> None:
        failures: list[DeliveryFailed] = []
        for sender in self.senders:
            try:
                sender.send(message)
            except DeliveryFailed as exc:
                failures.append(exc)
        if failures:
            raise DeliveryFailed(
                "; ".join(str(f) for f in failures),
                retryable=any(f.retryable for f in failures),
            )
