"""The outbox: side effects queued in the transaction of the change that calls for them,
deduplicated by key (``ON CONFLICT DO NOTHING`` on ``outbox.key``), claimed by delivery jobs
with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), marked delivered or failed. Also the
SLA milestones' one-row insert, which shares the duplicate-skipping INSERT."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sladesk.store._db import Repository
from sladesk.store._tables import OutboxMessage, SlaMilestone


def _insert_ignoring_duplicates(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on either engine; True if a row was inserted."""
    dialect = session.get_bind().dialect.name
    stmt: Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    inserted = session.execute(stmt.returning(table.c.id)).scalar_one_or_none()
    return inserted is not None


_OUTBOX = cast(Table, OutboxMessage.__table__)
#: ``INSERT … ON CONFLICT DO NOTHING`` into the outbox, to run with a list of rows (an
#: executemany), per dialect; built once, so each keeps its cache key
_QUEUE_IGNORING_DUPLICATES = {
    "postgresql": postgresql.insert(_OUTBOX).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(_OUTBOX).on_conflict_do_nothing(),
}


class MilestoneRepository(Repository):
    def record(
        self, ticket_id: int, metric: str, cycle: int, threshold: str, at: datetime, now: datetime
    ) -> bool:
        """Record that ``threshold`` ("75%", "30m", "breach") was passed; True only for the
        one caller that records it first, however many sweepers race."""
        return _insert_ignoring_duplicates(
            self.session,
            SlaMilestone.__table__,
            {"ticket_id": ticket_id, "metric": metric, "cycle": cycle, "threshold": threshold,
             "at": at, "recorded_at": now},
        )  # fmt: skip

    def for_ticket(self, ticket_id: int) -> list[SlaMilestone]:
        stmt = select(SlaMilestone).where(SlaMilestone.ticket_id == ticket_id)
        return list(self.session.execute(stmt.order_by(SlaMilestone.id)).scalars())


class OutboxRepository(Repository):
    def add(
        self,
        kind: str,
        key: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        available_at: datetime | None = None,
    ) -> bool:
        """Queue a side effect; a second message with the same ``key`` is dropped."""
        return _insert_ignoring_duplicates(
            self.session,
            OutboxMessage.__table__,
            {"kind": kind, "key": key, "payload": payload, "attempts": 0, "created_at": now,
             "available_at": available_at or now},
        )  # fmt: skip

    def add_many(self, messages: Sequence[tuple[str, str, dict[str, Any]]], now: datetime) -> None:
        """Queue several side effects (kind, key, payload) in one statement, held until the
        unit of work's next statement (``Db.insert_later``); a message whose ``key`` is
        already queued is dropped."""
        if not messages:
            return
        rows = [
            {"kind": kind, "key": key, "payload": payload, "attempts": 0, "created_at": now,
             "available_at": now}
            for kind, key, payload in messages
        ]  # fmt: skip
        statement = _QUEUE_IGNORING_DUPLICATES[self.db.dialect]
        self.db.insert_later(statement, _OUTBOX, rows, ignore_duplicates=True)

    def claim(
        self,
        worker: str,
        now: datetime,
        *,
        limit: int = 100,
        lease: timedelta = timedelta(minutes=5),
    ) -> list[OutboxMessage]:
        """Claim up to ``limit`` deliverable messages for ``lease``. On PostgreSQL rows locked
        by another claimer are skipped; an expired lease (a killed runner) is claimable again."""
        stmt = (
            select(OutboxMessage)
            .where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.available_at <= now,
                (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
            .limit(limit)
        )
        if self.db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.session.execute(stmt).scalars())
        for row in rows:
            row.claimed_by = worker
            row.claimed_until = now + lease
            row.attempts += 1
        self.session.flush()
        return rows

    def mark_delivered(self, message_id: int, now: datetime) -> None:
        self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(delivered_at=now, claimed_until=None, last_error=None)
        )

    def mark_failed(
        self, message_id: int, now: datetime, error: str, *, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: retry at ``retry_at``, or give up when it is None."""
        values: dict[str, Any] = {"last_error": error[:2000], "claimed_until": None}
        if retry_at is None:
            values["failed_at"] = now
        else:
            values["available_at"] = retry_at
        self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )

    def all(self, kind: str | None = None) -> list[OutboxMessage]:
        stmt = select(OutboxMessage)
        if kind is not None:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(self.session.execute(stmt.order_by(OutboxMessage.id)).scalars())
