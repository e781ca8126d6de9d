"""Idempotency keys: the ticket a caller's first request with a key created, so that a
repeated request is answered with it."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import IdempotencyKey

_IDEMPOTENCY_KEYS = cast(Table, IdempotencyKey.__table__)
_INSERT_IDEMPOTENCY_KEY = plain(insert(_IDEMPOTENCY_KEYS))


class IdempotencyRepository(Repository):
    def find(self, key: str, actor: str) -> tuple[int, str | None] | None:
        """The ticket a key of ``actor`` created and the fingerprint of the request that
        created it (None for a key stored before fingerprints), or None for a new key."""
        stmt = select(IdempotencyKey.ticket_id, IdempotencyKey.fingerprint).where(
            IdempotencyKey.key == key, IdempotencyKey.actor == actor
        )
        row = self.db.execute(stmt).one_or_none()
        return None if row is None else (row[0], row[1])

    def add(self, key: str, actor: str, ticket_id: int, now: datetime, fingerprint: str) -> None:
        values = {
            "key": key, "actor": actor, "ticket_id": ticket_id, "created_at": now,
            "fingerprint": fingerprint,
        }  # fmt: skip
        # held (``Db.insert_later``): a twin request's key surfaces as IntegrityError at the
        # next statement or the commit, where create_ticket catches it
        self.db.insert_later(_INSERT_IDEMPOTENCY_KEY, _IDEMPOTENCY_KEYS, [values])
