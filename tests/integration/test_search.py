"""Full-text search over subjects and message bodies (one service, two engines: SQLite FTS5
and PostgreSQL tsvector/GIN), kept in step with every write, scoped to what the caller may
see: internal notes count for agents only, and a contact finds only their organisation's
tickets; a search that matches more than ``FEW`` subjects or messages is answered among the
newest of them, and says so. Every test runs with the usual cap and with a cap of one."""

from __future__ import annotations

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine, text

from sladesk.services import (
    InvalidRequest,
    NewTicket,
    TicketFilters,
    add_internal_note,
    create_ticket,
    list_tickets,
    reply_publicly,
)
from sladesk.services.console import queue_page
from sladesk.store import UnitOfWork, upgrade


def _found(desk: Desk, actor: object, query: str, **filters: object) -> set[str]:
    rows = list_tickets(desk.uow, desk.clock, actor, TicketFilters(search=query, **filters))  # type: ignore[arg-type]
    return {r.subject for r in rows}


@pytest.fixture(autouse=True, params=["few", "capped"])
def matches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual cap (store/_search.py), and a cap of one match per index: the tests below
    find one ticket a word, so they hold under either."""
    if request.param == "capped":
        monkeypatch.setattr("sladesk.store._search.FEW", 1)


@pytest.fixture
def searchable(desk: Desk) -> Desk:
    u, clock = desk.uow, desk.clock
    body = "The printer on floor 3 says PC LOAD LETTER"
    printer = create_ticket(
        u, clock, desk.alice, NewTicket("Printer offline", body, type="incident")
    )
    create_ticket(u, clock, desk.alice, NewTicket("Invoice wrong", "Billed twice", type="question"))
    spanish = NewTicket("Facturación duplicada", "La factura llegó dos veces", type="question")
    create_ticket(u, clock, desk.bob, spanish)
    reply_publicly(u, clock, desk.agent, printer.id, "Please restart the spooler service")
    add_internal_note(u, clock, desk.agent, printer.id, "Vendor firmware bug, ticket ZX-41")
    return desk


def test_subjects_and_bodies_are_found_by_every_word_as_a_prefix(searchable: Desk) -> None:
    d = searchable
    assert _found(d, d.agent, "printer") == {"Printer offline"}
    assert _found(d, d.agent, "PRINT") == {"Printer offline"}  # prefix, any case
    assert _found(d, d.agent, "billed") == {"Invoice wrong"}  # the first message's body
    assert _found(d, d.agent, "spooler restart") == {"Printer offline"}  # an agent's reply
    assert _found(d, d.agent, "spooler invoice") == set()  # every word, in one document
    assert _found(d, d.agent, "facturacion") == {"Facturación duplicada"} or (
        d.uow.dialect == "postgresql"  # the simple configuration keeps the accent
    )
    assert _found(d, d.agent, "factura") == {"Facturación duplicada"}
    assert _found(d, d.agent, "nothing-like-this") == set()


def test_internal_notes_are_searched_for_agents_only(searchable: Desk) -> None:
    d = searchable
    assert _found(d, d.agent, "firmware") == {"Printer offline"}
    assert _found(d, d.alice, "firmware") == set()  # the note is not hers to see
    assert _found(d, d.alice, "spooler") == {"Printer offline"}  # the public reply is


def test_a_contact_finds_only_their_organisations_tickets(searchable: Desk) -> None:
    d = searchable
    assert _found(d, d.bob, "factura") == {"Facturación duplicada"}
    assert _found(d, d.alice, "factura") == set()
    assert _found(d, d.bob, "printer") == set()


def test_search_combines_with_the_other_filters_and_the_queue_order(searchable: Desk) -> None:
    d = searchable
    assert _found(d, d.agent, "printer", type=("question",)) == set()
    assert _found(d, d.agent, "printer", type=("incident",), open_only=True) == {"Printer offline"}
    rows = list_tickets(d.uow, d.clock, d.agent, TicketFilters(search="t", open_only=True),
                        order_by_time_left=True)  # fmt: skip
    dues = [r.sla_due_at for r in rows if r.sla_due_at is not None]
    assert dues == sorted(dues)


def test_a_search_without_a_word_is_refused_saying_so(searchable: Desk) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _found(searchable, searchable.agent, " !? ")
    assert caught.value.field == "q"
    # quotes and operators are words' separators, never query syntax
    assert _found(searchable, searchable.agent, '"printer" OR -x*') == set()
    assert _found(searchable, searchable.agent, 'printer" (offline') == {"Printer offline"}


def test_the_index_follows_updates_and_deletes(searchable: Desk, engine: Engine) -> None:
    d = searchable
    with engine.begin() as conn:
        conn.execute(text("UPDATE messages SET body = 'replaced words' WHERE body LIKE 'Billed%'"))
        conn.execute(
            text("UPDATE tickets SET subject = 'Renamed' WHERE subject = 'Printer offline'")
        )
    assert _found(d, d.agent, "billed") == set()
    assert _found(d, d.agent, "replaced") == {"Invoice wrong"}
    assert _found(d, d.agent, "renamed") == {"Renamed"}
    assert _found(d, d.agent, "printer") == {"Renamed"}  # its first message says printer
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM messages WHERE body LIKE 'replaced%'"))
    assert _found(d, d.agent, "replaced") == set()


def test_the_migration_back_fills_what_was_written_before_it(engine: Engine, desk: Desk) -> None:
    """Down to the migration before (no index), write, up again: what was there is found.
    Written with that migration's columns (today's services write today's: the packed SLA
    history of 0022)."""
    from alembic import command

    from sladesk.store._migrate import alembic_config

    command.downgrade(alembic_config(engine), "0011_invitations")
    false = "false" if engine.dialect.name == "postgresql" else "0"
    with engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET subject = subject"))  # nothing to find yet
        ticket_id = conn.execute(
            text(
                "INSERT INTO tickets (number, subject, type, priority, status, channel, tags,"
                " attributes, facts, over_quota, community_answered, created_at, updated_at,"
                f" last_seq) VALUES (1, 'Written before', 'incident', 'normal', 'new', 'portal',"
                f" '[]', '{{}}', '{{}}', {false}, {false}, :t, :t, 0) RETURNING id"
            ),
            {"t": desk.clock.now()},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO messages (ticket_id, author_kind, author_name, public, kind, body,"
                " body_html, created_at)"
                " VALUES (:ticket, 'contact', 'Alice', true, 'reply', 'zeppelin arrives', '', :t)"
            ),
            {"ticket": ticket_id, "t": desk.clock.now()},
        )
    upgrade(engine)
    desk.uow = UnitOfWork(engine, desk.uow.caches)
    assert _found(desk, desk.agent, "zeppelin") == {"Written before"}
    assert _found(desk, desk.agent, "written") == {"Written before"}


def test_a_search_past_the_cap_is_answered_among_the_newest_matches_and_says_so(
    searchable: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounded work whatever the word: each index gives at most ``FEW`` matches, the newest;
    the console shows "1,000+" (``search_capped_at``)."""
    d = searchable
    monkeypatch.setattr("sladesk.store._search.FEW", 2)
    zebras = [
        create_ticket(d.uow, d.clock, d.alice, NewTicket(f"Zebra {i}", "Stripes", type="question"))
        for i in range(4)
    ]
    assert _found(d, d.agent, "zebra") == {"Zebra 2", "Zebra 3"}  # the two newest subjects
    reply_publicly(d.uow, d.clock, d.agent, zebras[0].id, "Zebras again")  # a newer message
    assert _found(d, d.agent, "zebra") == {"Zebra 0", "Zebra 2", "Zebra 3"}
    capped = queue_page(d.uow, d.clock, d.agent, TicketFilters(search="zebra", open_only=True))
    exact = queue_page(d.uow, d.clock, d.agent, TicketFilters(search="printer", open_only=True))
    assert capped.search_capped_at == 2 and len(capped.rows) == 3
    assert exact.search_capped_at is None and [r.subject for r in exact.rows] == ["Printer offline"]
