"""The console's own reads (``services/console.py``) on both engines: the queue's ``warned``
badge is one statement for a whole page of rows, whatever the page's length."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from desk_fixtures import Desk
from sqlalchemy import event

from sladesk.services import NewTicket, TicketFilters, create_ticket, list_tickets
from sladesk.services.console import warned_tickets


def test_the_warned_badge_is_one_statement_for_a_page_of_rows(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    made = [create_ticket(u, clock, desk.bob, NewTicket(f"T{i}", "x", type="incident"))
            for i in range(6)]  # fmt: skip
    target = made[0].sla.targets[0] if made[0].sla else None
    assert target is not None and target.warnings and target.warnings[0].at is not None
    clock.set(target.warnings[0].at + timedelta(seconds=1))
    late = create_ticket(u, clock, desk.bob, NewTicket("Late", "x", type="incident"))
    ids = [r.id for r in list_tickets(u, clock, desk.agent, TicketFilters(open_only=True))]
    seen: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    event.listen(u.engine, "before_cursor_execute", count)
    try:
        warned = warned_tickets(u, clock, desk.agent, ids)
    finally:
        event.remove(u.engine, "before_cursor_execute", count)
    assert warned == {t.id for t in made}  # the late one has not reached its warning
    assert late.id in ids and late.id not in warned
    assert len(seen) == 1, seen
    assert warned_tickets(u, clock, desk.agent, []) == set()
