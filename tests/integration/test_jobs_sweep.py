"""The SLA sweep on a real SQLite file and a real PostgreSQL: warnings and breaches recorded
exactly once across repeated sweeps, escalations queued once, the cost of a sweep following
the due tickets."""

from __future__ import annotations

from datetime import timedelta

from jobs_fixtures import ACTIONS_PER_TICKET, MILESTONES_PER_TICKET, NOW, Database, seed_due_tickets
from jobs_fixtures import jobs_db as jobs_db
from sqlalchemy import event, func, select

from sladesk.jobs.runner import Runner
from sladesk.jobs.sweep import SweepJob, sweep_due
from sladesk.services import FixedClock
from sladesk.store import UnitOfWork
from sladesk.store._tables import OutboxMessage, SlaMilestone, Ticket, TicketEvent


def _count(db: Database, column: object, *where: object) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count(column)).where(*where)).scalar_one())  # type: ignore[arg-type]


def test_each_milestone_once_across_repeated_sweeps(jobs_db: Database) -> None:
    ids = seed_due_tickets(jobs_db.engine, 7)
    clock = FixedClock(NOW)
    uow = UnitOfWork(jobs_db.engine)

    first = sweep_due(uow, clock, limit=500)
    assert (first.tickets, first.warnings, first.breaches) == (7, 14, 7)
    assert first.actions == 7 * ACTIONS_PER_TICKET

    # again at the same instant: nothing is due any more
    assert sweep_due(uow, clock).tickets == 0
    # force every ticket due again (as after a crash that lost the projection update)
    with jobs_db.engine.begin() as conn:
        conn.execute(Ticket.__table__.update().values(next_sla_event_at=NOW - timedelta(hours=3)))
    again = sweep_due(uow, clock)
    assert again.tickets == 7
    assert (again.warnings, again.breaches, again.actions) == (0, 0, 0)

    assert _count(jobs_db, SlaMilestone.id) == 7 * MILESTONES_PER_TICKET
    assert _count(jobs_db, TicketEvent.id, TicketEvent.kind == "sla.warning") == 14
    assert _count(jobs_db, TicketEvent.id, TicketEvent.kind == "sla.breached") == 7
    assert _count(jobs_db, OutboxMessage.id) == 7 * ACTIONS_PER_TICKET

    with jobs_db.engine.connect() as conn:
        rows = conn.execute(
            select(SlaMilestone.metric, SlaMilestone.threshold, SlaMilestone.at).where(
                SlaMilestone.ticket_id == ids[0]
            )
        ).all()
        created = NOW - timedelta(hours=2)
        assert sorted(rows) == [
            ("first_response", "50%", created + timedelta(minutes=30)),
            ("first_response", "breach", created + timedelta(hours=1)),
            ("resolution", "50%", created + timedelta(hours=2)),
        ]
        # the next instant is the resolution breach, two hours on
        nxt = conn.execute(select(Ticket.next_sla_event_at).where(Ticket.id == ids[0])).scalar()
        assert nxt == NOW + timedelta(hours=2)
        kinds = conn.execute(select(OutboxMessage.kind, OutboxMessage.key)).all()
    assert sorted({k for k, _ in kinds}) == ["notify", "page", "tell_customer", "webhook"]
    assert f"sla:{ids[0]}:first_response:0:breach:1:webhook" in {key for _, key in kinds}


def test_later_sweeps_record_later_milestones_only(jobs_db: Database) -> None:
    seed_due_tickets(jobs_db.engine, 3)
    clock = FixedClock(NOW - timedelta(hours=1, minutes=15))  # 45 min after creation
    uow = UnitOfWork(jobs_db.engine)
    r1 = sweep_due(uow, clock)
    assert (r1.warnings, r1.breaches, r1.actions) == (3, 0, 3)
    clock.set(NOW + timedelta(hours=3))  # everything passed, resolution breached too
    r2 = sweep_due(uow, clock)
    assert (r2.warnings, r2.breaches) == (3, 6)
    assert sweep_due(uow, clock).tickets == 0
    assert _count(jobs_db, SlaMilestone.id) == 3 * 4


def test_sweep_cost_follows_due_tickets(jobs_db: Database) -> None:
    """A batch issues a fixed number of statements, whatever the number of tickets in it,
    and not-due tickets are never read."""
    seed_due_tickets(jobs_db.engine, 40)
    seed_due_tickets(jobs_db.engine, 200, created_at=NOW + timedelta(days=1))  # not due
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(jobs_db.engine, "before_cursor_execute", count)
    try:
        report = sweep_due(UnitOfWork(jobs_db.engine), FixedClock(NOW), limit=500)
    finally:
        event.remove(jobs_db.engine, "before_cursor_execute", count)
    assert report.tickets == 40
    # claim, histories, policy, milestones, events, outbox, projections (delete, insert), the
    # tickets' update (one statement): fixed, however many tickets. SQLite adds a read-only
    # look (begin, select) and its BEGIN IMMEDIATE
    assert len(statements) <= (12 if jobs_db.dialect == "sqlite" else 9), statements


def test_runner_drains_the_backlog_in_batches(jobs_db: Database) -> None:
    seed_due_tickets(jobs_db.engine, 25)
    job = SweepJob(UnitOfWork(jobs_db.engine), FixedClock(NOW), batch=10)
    runner = Runner([job], idle=0.01)
    assert runner.drain() == 25
    assert _count(jobs_db, SlaMilestone.id) == 25 * MILESTONES_PER_TICKET


def test_a_ticket_that_cannot_be_evaluated_does_not_stop_the_others(jobs_db: Database) -> None:
    bad, *good = seed_due_tickets(jobs_db.engine, 3)
    with jobs_db.engine.begin() as conn:
        conn.execute(Ticket.__table__.update().where(Ticket.id == bad).values(facts={}))
    report = sweep_due(UnitOfWork(jobs_db.engine), FixedClock(NOW))
    assert (report.tickets, report.breaches) == (3, 2)
    with jobs_db.engine.connect() as conn:
        nxt = conn.execute(select(Ticket.next_sla_event_at).where(Ticket.id == bad)).scalar()
        swept = conn.execute(select(func.count(SlaMilestone.id.distinct()))).scalar()
    assert nxt == NOW + timedelta(minutes=15)  # looked at again later, not every batch
    assert swept == 2 * MILESTONES_PER_TICKET
