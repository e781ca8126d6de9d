"""Outbox delivery on both engines: signed webhooks to a real HTTP server on loopback,
retries with backoff on 500, dead after the last attempt, dedupe by key, expired claims."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta

from jobs_fixtures import NOW, Database, seed_due_tickets
from jobs_fixtures import jobs_db as jobs_db
from jobs_http import webhook_receiver
from sqlalchemy import insert, select, update

from sladesk.jobs.backoff import Backoff
from sladesk.jobs.delivery import DeliveryJob, claim_messages, deliver_due
from sladesk.jobs.runner import Runner
from sladesk.jobs.senders import RecordingSender, WebhookSender
from sladesk.jobs.sweep import SweepJob
from sladesk.services import FixedClock, SystemClock
from sladesk.store import UnitOfWork
from sladesk.store._tables import OutboxMessage

SECRET = "a-test-secret-of-32-characters!!"


def _queue(db: Database, key: str, kind: str = "webhook", at: datetime = NOW) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(OutboxMessage).values(
                kind=kind,
                key=key,
                payload={"endpoint": "ops", "body": {"key": key}},
                attempts=0,
                created_at=at,
                available_at=at,
            )
        )


def _rows(db: Database) -> list[OutboxMessage]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def test_webhooks_are_signed_retried_with_backoff_and_delivered_once(jobs_db: Database) -> None:
    _queue(jobs_db, "k1", at=datetime.now(UTC) - timedelta(seconds=1))
    clock = SystemClock()
    backoff = Backoff(base=timedelta(milliseconds=200), cap=timedelta(seconds=2), jitter=0.5)
    with webhook_receiver(SECRET, fail_first=2) as rx:
        sender = WebhookSender({"ops": rx.url}, SECRET, clock=clock.now)
        job = DeliveryJob(UnitOfWork(jobs_db.engine), clock, {"webhook": sender}, backoff=backoff)
        deadline = time.monotonic() + 10
        while not rx.accepted and time.monotonic() < deadline:
            job.run_once()
            time.sleep(0.02)
        sender.close()
    assert list(rx.accepted) == ["k1"]
    assert rx.bad_signatures == 0
    assert len(rx.requests) == 3  # 500, 500, 204
    gaps = [b - a for a, b in zip(rx.times, rx.times[1:], strict=False)]
    assert 0.1 <= gaps[0] <= 0.6  # first retry: 200 ms with up to 50 % jitter (+ polling)
    assert 0.2 <= gaps[1] <= 1.0  # second: 400 ms, ditto
    (row,) = _rows(jobs_db)
    assert row.attempts == 3 and row.delivered_at is not None and row.failed_at is None
    assert row.last_error is None and row.claimed_until is None


def test_dead_after_max_attempts_and_on_permanent_failure(jobs_db: Database) -> None:
    _queue(jobs_db, "flaky")
    _queue(jobs_db, "nowhere")
    with jobs_db.engine.begin() as conn:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "nowhere")
            .values(payload={"endpoint": "missing"})
        )
    clock = FixedClock(NOW)
    backoff = Backoff(base=timedelta(seconds=10), max_attempts=3)
    with webhook_receiver(SECRET, fail_first=100) as rx:
        sender = WebhookSender({"ops": rx.url}, SECRET, clock=clock.now)
        uow = UnitOfWork(jobs_db.engine)
        for _ in range(5):
            deliver_due(uow, clock, {"webhook": sender}, backoff=backoff, rng=random.Random(1))
            clock.advance(timedelta(seconds=60))
        sender.close()
    flaky, nowhere = _rows(jobs_db)
    assert flaky.attempts == 3 and flaky.failed_at is not None and "HTTP 500" in flaky.last_error
    assert nowhere.attempts == 1 and nowhere.failed_at is not None
    assert "no webhook endpoint" in nowhere.last_error
    assert len(rx.requests) == 3


def test_an_expired_claim_is_taken_again_and_the_receiver_drops_the_duplicate(
    jobs_db: Database,
) -> None:
    """A worker that claimed and sent, then died before recording: after the lease another
    worker sends again with the same delivery key; the receiver keeps one."""
    _queue(jobs_db, "once", at=datetime.now(UTC) - timedelta(minutes=1))
    clock = SystemClock()
    with webhook_receiver(SECRET) as rx:
        sender = WebhookSender({"ops": rx.url}, SECRET, clock=clock.now)
        uow = UnitOfWork(jobs_db.engine)
        (msg,) = claim_messages(
            uow,
            frozenset({"webhook"}),
            clock.now(),
            limit=10,
            lease=timedelta(seconds=1),
            worker="dead-worker",
        )
        sender.send(msg)  # ... and the worker dies here
        assert deliver_due(uow, clock, {"webhook": sender}).claimed == 0  # lease still held
        time.sleep(1.1)
        report = deliver_due(uow, clock, {"webhook": sender}, worker="w2")
        sender.close()
    assert report.delivered == 1
    assert len(rx.requests) == 2 and rx.duplicates == 1 and list(rx.accepted) == ["once"]
    (row,) = _rows(jobs_db)
    assert row.delivered_at is not None and row.claimed_by == "w2"


def test_sweep_then_delivery_end_to_end_each_escalation_once(jobs_db: Database) -> None:
    seed_due_tickets(jobs_db.engine, 4)
    clock = FixedClock(NOW)
    recorder = RecordingSender()
    with webhook_receiver(SECRET) as rx:
        webhooks = WebhookSender({"ops": rx.url}, SECRET, clock=SystemClock().now)
        senders = {"webhook": webhooks, "notify": recorder, "page": recorder}
        runner = Runner(
            [
                SweepJob(UnitOfWork(jobs_db.engine), clock),
                DeliveryJob(UnitOfWork(jobs_db.engine), clock, senders),
            ]
        )
        runner.drain()
        runner.drain()
        webhooks.close()
    assert len(rx.accepted) == 4 and rx.duplicates == 0 and rx.bad_signatures == 0
    assert sorted(m.kind for m in recorder.sent) == ["notify"] * 8 + ["page"] * 4
    assert len({m.dedupe_key for m in recorder.sent}) == 12
    # tell_customer has no sender yet: it waits in the outbox, undelivered, not dead
    waiting = [r for r in _rows(jobs_db) if r.delivered_at is None]
    assert {r.kind for r in waiting} == {"tell_customer"} and len(waiting) == 4
    assert all(r.failed_at is None and r.attempts == 0 for r in waiting)


def test_three_deliverers_at_once_send_each_message_once(jobs_db: Database) -> None:
    with jobs_db.engine.begin() as conn:
        conn.execute(
            insert(OutboxMessage),
            [
                {
                    "kind": "notify",
                    "key": f"n{i}",
                    "payload": {"i": i},
                    "attempts": 0,
                    "created_at": NOW,
                    "available_at": NOW,
                }
                for i in range(300)
            ],
        )
    recorder = RecordingSender()
    clock = FixedClock(NOW)

    def deliverer(name: str) -> None:
        job = DeliveryJob(UnitOfWork(jobs_db.engine), clock, {"notify": recorder}, worker=name)
        Runner([job]).drain()

    threads = [threading.Thread(target=deliverer, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    keys = [m.dedupe_key for m in recorder.sent]
    assert len(keys) == 300 and len(set(keys)) == 300
    assert all(r.delivered_at is not None and r.attempts == 1 for r in _rows(jobs_db))
