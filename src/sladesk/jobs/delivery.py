"""Outbox delivery: claim due messages with a lease, send each through its kind's sender,
record the outcome.

A use case writes side effects to ``outbox`` in its own transaction (``outbox.key`` is unique,
so a side effect is queued once). This job delivers them *at least once*:

1. **claim** (one short transaction): up to ``batch`` undelivered, not dead messages of the
   kinds we have senders for, with ``available_at <= now`` and no live lease
   (``claimed_until`` empty or past), ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; stamp them
   ``claimed_by`` / ``claimed_until = now + lease``; commit.
2. **send** outside any transaction (a slow receiver holds no lock).
3. **record** (one transaction): delivered -> ``delivered_at``; failed -> ``attempts + 1``,
   ``last_error``, ``available_at = now + backoff`` (exponential with jitter); a permanent
   failure, or the last allowed attempt -> ``failed_at`` (dead). Only rows still claimed by
   this worker are updated.

A worker killed between 1 and 3 leaves its messages claimed until the lease runs out; then
another worker sends them again. Receivers drop the duplicate by the ``X-Sladesk-Delivery``
header (the outbox key).
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from sladesk.jobs.backoff import Backoff
from sladesk.jobs.senders import DeliveryFailed, OutboxMessage, Sender
from sladesk.jobs.signing import verify_signature
from sladesk.services import Clock
from sladesk.store import OutboxMessage as OutboxRow
from sladesk.store import UnitOfWork

__all__ = [
    "DeliveryJob",
    "DeliveryReport",
    "claim_messages",
    "deliver_due",
    "verify_signature",  # for receivers: the check that matches what we send (signing.py)
    "worker_name",
]

log = logging.getLogger("sladesk.jobs.delivery")


def worker_name() -> str:
    """``host:pid:thread-ish`` — who holds a claim, for people reading the outbox table."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    claimed: int
    delivered: int
    retried: int
    dead: int


def claim_messages(
    uow: UnitOfWork,
    kinds: frozenset[str],
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    worker: str,
) -> list[OutboxMessage]:
    """Claim due messages of ``kinds`` for ``lease`` (one committed transaction)."""
    if not kinds:
        return []
    with uow:
        stmt = (
            select(OutboxRow)
            .where(
                OutboxRow.delivered_at.is_(None),
                OutboxRow.failed_at.is_(None),
                OutboxRow.available_at <= now,
                OutboxRow.kind.in_(sorted(kinds)),
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .order_by(OutboxRow.available_at, OutboxRow.id)
            .limit(limit)
        )
        if uow.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(uow.session.execute(stmt).scalars())
        claimed = []
        for row in rows:
            row.claimed_by = worker
            row.claimed_until = now + lease
            claimed.append(
                OutboxMessage(row.id, row.kind, row.key, dict(row.payload or {}), row.attempts)
            )
        uow.commit()
    return claimed


def deliver_due(
    uow: UnitOfWork,
    clock: Clock,
    senders: Mapping[str, Sender],
    *,
    limit: int = 100,
    lease: timedelta = timedelta(minutes=5),
    backoff: Backoff = Backoff(),
    worker: str | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Claim, send and record one batch (see the module docstring)."""
    me = worker or worker_name()
    messages = claim_messages(
        uow, frozenset(senders), clock.now(), limit=limit, lease=lease, worker=me
    )
    if not messages:
        return DeliveryReport(0, 0, 0, 0)
    outcomes: list[tuple[OutboxMessage, DeliveryFailed | None]] = []
    for message in messages:
        try:
            senders[message.kind].send(message)
            outcomes.append((message, None))
        except DeliveryFailed as exc:
            outcomes.append((message, exc))
        except Exception as exc:  # a sender bug must not kill the runner: retry, then dead
            log.exception("sender %s crashed on outbox %s", message.kind, message.id)
            outcomes.append((message, DeliveryFailed(f"{type(exc).__name__}: {exc}")))
    delivered = retried = dead = 0
    now = clock.now()
    with uow:
        for message, error in outcomes:
            mine = (OutboxRow.id == message.id, OutboxRow.claimed_by == me)
            attempts = message.attempts + 1
            values: dict[str, object] = {"attempts": attempts, "claimed_until": None}
            if error is None:
                values["delivered_at"] = now
                values["last_error"] = None
                delivered += 1
            elif not error.retryable or attempts >= backoff.max_attempts:
                values["failed_at"] = now
                values["last_error"] = str(error)[:2000]
                dead += 1
                log.warning("outbox %s (%s) is dead: %s", message.dedupe_key, message.kind, error)
            else:
                values["available_at"] = now + backoff.delay(attempts, rng)
                values["last_error"] = str(error)[:2000]
                retried += 1
            uow.session.execute(
                update(OutboxRow)
                .where(*mine, OutboxRow.delivered_at.is_(None))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        uow.commit()
    return DeliveryReport(len(messages), delivered, retried, dead)


class DeliveryJob:
    """Outbox delivery as a runner job, with its own unit of work."""

    name = "outbox-delivery"

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=5),
        backoff: Backoff = Backoff(),
        worker: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.senders = dict(senders)
        self.batch = batch
        self.lease = lease
        self.backoff = backoff
        self.worker = worker or worker_name()
        self.rng = rng

    def run_once(self) -> int:
        report = deliver_due(
            self.uow,
            self.clock,
            self.senders,
            limit=self.batch,
            lease=self.lease,
            backoff=self.backoff,
            worker=self.worker,
            rng=self.rng,
        )
        return report.claimed
