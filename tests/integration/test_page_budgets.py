"""Query budgets of the console's two busiest pages (STYLE habit 11), on both engines: the
ticket page and the queue are each **one** read-only transaction (one connection checkout)
of a fixed number of statements, whatever the ticket holds or the queue's length.

A budget that fails here means a change added a round trip to every page an agent opens:
add the new read to the page's read model (``services/_ticket_page.py``,
``services/_queue_page.py``) and, if it is worth a statement, raise the number in the same
commit and say why. ``tests/e2e/web/test_page_statements.py`` counts the same pages through
the web application (the session's person check added).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from desk_fixtures import Desk
from sqlalchemy import Engine, event
from test_query_budgets import _seed_open_tickets

from sladesk import services as s
from sladesk.services import NewTicket, TicketFilters
from sladesk.services.console import queue_page, save_canned_reply, save_view, ticket_page

#: the ticket page: the ticket, its history, its messages, the requester, the current
#: policy's id, the agents, attachments, incidents, on-call pages, canned replies, the
#: proposal, calls, saved views. (Booked calls add one for their agents' names.)
TICKET_PAGE = 13
#: the queue: the change mark, the page of tickets, their open targets (time left and
#: warnings in one), the current policy's id, the agents (teams), the organisations, saved
#: views. A priority or type filter adds one (the policy versions' ids, to check the value);
#: a search adds one (the matching ids).
QUEUE_PAGE = 7


class Seen:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.full: list[tuple[str, Any]] = []
        self.checkouts = 0

    def statement(self, _c: Any, _cur: Any, sql: str, params: Any, *_a: Any) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT")):
            self.statements.append(" ".join(sql.split())[:140])
            self.full.append((sql, params))

    def checkout(self, *_a: Any) -> None:
        self.checkouts += 1

    def __str__(self) -> str:
        return "\n".join(self.statements)


@contextmanager
def counting(engine: Engine) -> Iterator[Seen]:
    seen = Seen()
    event.listen(engine, "before_cursor_execute", seen.statement)
    event.listen(engine.pool, "checkout", seen.checkout)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", seen.statement)
        event.remove(engine.pool, "checkout", seen.checkout)


def _busy_ticket(desk: Desk) -> int:
    """A ticket with a conversation, an internal note, an attachment, a canned reply and a
    saved view in the console: every part of the page has something to show."""
    u, clock = desk.uow, desk.clock
    t = s.create_ticket(u, clock, desk.bob, NewTicket("Down", "All of it", type="incident"))
    for i in range(10):
        clock.advance(timedelta(minutes=1))
        s.reply_publicly(u, clock, desk.agent if i % 2 else desk.bob, t.id, f"Message {i}")
    s.add_internal_note(u, clock, desk.agent, t.id, "Looks like the vendor's bug")
    s.add_attachment(u, clock, desk.agent, t.id, filename="log.txt", content_type="text/plain",
                     content=b"trace")  # fmt: skip
    save_canned_reply(u, clock, desk.lead, "Thanks", "Thanks, {contact_name}")
    save_view(u, clock, desk.agent, "Urgent", {"priority": "urgent"})
    return t.id


def test_the_ticket_page_is_one_transaction_of_a_fixed_number_of_statements(desk: Desk) -> None:
    ticket_id = _busy_ticket(desk)
    ticket_page(desk.uow, desk.clock, desk.agent, ticket_id)  # the policy parsed and cached
    with counting(desk.uow.engine) as seen:
        page = ticket_page(desk.uow, desk.clock, desk.agent, ticket_id)
    assert len(seen.statements) == TICKET_PAGE, str(seen)
    assert seen.checkouts == 1
    # what the statements were for is on the page
    assert len(page.ticket.messages) == 12 and page.ticket.sla is not None
    assert [a.filename for a in page.attachments] == ["log.txt"]
    assert [c.title for c in page.canned_replies] == ["Thanks"]
    assert [v.name for v in page.saved_views] == ["Urgent"]
    assert page.requester == "Bob"
    assert page.policy is not None and {a.name for a in page.agents} >= {"Al Agent"}


def test_the_queue_is_one_transaction_of_a_fixed_number_of_statements(desk: Desk) -> None:
    _busy_ticket(desk)
    for i in range(60):  # more than a page
        s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(f"t{i}", "b", type="incident"))
    desk.clock.advance(timedelta(minutes=5))
    open_tickets = TicketFilters(open_only=True)
    queue_page(desk.uow, desk.clock, desk.agent, open_tickets)
    extra = {"": 0, "priority": 1, "search": 1}
    for case, filters in (
        ("", open_tickets),
        ("priority", TicketFilters(open_only=True, priority=("normal",), type=("incident",))),
        ("search", TicketFilters(open_only=True, search="t1")),
    ):
        with counting(desk.uow.engine) as seen:
            page = queue_page(desk.uow, desk.clock, desk.agent, filters)
        assert len(seen.statements) == QUEUE_PAGE + extra[case], f"{case}:\n{seen}"
        assert seen.checkouts == 1
        assert page.error is None and page.rows
    page = queue_page(desk.uow, desk.clock, desk.agent, open_tickets)
    assert len(page.rows) == 50 and page.more
    lefts = [r.time_left for r in page.rows if r.time_left is not None]
    assert len(lefts) == 50 and lefts == sorted(lefts)


def test_a_refused_filter_is_shown_on_the_queue_page_not_raised(desk: Desk) -> None:
    page = queue_page(desk.uow, desk.clock, desk.agent, TicketFilters(priority=("sky-high",)))
    assert page.rows == [] and page.error is not None and "sky-high" in page.error
    assert page.policy is not None  # the rest of the page is there


def test_a_search_looks_its_matches_up_rather_than_walking_the_queue(desk: Desk) -> None:
    """A search's matches are at most ``FEW`` ids per index: the queue's query looks them
    up by primary key and sorts them. Walking ``ix_tickets_open_due`` and testing each row
    against the ids is what PostgreSQL chose when the order was the index's (78 ms at
    100,000 tickets when the matches had the latest deadlines, against 1 ms)."""
    engine = desk.uow.engine
    _seed_open_tickets(engine, 5_000)
    with counting(engine) as seen:
        page = queue_page(desk.uow, desk.clock, desk.agent,
                          TicketFilters(open_only=True, search="seeded"))  # fmt: skip
    assert page.search_capped_at is not None and len(page.rows) == 50
    dues = [r.sla_due_at for r in page.rows]
    assert None not in dues and dues == sorted(dues)  # type: ignore[type-var]
    sql, params = next((q, p) for q, p in seen.full if q.startswith("SELECT tickets.id"))
    with engine.connect() as conn:
        explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        plan = str(conn.exec_driver_sql(explain + sql, params).fetchall())
    assert "ix_tickets_open_due" not in plan, plan
