"""Webhook signatures, backoff spacing and the webhook sender against a real loopback server."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from jobs_http import webhook_receiver

from sladesk.jobs.backoff import Backoff
from sladesk.jobs.senders import DeliveryFailed, OutboxMessage, WebhookSender
from sladesk.jobs.signing import sign, signature_header, verify_signature

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECRET = "s3cret-for-tests"


def test_signature_round_trip_and_tampering() -> None:
    body = b'{"a":1}'
    header = signature_header(SECRET, body, NOW)
    t = int(NOW.timestamp())
    assert header == f"t={t},v1={sign(SECRET, t, body)}"
    assert verify_signature(SECRET, header, body, NOW)
    assert verify_signature(SECRET, header, body, NOW + timedelta(minutes=4))
    assert not verify_signature(SECRET, header, body, NOW + timedelta(minutes=6))
    assert not verify_signature(SECRET, header, b'{"a":2}', NOW)
    assert not verify_signature("other", header, body, NOW)
    assert not verify_signature(SECRET, None, body, NOW)
    assert not verify_signature(SECRET, "garbage", body, NOW)
    assert not verify_signature(SECRET, "t=x,v1=00", body, NOW)
    # rotation: any v1 matching is enough
    assert verify_signature(SECRET, f"{header},v1=deadbeef", body, NOW)


def test_backoff_grows_exponentially_with_jitter_and_cap() -> None:
    b = Backoff(base=timedelta(seconds=10), cap=timedelta(seconds=100), jitter=0.5)
    rng = random.Random(7)
    delays = [b.delay(n, rng).total_seconds() for n in range(1, 8)]
    for n, d in enumerate(delays, start=1):
        full = min(100.0, 10.0 * 2 ** (n - 1))
        assert full / 2 <= d <= full
    with pytest.raises(ValueError):
        b.delay(0)


def test_webhook_sender_signs_and_classifies_answers() -> None:
    with webhook_receiver(SECRET, fail_first=1) as rx:
        sender = WebhookSender({"ops": rx.url}, SECRET, clock=lambda: datetime.now(UTC))
        msg = OutboxMessage(1, "webhook", "k1", {"endpoint": "ops", "body": {"x": 1}}, 0)
        with pytest.raises(DeliveryFailed) as first:
            sender.send(msg)
        assert first.value.retryable
        sender.send(msg)
        assert rx.accepted == {"k1": b'{"x":1}'}
        assert rx.bad_signatures == 0
        with pytest.raises(DeliveryFailed) as unknown:
            sender.send(OutboxMessage(2, "webhook", "k2", {"endpoint": "nope"}, 0))
        assert not unknown.value.retryable
        sender.close()
