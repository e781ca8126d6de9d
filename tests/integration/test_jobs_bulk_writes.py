"""The sweep's set-based writes (``sladesk.store._bulk``: a batch's rows as one JSON document)
store exactly what the ORM stores, on a real SQLite file and a real PostgreSQL: aware UTC
instants from any offset, JSON, floats, NULLs; naive instants and over-long strings are
refused rather than stored or cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from jobs_fixtures import NOW
from sqlalchemy import Engine, Table, select, text
from sqlalchemy.exc import DBAPIError

from sladesk.errors import NaiveDatetimeError
from sladesk.store import UnitOfWork
from sladesk.store._bulk import insert_rows, update_rows
from sladesk.store._tables import OutboxMessage, SlaProjection, Ticket

OUTBOX = cast(Table, OutboxMessage.__table__)
PROJECTIONS = cast(Table, SlaProjection.__table__)
LISBON_SUMMER = timezone(timedelta(hours=1))
PAYLOAD: dict[str, Any] = {
    "to": "role:lead",
    "text": 'Café "down", 50% — ☕',
    "at": NOW.isoformat(),
    "n": [1, 2.5, None, True],
    "nested": {"empty": {}, "none": None},
}


def _outbox_row(engine: Engine, key: str) -> tuple[Any, ...]:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                OutboxMessage.kind,
                OutboxMessage.payload,
                OutboxMessage.attempts,
                OutboxMessage.created_at,
                OutboxMessage.available_at,
                OutboxMessage.claimed_until,
            ).where(OutboxMessage.key == key)
        ).one()
    return tuple(row)


def test_rows_read_back_as_the_orm_wrote_them(engine: Engine) -> None:
    uow = UnitOfWork(engine)
    later = NOW.astimezone(LISBON_SUMMER) + timedelta(minutes=5)  # another offset, same kind
    with uow:
        uow.session.add(
            OutboxMessage(kind="notify", key="orm", payload=PAYLOAD, attempts=0,
                          created_at=NOW, available_at=later)
        )  # fmt: skip
        uow.flush()
        inserted = insert_rows(
            uow.session,
            OUTBOX,
            ("kind", "key", "payload", "available_at"),
            [("notify", "bulk", PAYLOAD, later), ("notify", "orm", {}, later)],
            constants={"attempts": 0, "created_at": NOW},
            conflict=("key",),
            returning=("key",),
        )
        uow.commit()
    assert inserted == [("bulk",)]  # "orm" was there already: skipped, not returned
    assert _outbox_row(engine, "bulk") == _outbox_row(engine, "orm")
    created, available = _outbox_row(engine, "bulk")[3:5]
    assert (created, available) == (NOW, later) and available.tzinfo == UTC
    if engine.dialect.name == "sqlite":  # the stored text itself, byte for byte
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT key, payload, created_at, available_at FROM outbox ORDER BY key")
            ).all()
        assert stored[0][1:] == stored[1][1:]


def test_projection_rows_and_ticket_updates(engine: Engine) -> None:
    """Floats, NULL instants and NULL floats, and a ticket row's queue columns."""
    uow = UnitOfWork(engine)
    with uow:
        ticket = Ticket(number=1, subject="s", type="incident", priority="urgent", status="new",
                        channel="portal", created_at=NOW, updated_at=NOW, last_seq=1,
                        next_sla_event_at=NOW)  # fmt: skip
        uow.session.add(ticket)
        uow.flush()
        columns = ("ticket_id", "metric", "cycle", "state", "started_at", "due_at",
                   "used_seconds", "left_seconds", "evaluated_at", "data")  # fmt: skip
        insert_rows(
            uow.session,
            PROJECTIONS,
            columns,
            [(ticket.id, "first_response", 0, "running", NOW, None, 0.1, None, NOW, {"w": []}),
             (ticket.id, "resolution", 2, "breached", NOW, NOW, 7200.0, -1e-07, NOW, {})],
        )  # fmt: skip
        update_rows(
            uow.session,
            cast(Table, Ticket.__table__),
            "id",
            ("id", "last_seq", "sla_state", "sla_due_at", "next_sla_event_at"),
            [(ticket.id, 4, "breached", None, NOW + timedelta(hours=2))],
        )
        uow.commit()
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                SlaProjection.metric,
                SlaProjection.cycle,
                SlaProjection.due_at,
                SlaProjection.used_seconds,
                SlaProjection.left_seconds,
                SlaProjection.data,
            ).order_by(SlaProjection.metric)
        ).all()
        queue = conn.execute(
            select(Ticket.last_seq, Ticket.sla_state, Ticket.sla_due_at, Ticket.next_sla_event_at)
        ).one()
    assert [tuple(r) for r in rows] == [
        ("first_response", 0, None, 0.1, None, {"w": []}),
        ("resolution", 2, NOW, 7200.0, -1e-07, {}),
    ]
    assert tuple(queue) == (4, "breached", None, NOW + timedelta(hours=2))


def test_naive_instants_are_refused(engine: Engine) -> None:
    uow = UnitOfWork(engine)
    with uow, pytest.raises(NaiveDatetimeError):
        insert_rows(
            uow.session,
            OUTBOX,
            ("kind", "key", "payload", "created_at", "available_at"),
            [("notify", "k", {}, NOW, datetime(2026, 3, 2, 12, 0))],  # noqa: DTZ001
        )


def test_a_string_too_long_for_its_column_is_never_cut(engine: Engine) -> None:
    """PostgreSQL refuses it (an explicit CAST to VARCHAR(n) would have cut it silently);
    SQLite, which has no lengths, keeps it whole."""
    uow = UnitOfWork(engine)
    rows = [("x" * 65, "k", {})]
    now = {"attempts": 0, "created_at": NOW, "available_at": NOW}
    with uow:
        if engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="too long"):
                insert_rows(uow.session, OUTBOX, ("kind", "key", "payload"), rows, constants=now)
            return
        insert_rows(uow.session, OUTBOX, ("kind", "key", "payload"), rows, constants=now)
        kind = uow.session.execute(select(OutboxMessage.kind)).scalar_one()
    assert kind == "x" * 65
