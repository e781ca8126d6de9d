"""The outbox: side effects queued in the transaction of the change that calls for them,
deduplicated by key (``ON CONFLICT DO NOTHING`` on ``outbox.key``). Delivery claims them
(``jobs/delivery.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import OutboxMessage


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
    "postgresql": plain(postgresql.insert(_OUTBOX).on_conflict_do_nothing()),
    "sqlite": plain(sqlite.insert(_OUTBOX).on_conflict_do_nothing()),
}


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

    # -- dead letters: rows delivery gave up on (``failed_at``), until an admin discards one

    _DEAD = (_OUTBOX.c.failed_at.is_not(None), _OUTBOX.c.delivered_at.is_(None),
             _OUTBOX.c.discarded_at.is_(None))  # fmt: skip

    def dead_letters(self, limit: int) -> list[OutboxMessage]:
        """The dead letters, newest first."""
        return list(
            self.session.execute(
                select(OutboxMessage)
                .where(*self._DEAD)
                .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
                .limit(limit)
            ).scalars()
        )

    def dead_letter(self, id_: int) -> OutboxMessage | None:
        """One dead letter (locked on PostgreSQL: an admin's retry and discard race)."""
        stmt = select(OutboxMessage).where(OutboxMessage.id == id_, *self._DEAD)
        if self.db.dialect == "postgresql":
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalars().first()

    def revive(self, id_: int, now: datetime) -> bool:
        """Make a dead letter due again, as if new (its last error is kept until the next
        attempt replaces it); False when it is not (or no longer) a dead letter."""
        done = self.db.execute(
            update(_OUTBOX).where(_OUTBOX.c.id == id_, *self._DEAD).values(
                failed_at=None, attempts=0, available_at=now, claimed_by=None,
                claimed_until=None,
            )
        )  # fmt: skip
        return bool(done.rowcount)

    def discard(self, id_: int, now: datetime) -> bool:
        """Keep a dead letter, with its error, but no longer list it (nor deliver it)."""
        done = self.db.execute(
            update(_OUTBOX).where(_OUTBOX.c.id == id_, *self._DEAD).values(discarded_at=now)
        )
        return bool(done.rowcount)

    def all(self, kind: str | None = None) -> list[OutboxMessage]:
        stmt = select(OutboxMessage)
        if kind is not None:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(self.session.execute(stmt.order_by(OutboxMessage.id)).scalars())
