"""Several job runners at once on PostgreSQL: 3 runner processes over 10,000 due tickets record
every milestone exactly once, and every ticket is swept by exactly one of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from jobs_fixtures import ACTIONS_PER_TICKET, MILESTONES_PER_TICKET, NOW, Database, seed_due_tickets
from jobs_fixtures import pg_db as pg_db
from sqlalchemy import func, select

from sladesk.jobs.runner import Runner
from sladesk.jobs.sweep import SweepJob
from sladesk.services import FixedClock
from sladesk.store import UnitOfWork
from sladesk.store._tables import OutboxMessage, SlaMilestone, Ticket, TicketEvent

pytestmark = pytest.mark.postgres  # ~35 s with its seeding: under the 60 s of `slow`

TICKETS = 10_000
HERE = Path(__file__).parent


def test_three_runners_over_ten_thousand_due_tickets(pg_db: Database) -> None:
    """Three sweeper processes (jobs_sweeper_proc.py: the sweep's batches, one transaction
    each, until nothing is due) start together on the same 10,000 due tickets."""
    seed_due_tickets(pg_db.engine, TICKETS)
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [
        sys.executable,
        str(HERE / "jobs_sweeper_proc.py"),
        pg_db.url,
        pg_db.search_path or "",
        "500",
    ]
    started = time.monotonic()
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) for _ in range(3)
    ]
    done: Counter[str] = Counter()
    for i, proc in enumerate(procs):
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0
        done[f"runner-{i}"] = sum(int(line.split()[1]) for line in out.splitlines())
    elapsed = time.monotonic() - started
    # a runner stops at its first empty batch; whatever is left (nothing, normally) is swept
    # by one more pass, and must not produce a second milestone for anything
    leftover = Runner([SweepJob(UnitOfWork(pg_db.engine), FixedClock(NOW))]).drain()
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
