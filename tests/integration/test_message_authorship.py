"""Who wrote a ticket's first message and on whose behalf, on SQLite and PostgreSQL: stored
so, answered so at creation, and read back so; and the rows written before migration
``0005`` (an agent's message under the contact's id and name) rewritten."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_fixtures import PG_URL, Desk
from sqlalchemy import Engine, insert, text

from sladesk import services as s
from sladesk.services import MessageView, NewTicket
from sladesk.store import make_engine, upgrade
from sladesk.store._tables import Agent, Contact, Organization, Ticket, TicketEvent


def _first(view: s.TicketView) -> MessageView:
    return view.messages[0]


def _filed(desk: Desk, actor: s.Actor, **kw: object) -> tuple[MessageView, MessageView]:
    new = NewTicket(subject="Cannot print", body="Said on the phone.", type="incident", **kw)  # type: ignore[arg-type]
    created = s.create_ticket(desk.uow, desk.clock, actor, new)
    read = s.get_ticket(desk.uow, desk.clock, desk.admin, created.id)
    return _first(created), _first(read)


def test_an_agent_filing_for_a_contact_is_the_author_on_their_behalf(desk: Desk) -> None:
    bob_id = desk.bob.id
    for m in _filed(desk, desk.agent, requester_id=bob_id):
        assert (m.author_kind, m.author_id, m.author_name) == ("agent", desk.agent.id, "Al Agent")
        assert (m.on_behalf_of_id, m.on_behalf_of_name) == (bob_id, "Bob")


def test_a_contact_filing_is_the_author_on_nobodys_behalf(desk: Desk) -> None:
    for m in _filed(desk, desk.bob):
        assert (m.author_kind, m.author_id, m.author_name) == ("contact", desk.bob.id, "Bob")
        assert (m.on_behalf_of_id, m.on_behalf_of_name) == (None, None)


def test_an_agent_filing_for_an_organisation_is_the_author(desk: Desk) -> None:
    for m in _filed(desk, desk.agent, organization_id=desk.globex):
        assert (m.author_kind, m.author_id, m.author_name) == ("agent", desk.agent.id, "Al Agent")
        assert m.on_behalf_of_id is None


T = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def _rows_at_0004(engine: Engine) -> None:
    """Two tickets as the code before 0005 wrote them: #1 filed by agent 1 for contact 2
    (its message under the contact's id and name), #2 filed by contact 2 themself. The
    ``messages`` rows in SQL (its columns as they were at 0004), the rest through Core."""
    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            insert(Agent.__table__),
            [
                {"id": 1, "email": "al@desk.test", "name": "Al Agent", "role": "agent",
                 "active": True, "created_at": T},
                {"id": 2, "email": "no@desk.test", "name": "Not Cleo", "role": "agent",
                 "active": True, "created_at": T},
            ],
        )  # fmt: skip
        conn.execute(
            insert(Organization.__table__).values(
                id=1, name="Acme", slug="acme", addons=[], locale="en", time_zone="UTC",
                created_at=T,
            )
        )  # fmt: skip
        conn.execute(
            insert(Contact.__table__).values(
                id=2, organization_id=1, email="cleo@acme.test", name="Cleo Contact",
                active=True, created_at=T,
            )
        )  # fmt: skip
        for ticket_id, actor in ((1, "agent:1"), (2, "contact:2")):
            conn.execute(
                insert(Ticket.__table__).values(
                    id=ticket_id, number=ticket_id, subject="Printer", type="incident",
                    priority="high", status="new", channel="phone", requester_id=2,
                    organization_id=1, tags=[], attributes={}, facts={}, over_quota=False,
                    community_answered=False, created_at=T, updated_at=T, last_seq=1,
                )
            )  # fmt: skip
            conn.execute(
                insert(TicketEvent.__table__).values(
                    ticket_id=ticket_id, seq=1, at=T, kind="created", actor=actor, data={}
                )
            )
            conn.execute(
                text("INSERT INTO messages (ticket_id, author_kind, author_id, author_name,"
                     " public, kind, body, body_html, created_at) VALUES (:id, :kind, 2,"
                     " 'Cleo Contact', :yes, 'reply', 'It broke.', '<p>It broke.</p>', :t)"),
                {"id": ticket_id, "kind": actor.split(":")[0], "yes": True, "t": T},
            )  # fmt: skip


@pytest.fixture
def empty(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of ``engine``'s kind (the fixture's own is migrated to head)."""
    if engine.dialect.name == "sqlite":
        fresh = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield fresh
        fresh.dispose()
        return
    schema = f"m_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    fresh = make_engine(PG_URL, search_path=schema, pool_size=1)
    try:
        yield fresh
    finally:
        fresh.dispose()
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_the_migration_rewrites_the_first_messages_agents_filed_for_contacts(
    empty: Engine,
) -> None:
    _rows_at_0004(empty)
    upgrade(empty)
    with empty.connect() as conn:
        rows = conn.execute(
            text("SELECT ticket_id, author_kind, author_id, author_name, on_behalf_of_id,"
                 " on_behalf_of_name FROM messages ORDER BY ticket_id")
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        (1, "agent", 1, "Al Agent", 2, "Cleo Contact"),
        (2, "contact", 2, "Cleo Contact", None, None),
    ]
