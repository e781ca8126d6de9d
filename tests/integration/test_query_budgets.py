"""Query budgets on the hot paths (STYLE habit 11), on both engines: how many SQL statements
creating, reading and listing tickets issue, and that the agent queue and the default ticket
list (open, newest first) are top-N scans of ``ix_tickets_open_due`` and
``ix_tickets_open_created`` rather than sorts of every open ticket.

A budget that fails here means a change added a round trip to every request: if it is
worth it, raise the number in the same commit and say why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine, event, text

from sladesk import services as s
from sladesk.services import NewTicket
from sladesk.store._db import Db

#: statements per use case, BEGIN not counted (SQLite's is explicit, PostgreSQL's implicit).
#: create: contact+organisation with the current policy id (one SELECT), [SQLite: the number
#: counter], INSERT ticket (number and id through RETURNING on PostgreSQL), messages (their
#: ids back), then the held inserts (``store/_db.py``): history, projections, audit, outbox
#: — four statements on SQLite, one on PostgreSQL. get: ticket, history, messages. list:
#: tickets, deadline calendars. waiting_chats: the chats with their first messages (it read
#: each chat's first message with one statement per chat, the console's /chats page with
#: 1,000 chats waiting). chat_redraw: a chat with its messages, what every socket of a chat
#: reads after each change (it was a BEGIN, two statements and a ROLLBACK).
BUDGETS = {
    "sqlite": {"create": 8, "get": 3, "list": 2, "waiting_chats": 1, "chat_redraw": 1},
    "postgresql": {"create": 4, "get": 3, "list": 2, "waiting_chats": 1, "chat_redraw": 1},
}


class Statements:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, _c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.seen.append((statement, params))

    def __len__(self) -> int:
        return len(self.seen)

    def __str__(self) -> str:
        return "\n".join(" ".join(sql.split())[:120] for sql, _ in self.seen)


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    seen = Statements()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _budget(desk: Desk, use_case: str, call: Callable[[], object]) -> Statements:
    engine = desk.uow.engine
    with counting(engine) as seen:
        call()
    assert len(seen) <= BUDGETS[engine.dialect.name][use_case], f"{use_case}:\n{seen}"
    return seen


def test_creating_a_ticket_stays_within_its_budget(desk: Desk) -> None:
    new = NewTicket(subject="Down", body="All of it", type="incident", priority="urgent")
    s.create_ticket(desk.uow, desk.clock, desk.bob, new)  # first one: policy parsed, cached
    _budget(desk, "create", lambda: s.create_ticket(desk.uow, desk.clock, desk.bob, new))
    for_contact = NewTicket(subject="Down", body="b", requester_id=desk.bob.id)
    _budget(desk, "create", lambda: s.create_ticket(desk.uow, desk.clock, desk.agent, for_contact))


def test_filing_a_ticket_and_checking_a_token_build_no_orm_session(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two steps of every create request are Core statements on the unit of work's
    connection (``store/_db.py``): an ORM Session made for them is ~60 µs per unit of work
    and ~15 µs per statement of overhead on the busiest path."""
    made: list[str] = []
    real = Db.session.fget
    assert real is not None

    def recording(db: Db) -> Any:
        made.append("session")
        return real(db)

    token = s.create_api_token(desk.uow, desk.clock, desk.admin, agent_id=desk.agent.id)
    new = NewTicket(subject="Down", body="b", requester_id=desk.bob.id)
    s.create_ticket(desk.uow, desk.clock, desk.agent, new)  # the policy parsed and cached
    s.authenticate_token(desk.uow, desk.clock, token.secret)  # last_used_at written once
    monkeypatch.setattr(Db, "session", property(recording))
    actor = s.authenticate_token(desk.uow, desk.clock, token.secret)
    s.create_ticket(desk.uow, desk.clock, actor, new)
    s.get_ticket(desk.uow, desk.clock, actor, 1)  # the ticket gateway reads with Core too
    assert made == []
    with desk.uow.read_only():
        assert desk.uow.session is not None  # the property still counts where used
    assert made


def test_reading_a_ticket_stays_within_its_budget(desk: Desk) -> None:
    t = s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(subject="Down", body="b"))
    s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "On it")
    view = s.get_ticket(desk.uow, desk.clock, desk.agent, t.id)
    _budget(desk, "get", lambda: s.get_ticket(desk.uow, desk.clock, desk.agent, t.id))
    assert [h.seq for h in view.history] == sorted(h.seq for h in view.history)
    assert view.sla is not None and all(x.timeline for x in view.sla.targets)


def test_the_queue_stays_within_its_budget_whatever_its_length(desk: Desk) -> None:
    for i in range(30):
        s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(subject=f"t{i}", body="b"))
    desk.clock.advance(timedelta(minutes=5))
    queue = _budget(
        desk,
        "list",
        lambda: s.list_tickets(
            desk.uow,
            desk.clock,
            desk.agent,
            s.TicketFilters(open_only=True),
            order_by_time_left=True,
        ),
    )
    assert queue  # the statements were counted
    rows = s.list_tickets(
        desk.uow, desk.clock, desk.agent, s.TicketFilters(open_only=True), order_by_time_left=True
    )
    assert len(rows) == 30 and all(r.time_left is not None for r in rows)
    lefts = [r.time_left for r in rows]
    assert lefts == sorted(lefts)  # type: ignore[type-var]


def test_the_waiting_chats_are_one_statement_however_many_wait(desk: Desk) -> None:
    for i in range(12):
        s.start_chat(desk.uow, desk.clock, name=f"v{i}",
                     first_message=f"question {i}" if i != 5 else None)  # fmt: skip
        desk.clock.advance(timedelta(seconds=1))
    token, _ = s.start_chat(desk.uow, desk.clock, first_message="first words")
    s.post_visitor_message(desk.uow, desk.clock, token, "later words")
    seen = _budget(desk, "waiting_chats",
                   lambda: s.waiting_chats(desk.uow, desk.clock, desk.agent))  # fmt: skip
    assert seen
    waiting = s.waiting_chats(desk.uow, desk.clock, desk.agent)
    firsts = [w.first_message for w in waiting]
    assert firsts == [f"question {i}" if i != 5 else "" for i in range(12)] + ["first words"]
    assert [w.wait.total_seconds() for w in waiting[:3]] == [12, 11, 10]


def test_a_chat_redraw_is_one_statement(desk: Desk) -> None:
    token, view = s.start_chat(desk.uow, desk.clock, first_message="hello")
    s.accept_chat(desk.uow, desk.clock, desk.agent, view.session.id)
    s.post_visitor_message(desk.uow, desk.clock, token, "anyone?")
    chat_id = view.session.id
    _budget(desk, "chat_redraw", lambda: s.chat_as_visitor(desk.uow, desk.clock, token))
    _budget(desk, "chat_redraw",
            lambda: s.chat_as_agent(desk.uow, desk.clock, desk.agent, chat_id))  # fmt: skip
    seen = s.chat_as_agent(desk.uow, desk.clock, desk.agent, chat_id)
    assert [m.body for m in seen.messages] == ["hello", "Al Agent joined the chat", "anyone?"]
    assert seen.session.status == "active"
    fresh_token, fresh = s.start_chat(desk.uow, desk.clock)  # no message yet
    assert s.chat_as_visitor(desk.uow, desk.clock, fresh_token).messages == ()
    assert s.chat_as_agent(desk.uow, desk.clock, desk.agent, fresh.session.id).messages == ()


def _series(pg: bool) -> str:
    """A SELECT of ``g`` from 1 to ``:n``, on either engine."""
    if pg:
        return "SELECT g FROM generate_series(1, :n) AS g"
    return (
        "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) "
        "SELECT g FROM s"
    )


def _seed_open_tickets(engine: Engine, n: int) -> None:
    """``n`` open tickets (a third of them solved) with deadlines, and a few without one."""
    pg = engine.dialect.name == "postgresql"
    series = _series(pg)
    due = (
        "CAST('2025-03-04T00:00:00+00:00' AS timestamptz) + g * interval '1 minute'"
        if pg
        else "datetime('2025-03-04 00:00:00', '+' || g || ' minutes')"
    )
    false = "false" if pg else "0"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tickets (number, subject, type, priority, status, channel, tags,"
                " attributes, facts, over_quota, community_answered, created_at, updated_at,"
                " last_seq, sla_state, sla_due_at) "
                "SELECT 100000 + g, 'seeded', 'incident', 'urgent',"
                " CASE WHEN g % 3 = 0 THEN 'solved' ELSE 'open' END, 'portal', '[]', '{}', '{}',"
                f" {false}, {false}, :t, :t, 1, 'running',"
                f" CASE WHEN g % 50 = 0 THEN NULL ELSE {due} END FROM ({series}) AS q"
            ),
            {"n": n, "t": "2025-03-03 10:00:00" if not pg else "2025-03-03T10:00:00+00:00"},
        )
        conn.execute(text("ANALYZE"))


def test_the_queue_is_a_top_n_scan_of_the_open_due_index(desk: Desk) -> None:
    engine = desk.uow.engine
    _seed_open_tickets(engine, 20_000)
    with counting(engine) as seen:
        rows = s.list_tickets(
            desk.uow,
            desk.clock,
            desk.agent,
            s.TicketFilters(open_only=True),
            order_by_time_left=True,
        )
    assert len(rows) == 50
    dues = [r.sla_due_at for r in rows]
    assert None not in dues and dues == sorted(dues)  # type: ignore[type-var]
    query, params = next((q, p) for q, p in seen.seen if "FROM tickets" in q)
    _assert_index_scan_without_sort(engine, query, params, "ix_tickets_open_due")


def _assert_index_scan_without_sort(engine: Engine, query: str, params: Any, index: str) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + query, params))
            assert re.search(rf"Index Scan (Backward )?using {index}\b", plan), plan
            assert "Sort" not in plan, plan
        else:
            plan = str(conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params).fetchall())
            assert f"USING INDEX {index}" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


def test_the_default_list_is_a_top_n_scan_of_the_open_created_index(desk: Desk) -> None:
    """``GET /api/v1/tickets?open=true&limit=25``: open tickets newest first, read backwards
    from ``ix_tickets_open_created`` (migration 0006) instead of sorting every open ticket."""
    engine = desk.uow.engine
    _seed_open_tickets(engine, 20_000)
    for i in range(3):  # newer than every seeded ticket
        s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(subject=f"new {i}", body="b"))
        desk.clock.advance(timedelta(seconds=1))
    with counting(engine) as seen:
        rows = s.list_tickets(
            desk.uow, desk.clock, desk.agent, s.TicketFilters(open_only=True), limit=25
        )
    assert len(rows) == 25
    assert [r.subject for r in rows[:3]] == ["new 2", "new 1", "new 0"]
    assert all(r.status not in ("solved", "closed") for r in rows)
    query, params = next((q, p) for q, p in seen.seen if "FROM tickets" in q)
    _assert_index_scan_without_sort(engine, query, params, "ix_tickets_open_created")


#: a message filed by the mail intake (``services/_mail.py``), in one transaction: the raw
#: row; who wrote it, how often lately and (a reply) its thread (one SELECT); [a reply: the
#: ticket read with its packed SLA history, the message, the projections replaced, the
#: ticket updated, the audience read (past the held writes)]; the ticket create's
#: statements (above) with the acknowledgement held beside its outbox rows; the raw row
#: marked (on PostgreSQL in the held inserts' one statement). New: SQLite 12, PostgreSQL 6;
#: a reply by mail: SQLite 12, PostgreSQL 8 (before: 15 and 17 on SQLite; 7 and 12 on
#: PostgreSQL before the raw row's mark was held and the thread read with the sender; 13
#: and 10 before the history came packed with the ticket and the audience read stopped
#: splitting the held writes). Bob's plan has no monthly quota (a quota adds its count).
MAIL_BUDGETS = {"sqlite": {"new": 12, "reply": 12}, "postgresql": {"new": 6, "reply": 8}}


def test_a_message_by_mail_stays_within_its_budget(desk: Desk) -> None:
    from sladesk.channels.email import receive_mail

    def mail(n: int, extra: str = "") -> bytes:
        return (
            f"From: Bob <bob@globex.test>\r\nTo: support@desk.test\r\nSubject: Printer {n}\r\n"
            f"Message-ID: <budget{n}@acme.test>\r\n{extra}\r\nIt is burning.\r\n"
        ).encode()

    engine = desk.uow.engine
    budget = MAIL_BUDGETS[engine.dialect.name]
    receive_mail(desk.uow, desk.clock, mail(0), own_addresses=("support@desk.test",))  # warm
    with counting(engine) as seen:
        new = receive_mail(desk.uow, desk.clock, mail(1), own_addresses=("support@desk.test",))
    assert new[1].created and len(seen) <= budget["new"], str(seen)
    with counting(engine) as seen:
        reply = receive_mail(desk.uow, desk.clock, mail(2, "In-Reply-To: <budget1@acme.test>\r\n"),
                             own_addresses=("support@desk.test",))  # fmt: skip
    assert reply[1].ticket_id == new[1].ticket_id and not reply[1].created
    assert len(seen) <= budget["reply"], str(seen)


def test_the_sender_of_a_mail_is_found_through_the_lower_email_index(desk: Desk) -> None:
    """Addresses are compared in lower case; migration 0025_mail_lookups indexes
    ``lower(email)``, so finding who wrote a message is a probe of that index rather than a
    scan of every contact (it was, on both engines: ~0.2 ms at 250 contacts, linear)."""
    from sladesk.channels.email import receive_mail

    engine = desk.uow.engine
    pg = engine.dialect.name == "postgresql"
    series = _series(pg)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (organization_id, email, name, active, created_at) "
                f"SELECT :org, 'Person' || g || '@Globex.test', 'P', {'true' if pg else '1'}, "
                f":t FROM ({series}) AS q"
            ),
            {"n": 5_000, "org": desk.globex,
             "t": "2025-03-03 10:00:00" if not pg else "2025-03-03T10:00:00+00:00"},
        )  # fmt: skip
        conn.execute(text("ANALYZE"))
    raw = (b"From: P <person4242@globex.test>\r\nTo: support@desk.test\r\nSubject: Hi\r\n"
           b"Message-ID: <sender-index@globex.test>\r\n\r\nHello.\r\n")  # fmt: skip
    with counting(engine) as seen:
        _, intake = receive_mail(desk.uow, desk.clock, raw, own_addresses=("support@desk.test",))
    assert intake.created and intake.author is not None and intake.author.startswith("contact:")
    query, params = next((q, p) for q, p in seen.seen if "FROM contacts" in q)
    with engine.connect() as conn:
        if pg:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + query, params))
        else:
            plan = str(conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params).fetchall())
    assert "ix_contacts_email_lower" in plan, plan
    assert not re.search(r"Seq Scan on contacts|SCAN contacts\b", plan), plan
