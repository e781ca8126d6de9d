"""Faults: a sweeper process killed with SIGKILL in the middle of a batch loses nothing and
duplicates nothing — the batch's transaction dies with it, its tickets stay due, and the next
sweeper records every milestone exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobs_fixtures import ACTIONS_PER_TICKET, MILESTONES_PER_TICKET, NOW, Database, seed_due_tickets
from jobs_fixtures import jobs_db as jobs_db
from sqlalchemy import func, select

from sladesk.jobs.sweep import sweep_due
from sladesk.services import FixedClock
from sladesk.store import UnitOfWork
from sladesk.store._tables import OutboxMessage, SlaMilestone, Ticket, TicketEvent

HERE = Path(__file__).parent
TICKETS = 4000  # 20 batches: a batch takes tens of milliseconds, the kill must land mid-run
BATCH = 200


def _count(db: Database, column: object, *where: object) -> int:
    with db.engine.connect() as conn:
        stmt = select(func.count(column)).where(*where)  # type: ignore[arg-type]
        return int(conn.execute(stmt).scalar_one())


def test_a_sweeper_killed_mid_batch_loses_and_duplicates_nothing(jobs_db: Database) -> None:
    seed_due_tickets(jobs_db.engine, TICKETS)
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "jobs_sweeper_proc.py"),
            jobs_db.url,
            jobs_db.search_path or "",
            str(BATCH),
        ],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first batch is committed ...
        assert line.startswith("committed"), line
        time.sleep(0.02)  # ... and the next is under way
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    swept_before = _count(jobs_db, SlaMilestone.id) // MILESTONES_PER_TICKET
    assert BATCH <= swept_before < TICKETS, "the kill should land between first and last batch"
    assert _count(jobs_db, Ticket.id, Ticket.next_sla_event_at <= NOW) == TICKETS - swept_before

    uow = UnitOfWork(jobs_db.engine)
    while sweep_due(uow, FixedClock(NOW), limit=BATCH).tickets:
        pass

    assert _count(jobs_db, SlaMilestone.id) == TICKETS * MILESTONES_PER_TICKET
    sla_kinds = TicketEvent.kind.in_(["sla.warning", "sla.breached"])
    assert _count(jobs_db, TicketEvent.id, sla_kinds) == TICKETS * MILESTONES_PER_TICKET
    assert _count(jobs_db, OutboxMessage.id) == TICKETS * ACTIONS_PER_TICKET
    assert _count(jobs_db, Ticket.id, Ticket.next_sla_event_at <= NOW) == 0
