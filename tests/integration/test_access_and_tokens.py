"""Tenancy (another organisation's tickets are NotFound), API tokens, concurrent creates."""

from __future__ import annotations

import hashlib
import threading

import pytest
from argon2 import PasswordHasher
from desk_fixtures import Desk
from sqlalchemy import event, select, update

from sladesk import services as s
from sladesk.services import NewTicket
from sladesk.store import UnitOfWork, make_sqlite_writer
from sladesk.store._tables import ApiToken


def test_a_contact_of_another_organisation_sees_nothing(desk: Desk) -> None:
    t = s.create_ticket(desk.uow, desk.clock, desk.alice, NewTicket(subject="mine", body="b"))
    with pytest.raises(s.NotFound):
        s.get_ticket(desk.uow, desk.clock, desk.bob, t.id)
    with pytest.raises(s.NotFound):
        s.reply_publicly(desk.uow, desk.clock, desk.bob, t.id, "hello?")
    assert s.list_tickets(desk.uow, desk.clock, desk.bob) == []
    leak = s.list_tickets(
        desk.uow, desk.clock, desk.bob, s.TicketFilters(organization_id=desk.acme)
    )
    assert leak == []
    assert [x.id for x in s.list_tickets(desk.uow, desk.clock, desk.alice)] == [t.id]
    assert len(s.list_tickets(desk.uow, desk.clock, desk.agent)) == 1
    with pytest.raises(s.NotFound):
        s.get_organization(desk.uow, desk.clock, desk.bob, desk.acme)
    assert [o.id for o in s.list_organizations(desk.uow, desk.clock, desk.bob)] == [desk.globex]
    with pytest.raises(s.Forbidden):
        s.create_agent(desk.uow, desk.clock, desk.agent, s.NewAgent("x@y.test", "X"))


def test_tokens_are_stored_hashed_and_authenticate(desk: Desk) -> None:
    issued = s.create_api_token(desk.uow, desk.clock, desk.admin, contact_id=desk.bob.id)
    assert issued.secret.startswith(f"sld_{issued.token.prefix}_")
    with desk.uow.read_only():
        row = desk.uow.session.execute(select(ApiToken)).scalar_one()
        digest = hashlib.sha256(issued.secret.encode()).hexdigest()
        assert issued.secret not in row.secret_hash and row.secret_hash == f"sha256${digest}"
    fresh = UnitOfWork(desk.uow.engine)  # a new process: nothing cached
    actor = s.authenticate_token(fresh, desk.clock, issued.secret)
    assert actor.is_contact and actor.id == desk.bob.id and actor.organization_id == desk.globex
    for bad in ("", "nope", issued.secret + "x", f"sld_{issued.token.prefix}_wrong"):
        with pytest.raises(s.AuthenticationFailed):
            s.authenticate_token(fresh, desk.clock, bad)
    s.revoke_api_token(desk.uow, desk.clock, desk.admin, issued.token.id)
    with pytest.raises(s.AuthenticationFailed):
        s.authenticate_token(desk.uow, desk.clock, issued.secret)
    with pytest.raises(s.Forbidden):
        s.create_api_token(desk.uow, desk.clock, desk.agent, contact_id=desk.bob.id)


def test_a_request_authenticates_with_one_select_and_no_argon2(desk: Desk) -> None:
    issued = s.create_api_token(desk.uow, desk.clock, desk.admin, agent_id=desk.agent.id)
    s.authenticate_token(desk.uow, desk.clock, issued.secret)  # first use: last_used_at
    statements: list[str] = []

    def count(_c: object, _cur: object, stmt: str, *_a: object) -> None:
        if not stmt.startswith("BEGIN"):
            statements.append(stmt)

    event.listen(desk.uow.engine, "before_cursor_execute", count)
    try:
        actor = s.authenticate_token(desk.uow, desk.clock, issued.secret)
    finally:
        event.remove(desk.uow.engine, "before_cursor_execute", count)
    assert actor.is_agent and actor.id == desk.agent.id
    assert len(statements) == 1, statements


def test_tokens_hashed_with_argon2_before_0_2_still_work_and_are_rehashed(desk: Desk) -> None:
    issued = s.create_api_token(desk.uow, desk.clock, desk.admin, contact_id=desk.bob.id)
    with desk.uow:
        desk.uow.session.execute(
            update(ApiToken).values(secret_hash=PasswordHasher().hash(issued.secret))
        )
        desk.uow.commit()
    actor = s.authenticate_token(desk.uow, desk.clock, issued.secret)
    assert actor.is_contact and actor.id == desk.bob.id
    with desk.uow.read_only():
        row = desk.uow.session.execute(select(ApiToken)).scalar_one()
        assert row.secret_hash.startswith("sha256$")
    with pytest.raises(s.AuthenticationFailed):
        s.authenticate_token(desk.uow, desk.clock, f"sld_{issued.token.prefix}_wrong")


def test_concurrent_creates_get_distinct_numbers(desk: Desk) -> None:
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def create(i: int) -> None:
        uow = UnitOfWork(desk.uow.engine, desk.uow.caches)
        try:
            start.wait()
            new = NewTicket(subject=f"t{i}", body="b", organization_id=desk.globex)
            v = s.create_ticket(uow, desk.clock, desk.agent, new)
            numbers.append(v.number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 20 and len(set(numbers)) == 20


def test_sqlite_writes_of_a_process_go_through_one_connection(desk: Desk) -> None:
    """With the writer ``bootstrap`` wires on SQLite, concurrent creates still get distinct
    numbers, every write transaction uses the writer's one connection (whose page cache then
    stays warm), and reads keep the pool."""
    engine = desk.uow.engine
    writer = make_sqlite_writer(engine)
    if writer is None:
        assert engine.dialect.name == "postgresql"  # writes go through the pool there
        return
    written: set[int] = set()
    read: set[int] = set()
    event.listen(writer, "checkout", lambda dbapi, *_: written.add(id(dbapi)))
    event.listen(engine, "checkout", lambda dbapi, *_: read.add(id(dbapi)))
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def create(i: int) -> None:
        uow = UnitOfWork(engine, desk.uow.caches, writer=writer)
        try:
            start.wait()
            new = NewTicket(subject=f"t{i}", body="b", organization_id=desk.globex)
            numbers.append(s.create_ticket(uow, desk.clock, desk.agent, new).number)
            assert s.list_tickets(uow, desk.clock, desk.agent)  # a read
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.dispose()
    assert errors == []
    assert len(set(numbers)) == 10
    assert len(written) == 1
    assert read and not read & written
