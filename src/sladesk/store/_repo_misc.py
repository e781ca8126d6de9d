"""Small repositories: SLA milestones (exactly once), the outbox (deduplicated by key,
claimed with ``FOR UPDATE SKIP LOCKED``), API tokens, idempotency keys and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sladesk.store._tables import (
    Agent,
    ApiToken,
    AuditEntry,
    Contact,
    IdempotencyKey,
    OutboxMessage,
    SlaMilestone,
)


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


def _insert_ignoring(session: Session, entity: type[Any]) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for ``entity``'s table, to run with a list of
    rows (an executemany: one compiled statement, cached, whatever the number of rows)."""
    table = cast(Table, entity.__table__)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


class MilestoneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
        """Queue several side effects (kind, key, payload) in one statement; a message whose
        ``key`` is already queued is dropped."""
        if not messages:
            return
        rows = [
            {"kind": kind, "key": key, "payload": payload, "attempts": 0, "created_at": now,
             "available_at": now}
            for kind, key, payload in messages
        ]  # fmt: skip
        self.session.execute(_insert_ignoring(self.session, OutboxMessage), rows)

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
        if self.session.get_bind().dialect.name == "postgresql":
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


#: built once: a statement object keeps its cache key, so executing it skips both building
#: the expression and computing its key (~0.15 ms per call measured, every request)
_TOKEN_WITH_OWNER = (
    select(ApiToken, Agent, Contact)
    .outerjoin(Agent, Agent.id == ApiToken.agent_id)
    .outerjoin(Contact, Contact.id == ApiToken.contact_id)
    .where(ApiToken.prefix == bindparam("prefix"))
)


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: ApiToken) -> ApiToken:
        self.session.add(token)
        self.session.flush()
        return token

    def by_prefix(self, prefix: str) -> ApiToken | None:
        stmt = select(ApiToken).where(ApiToken.prefix == prefix)
        return self.session.execute(stmt).scalar_one_or_none()

    def with_owner(self, prefix: str) -> tuple[ApiToken, Agent | None, Contact | None] | None:
        """The token with this public prefix and its owner, in one SELECT (every request
        authenticates: this is the one statement it costs)."""
        row = self.session.execute(_TOKEN_WITH_OWNER, {"prefix": prefix}).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    def get(self, token_id: int) -> ApiToken | None:
        return self.session.get(ApiToken, token_id)

    def listed(self, *, agent_id: int | None = None, contact_id: int | None = None,
               everyone: bool = False) -> list[ApiToken]:  # fmt: skip
        """The tokens of one agent or one contact, or with ``everyone`` all of them; newest
        first."""
        stmt = select(ApiToken).order_by(ApiToken.id.desc())
        if not everyone:
            stmt = stmt.where(
                ApiToken.agent_id == agent_id if agent_id is not None
                else ApiToken.contact_id == contact_id
            )  # fmt: skip
        return list(self.session.execute(stmt).scalars())


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, key: str, actor: str) -> int | None:
        stmt = select(IdempotencyKey.ticket_id).where(
            IdempotencyKey.key == key, IdempotencyKey.actor == actor
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def add(self, key: str, actor: str, ticket_id: int, now: datetime) -> None:
        self.session.add(IdempotencyKey(key=key, actor=actor, ticket_id=ticket_id, created_at=now))


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        at: datetime,
        actor: str,
        action: str,
        data: dict[str, Any] | None = None,
        *,
        ticket_id: int | None = None,
    ) -> None:
        """``action`` is a dotted code: ``sladesk.ticket.priority.changed``."""
        self.session.add(
            AuditEntry(at=at, actor=actor, action=action, ticket_id=ticket_id, data=data or {})
        )

    def all(self, action: str | None = None) -> list[AuditEntry]:
        stmt = select(AuditEntry)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list(self.session.execute(stmt.order_by(AuditEntry.id)).scalars())
