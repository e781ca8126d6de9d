"""Several job runners at once on PostgreSQL: 3 runners over 10,000 due tickets record every
milestone exactly once, and every ticket is swept by exactly one of them."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from jobs_fixtures import ACTIONS_PER_TICKET, MILESTONES_PER_TICKET, NOW, Database, seed_due_tickets
from jobs_fixtures import pg_db as pg_db
from sqlalchemy import func, select

from sladesk.jobs.runner import Runner
from sladesk.jobs.sweep import SweepJob
from sladesk.services import FixedClock
from sladesk.store import Caches, UnitOfWork
from sladesk.store._tables import OutboxMessage, SlaMilestone, Ticket, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TICKETS = 10_000


def test_three_runners_over_ten_thousand_due_tickets(pg_db: Database) -> None:
    seed_due_tickets(pg_db.engine, TICKETS)
    clock = FixedClock(NOW)
    caches = Caches()
    done: Counter[str] = Counter()
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            runner = Runner([SweepJob(UnitOfWork(pg_db.engine, caches), clock, batch=500)])
            done[name] = runner.drain()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(f"runner-{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.monotonic() - started
    assert not errors
    # drain() stops at the first empty batch; a runner that came late may have found nothing
    # left, and stragglers are swept by one more drain (none should remain)
    leftover = Runner([SweepJob(UnitOfWork(pg_db.engine, caches), clock)]).drain()
    assert sum(done.values()) + leftover == TICKETS, (done, leftover)
    assert sum(1 for n in done.values() if n > 0) >= 2, done  # they really shared the work

    with pg_db.engine.connect() as conn:

        def count(column: object, *where: object) -> int:
            stmt = select(func.count(column)).where(*where)  # type: ignore[arg-type]
            return int(conn.execute(stmt).scalar_one())

        assert count(SlaMilestone.id) == TICKETS * MILESTONES_PER_TICKET
        assert count(TicketEvent.id, TicketEvent.kind.in_(["sla.warning", "sla.breached"])) == (
            TICKETS * MILESTONES_PER_TICKET
        )
        assert count(OutboxMessage.id) == TICKETS * ACTIONS_PER_TICKET
        assert count(Ticket.id, Ticket.next_sla_event_at <= NOW) == 0
        # every ticket's history has gap-free, unique sequence numbers
        per_ticket = conn.execute(
            select(func.count(TicketEvent.id), func.max(TicketEvent.seq)).group_by(
                TicketEvent.ticket_id
            )
        ).all()
        assert all(n == top for n, top in per_ticket)
    print(f"3 runners swept {TICKETS} tickets in {elapsed:.1f}s: {dict(done)}")
