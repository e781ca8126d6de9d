"""The store on its own: migrations, instants, counters, milestones, outbox dedupe."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from desk_fixtures import Desk
from sqlalchemy import Engine, event, inspect, select, text
from sqlalchemy.exc import StatementError

from sladesk.errors import NaiveDatetimeError
from sladesk.services import NewTicket, create_ticket
from sladesk.store import AuditRow, UnitOfWork, upgrade
from sladesk.store._tables import AuditEntry, Base, SlaMilestone

T = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


#: indexes on expressions, which Alembic cannot compare (SQLite's are not even reflected):
#: checked by name below, and their use by test_query_budgets.py
EXPRESSION_INDEXES = {"ix_tickets_open_due", "ix_contacts_email_lower", "ix_agents_email_lower"}


#: the full-text search index (migration 0016_webqueue), engine-specific and outside the
#: models: SQLite's FTS5 tables (and their shadow tables), PostgreSQL's generated
#: ``search_vector`` columns and their GIN indexes; checked by test_search.py
SEARCH_OBJECTS = ("tickets_fts", "messages_fts", "search_vector", "ix_tickets_search",
                  "ix_messages_search")  # fmt: skip


#: foreign keys SQLite adds with ``ALTER TABLE … ADD COLUMN … REFERENCES`` (migration
#: 0017_vip: a table-copying batch would drop a table other rows refer to): SQLite keeps no
#: name (nor ON DELETE) for them in what it reflects, so on SQLite they cannot be compared;
#: PostgreSQL compares them as any other.
SQLITE_INLINE_FKS = {("organizations", ("backup_agent_id",))}


def _inline_fk(obj: object) -> bool:
    table = getattr(getattr(obj, "parent", None), "name", None) or getattr(
        getattr(obj, "table", None), "name", None
    )
    columns = tuple(getattr(obj, "column_keys", ()) or ())
    return (table, columns) in SQLITE_INLINE_FKS


def _comparable(obj: object, name: str | None, type_: str, *_: object) -> bool:
    if name is not None and name.startswith(SEARCH_OBJECTS):
        return False
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def test_migrations_create_every_table_and_match_the_models(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names
    upgrade(engine)  # idempotent
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        sqlite = engine.dialect.name == "sqlite"

        def comparable(obj: object, name: str | None, type_: str, *rest: object) -> bool:
            if sqlite and type_ == "foreign_key_constraint" and _inline_fk(obj):
                return False
            return _comparable(obj, name, type_, *rest)

        context = MigrationContext.configure(conn, opts={"include_object": comparable})
        diff = compare_metadata(context, Base.metadata)
        listed = (
            "SELECT name FROM sqlite_master WHERE type = 'index'"
            if engine.dialect.name == "sqlite"
            else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        )
        indexes = set(conn.execute(text(listed)).scalars())
    assert diff == []
    assert indexes >= EXPRESSION_INDEXES


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


def test_an_outbox_key_is_queued_once(uow: UnitOfWork) -> None:
    with uow:
        assert uow.outbox.add("webhook", "k1", {"a": 1}, T) is True
        assert uow.outbox.add("webhook", "k1", {"a": 2}, T) is False
        uow.commit()
    with uow.read_only():
        (row,) = uow.outbox.all()
        assert (row.key, row.payload, row.attempts) == ("k1", {"a": 1}, 0)


def test_a_milestone_is_recorded_once_and_only_its_first_recording_is_announced(
    desk: Desk,
) -> None:
    """``TicketGateway.record_milestones`` returns only the keys this call inserted: a
    second sweep (or a racing one) of the same milestone gets nothing to announce."""
    uow = desk.uow
    ticket = create_ticket(uow, desk.clock, desk.alice, NewTicket("Down", "All of it")).id
    warn = (ticket, "first_response", 0, "75%", T)
    breach = (ticket, "first_response", 0, "breach", T + timedelta(hours=1))
    with uow:
        store = uow.gateway
        assert store.record_milestones([warn], T) == [warn[:4]]
        assert store.record_milestones([warn, breach], T) == [breach[:4]]
        assert store.record_milestones([warn, breach], T) == []
        uow.commit()
    with uow.read_only():
        rows = uow.session.execute(
            select(SlaMilestone.threshold, SlaMilestone.at).where(SlaMilestone.ticket_id == ticket)
        ).all()
    assert sorted(rows) == [("75%", T), ("breach", T + timedelta(hours=1))]


def test_leaving_without_commit_rolls_back(uow: UnitOfWork) -> None:
    with uow:
        uow.audit.add(T, "test", "sladesk.test.rolled_back")
    with uow.read_only():
        assert uow.audit.all("sladesk.test.rolled_back") == []


def _audit_rows(uow: UnitOfWork, action: str) -> int:
    stmt = text("SELECT count(*) FROM audit_log WHERE action = :action")
    return int(uow.db.execute(stmt, {"action": action}).scalar_one())


def test_core_statements_see_what_the_orm_wrote_in_the_same_transaction(
    uow: UnitOfWork,
) -> None:
    """Repositories mix Core statements (on the connection) and the ORM (a session on the
    same connection): a Core statement sees the ORM's pending objects, a commit writes them,
    and a rollback forgets them."""
    with uow:
        uow.session.add(AuditEntry(at=T, actor="x", action="sladesk.test.mixed", data={}))
        assert _audit_rows(uow, "sladesk.test.mixed") == 1  # flushed before the statement
        uow.rollback()
        assert _audit_rows(uow, "sladesk.test.mixed") == 0
        uow.session.add(AuditEntry(at=T, actor="x", action="sladesk.test.mixed", data={}))
        uow.commit()  # flushes, then commits
    with uow.read_only():
        assert _audit_rows(uow, "sladesk.test.mixed") == 1


def test_a_unit_of_work_of_one_read_opens_no_transaction(uow: UnitOfWork) -> None:
    with uow.single_read():
        assert _audit_rows(uow, "nothing") == 0
        driver = uow.db.connection.connection.driver_connection
        if uow.dialect == "sqlite":
            assert driver.in_transaction is False
        else:
            assert driver.autocommit is True
    with uow:  # the next one is a transaction again
        driver = uow.db.connection.connection.driver_connection
        _audit_rows(uow, "nothing")
        if uow.dialect == "sqlite":
            assert driver.in_transaction is True
        else:
            assert driver.autocommit is False


def test_held_inserts_are_written_before_the_next_statement_or_at_commit(
    uow: UnitOfWork,
) -> None:
    """``Db.insert_later`` (the audit, outbox, history and projection rows of a use case):
    whatever runs next in the unit of work sees them, Core or ORM; a rollback drops them;
    on PostgreSQL several held inserts are one statement."""
    with uow:
        uow.audit.add_many([AuditRow(T, "x", "sladesk.test.held", {})])
        assert _audit_rows(uow, "sladesk.test.held") == 1  # a Core read
        uow.audit.add_many([AuditRow(T, "x", "sladesk.test.held", {})])
        assert len(uow.audit.all("sladesk.test.held")) == 2  # an ORM read
        uow.audit.add_many([AuditRow(T, "x", "sladesk.test.held", {})])
        uow.rollback()
    with uow.read_only():
        assert _audit_rows(uow, "sladesk.test.held") == 0
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_a: object) -> None:
        statements.append(statement)

    with uow:
        uow.audit.add_many([AuditRow(T, "x", "sladesk.test.held", {"n": 1})])
        uow.outbox.add_many([("webhook", "held-1", {"a": [1, "é"]})], T)
        uow.outbox.add_many([("webhook", "held-1", {"a": 2})], T)  # a duplicate key: skipped
        event.listen(uow.db.connection, "before_cursor_execute", seen)
        uow.commit()
    # SQLite: the two consecutive outbox holds are one executemany (the first row of a key
    # is still the one kept); PostgreSQL: everything is one statement
    assert len(statements) == (1 if uow.dialect == "postgresql" else 2)
    with uow.read_only():
        (entry,) = uow.audit.all("sladesk.test.held")
        assert (entry.at, entry.data) == (T, {"n": 1})
        (message,) = [m for m in uow.outbox.all() if m.key == "held-1"]
        assert message.payload == {"a": [1, "é"]} and message.available_at == T


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # TOAST is PostgreSQL's
def test_large_mail_values_are_compressed_with_lz4_where_the_server_has_it(engine: Engine) -> None:
    """Migration 0025_mail_lookups: pglz spent ~1 ms on each 60 KB attachment the intake
    stored; lz4 is several times faster."""
    with engine.connect() as conn:
        options = conn.execute(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        ).scalar()
        if "lz4" not in (options or []):
            pytest.skip("this PostgreSQL server is built without lz4")
        methods = dict(
            conn.execute(
                text(
                    "SELECT attrelid::regclass::text || '.' || attname, attcompression "
                    "FROM pg_attribute WHERE (attrelid, attname) IN "
                    "(('mail_messages'::regclass, 'raw'), ('attachments'::regclass, 'content'))"
                )
            ).all()
        )
    assert methods == {"mail_messages.raw": "l", "attachments.content": "l"}
