"""The store on its own: migrations, instants, counters, milestones, outbox dedupe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import StatementError

from sladesk.errors import NaiveDatetimeError
from sladesk.store import UnitOfWork, upgrade
from sladesk.store._tables import AuditEntry, Base

T = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def test_migrations_create_every_table_and_match_the_models(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_instants_come_back_aware_utc_and_naive_ones_are_refused(uow: UnitOfWork) -> None:
    lisbon_summer = datetime(2025, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with uow:
        uow.audit.add(lisbon_summer, "test", "sladesk.test")
        uow.commit()
    with uow.read_only():
        (row,) = uow.audit.all("sladesk.test")
        assert row.at == datetime(2025, 7, 1, 11, 0, tzinfo=UTC)
        assert row.at.tzinfo is UTC
    with uow, pytest.raises(StatementError) as caught:
        uow.session.add(AuditEntry(at=datetime(2025, 1, 1), actor="x", action="y", data={}))
        uow.flush()
    assert isinstance(caught.value.orig, NaiveDatetimeError)


def test_ticket_numbers_increase(uow: UnitOfWork) -> None:
    with uow:
        a = uow.tickets.next_number()
        b = uow.tickets.next_number()
        uow.commit()
    assert b > a >= 1


def test_milestones_and_outbox_keys_are_recorded_once(uow: UnitOfWork) -> None:
    with uow:
        uow.session.execute(text("SELECT 1"))
        # a ticket row is needed for the milestone's foreign key: use the outbox alone here
        assert uow.outbox.add("webhook", "k1", {"a": 1}, T) is True
        assert uow.outbox.add("webhook", "k1", {"a": 2}, T) is False
        uow.commit()
    with uow:
        claimed = uow.outbox.claim("w1", T, limit=10)
        assert [m.key for m in claimed] == ["k1"]
        assert uow.outbox.claim("w2", T, limit=10) == []  # leased
        uow.outbox.mark_failed(claimed[0].id, T, "boom", retry_at=T + timedelta(minutes=1))
        uow.commit()
    with uow:
        assert uow.outbox.claim("w2", T, limit=10) == []  # not yet available
        (again,) = uow.outbox.claim("w2", T + timedelta(minutes=2), limit=10)
        assert again.attempts == 2
        uow.outbox.mark_delivered(again.id, T + timedelta(minutes=2))
        uow.commit()
    with uow.read_only():
        (row,) = uow.outbox.all()
        assert row.delivered_at is not None and row.last_error is None


def test_leaving_without_commit_rolls_back(uow: UnitOfWork) -> None:
    with uow:
        uow.audit.add(T, "test", "sladesk.test.rolled_back")
    with uow.read_only():
        assert uow.audit.all("sladesk.test.rolled_back") == []
