"""The compliance report's columnar path (store/_report_chunks.py, store/_report_columns.py)
gives exactly the SQL scan's figures (store/_repo_reports.py, the oracle), on SQLite and
PostgreSQL: every dimension, goal labels, local time buckets across Lisbon's DST changes,
a contact's scope, percentiles to the last bit — from fresh chunks, from chunks the tickets
changed under since they were built (live rows), with chunks missing, and after a policy
publish. Random desks, several seeds.
"""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from desk_fixtures import POLICY, Desk
from sqlalchemy import text

from sladesk import services as s
from sladesk.jobs.report_chunks import ReportChunksJob
from sladesk.services import NewTicket
from sladesk.store import ReportChunkRepository
from sladesk.tickets import Conflict, InvalidRequest, TicketRuleError

PERIOD = (date(2025, 3, 1), date(2025, 11, 30))
GROUPINGS = ("", "day", "week", "month", "organisation", "plan", "priority", "type", "metric",
             "team", "agent", "channel", "organisation,priority", "month,agent",
             "week,channel,type", "plan,team,day")  # fmt: skip
#: around Lisbon's DST changes (2025-03-30 01:00 UTC, 2025-10-26 01:00 UTC) and between
STARTS = (datetime(2025, 3, 28, tzinfo=UTC), datetime(2025, 10, 24, tzinfo=UTC),
          datetime(2025, 6, 2, tzinfo=UTC))  # fmt: skip


def _at(desk: Desk, when: datetime) -> None:
    desk.clock.set(when)


def _file(desk: Desk, rng: random.Random, when: datetime) -> int:
    _at(desk, when)
    org = rng.choice([desk.acme, desk.globex, None])
    new = NewTicket(subject="Down", body="It is down.",
                    type=rng.choice(["incident", "incident", "question"]),
                    priority=rng.choice(["urgent", "high", "normal"]),
                    channel=rng.choice(["portal", "email", "phone", "chat"]),
                    organization_id=org)  # fmt: skip
    return s.create_ticket(desk.uow, desk.clock, desk.agent, new).id


def _touch(desk: Desk, rng: random.Random, ticket_id: int, when: datetime) -> None:
    """One random change to a ticket: a reply, an assignment, a pause, a solve, a new
    priority, or its type changed to one without SLA (it loses every target)."""
    _at(desk, when)
    # not allowed in the ticket's state (solved, same priority...): no change
    with contextlib.suppress(TicketRuleError, Conflict, InvalidRequest):
        _change(desk, rng, ticket_id)


def _change(desk: Desk, rng: random.Random, ticket_id: int) -> None:
    what = rng.randrange(7)
    agent = desk.agent.id if rng.random() < 0.7 else desk.lead.id
    if what == 0:
        s.reply_publicly(desk.uow, desk.clock, desk.agent, ticket_id, "On it.")
    elif what == 1:
        s.assign_ticket(desk.uow, desk.clock, desk.lead, ticket_id, assignee_id=agent,
                        team=rng.choice(["tier1", "tier2", None]))  # fmt: skip
    elif what == 2:
        s.change_status(desk.uow, desk.clock, desk.agent, ticket_id, "pending_customer")
    elif what == 3:
        s.reply_publicly(desk.uow, desk.clock, desk.agent, ticket_id, "Fixed.")
        s.solve_ticket(desk.uow, desk.clock, desk.agent, ticket_id)
    elif what == 4:
        s.change_priority(desk.uow, desk.clock, desk.agent, ticket_id,
                          rng.choice(["urgent", "high", "normal"]), "re-triaged")  # fmt: skip
    elif what == 5:
        s.change_type(desk.uow, desk.clock, desk.agent, ticket_id, "feature_request")
    else:
        s.add_internal_note(desk.uow, desk.clock, desk.agent, ticket_id, "Looking.")


def _populate(desk: Desk, rng: random.Random, n: int) -> list[int]:
    ids = []
    for i in range(n):
        start = STARTS[i % len(STARTS)]
        when = start + timedelta(minutes=rng.randrange(0, 5 * 24 * 60))
        ids.append(_file(desk, rng, when))
        if rng.random() < 0.6:
            _touch(desk, rng, ids[-1], when + timedelta(minutes=rng.randrange(5, 3000)))
    return ids


def _same(desk: Desk, now: datetime) -> None:
    """Every grouping, three zones and a contact's scope: columns == scan, exactly."""
    _at(desk, now)
    cases = [(by, zone, desk.lead) for by in GROUPINGS for zone in (None, "UTC")]
    cases += [("week", "America/New_York", desk.lead), ("organisation,day", None, desk.alice),
              ("month,priority", None, desk.bob)]  # fmt: skip
    for by, zone, actor in cases:
        scan = s.compliance_report(desk.uow, desk.clock, actor, *PERIOD, by, zone=zone,
                                   method="scan")  # fmt: skip
        cols = s.compliance_report(desk.uow, desk.clock, actor, *PERIOD, by, zone=zone,
                                   method="columns")  # fmt: skip
        assert scan.groups or actor is not desk.lead, (by, zone)
        assert cols.groups == scan.groups, (by, zone, actor.key)
        assert cols.totals == scan.totals, (by, zone, actor.key)


def _chunks(desk: Desk) -> list[int]:
    with desk.uow.read_only():
        return [c.lo for c in ReportChunkRepository(desk.uow.db).chunks()]


@pytest.mark.parametrize("seed", [1, 2])
def test_columns_give_the_scans_figures_fresh_stale_and_missing(desk: Desk, seed: int) -> None:
    rng = random.Random(seed)
    first = _populate(desk, rng, 36)
    # goals: a non-binding version; the moving tickets are re-evaluated onto it
    _at(desk, datetime(2025, 11, 1, tzinfo=UTC))
    s.publish_policy(desk.uow, desk.clock, desk.admin, "binding: false\n" + POLICY)
    later = datetime(2025, 11, 3, 12, tzinfo=UTC)
    _same(desk, later)  # no chunk at all: every ticket id read live

    built = s.refresh_report_chunks(desk.uow, desk.clock, size=8)
    assert built == len(_chunks(desk)) >= 4
    _same(desk, later)  # fresh chunks
    _same(desk, later + timedelta(days=30))  # running targets overdue by then

    # changes under the chunks: old tickets and the newest one (the top projection rows,
    # whose ids SQLite hands out again), and new tickets past the last chunk
    for ticket_id in [*rng.sample(first, 10), first[-1], first[-1]]:
        _touch(desk, rng, ticket_id, later + timedelta(hours=rng.randrange(1, 48)))
    for _ in range(5):
        _file(desk, rng, STARTS[rng.randrange(3)] + timedelta(hours=rng.randrange(100)))
    _same(desk, later + timedelta(days=3))

    # a chunk missing in the middle: its ticket ids are read live
    middle = _chunks(desk)[1]
    with desk.uow:
        desk.uow.db.execute(text("DELETE FROM report_chunks WHERE lo = :lo"), {"lo": middle})
        desk.uow.commit()
    _same(desk, later + timedelta(days=3))

    # the job rebuilds what is missing or changed (its own range size replaces the small
    # chunks), and the figures stay the same
    assert s.refresh_report_chunks(desk.uow, desk.clock, size=8) >= 1
    assert middle in _chunks(desk)
    _same(desk, later + timedelta(days=3))
    _at(desk, later + timedelta(days=4))
    job = ReportChunksJob(desk.uow, desk.clock, interval=timedelta(minutes=5))
    assert job.run_once() == 1 and _chunks(desk) == [0]
    assert job.run_once() == 0  # not due again before the interval
    _same(desk, later + timedelta(days=4))


def test_a_policy_publish_drops_the_chunks(desk: Desk) -> None:
    rng = random.Random(7)
    _populate(desk, rng, 6)
    s.refresh_report_chunks(desk.uow, desk.clock, size=4)
    assert _chunks(desk)
    s.publish_policy(desk.uow, desk.clock, desk.admin, "binding: false\n" + POLICY)
    assert _chunks(desk) == []
    _same(desk, datetime(2025, 11, 4, tzinfo=UTC))


def test_unchanged_chunks_only_move_their_marks(desk: Desk) -> None:
    rng = random.Random(3)
    _populate(desk, rng, 10)
    _at(desk, datetime(2025, 11, 3, tzinfo=UTC))
    refresh = partial(s.refresh_report_chunks, desk.uow, desk.clock, size=4, stale_share=0.9)
    assert refresh() == 3
    with desk.uow.read_only():
        before = {c.lo: c for c in ReportChunkRepository(desk.uow.db).chunks()}
    _file(desk, rng, datetime(2025, 11, 3, 0, 1, tzinfo=UTC))  # id 11: the third chunk's
    # the first chunk has no change; the third has one, younger than 15 minutes: kept
    assert refresh() == 0
    with desk.uow.read_only():
        after = {c.lo: c for c in ReportChunkRepository(desk.uow.db).chunks()}
    assert after[8].projection_mark == before[8].projection_mark
    if desk.uow.dialect == "postgresql":  # SQLite's guard keeps the newest rows "changed"
        assert after[0].projection_mark > before[0].projection_mark
    desk.clock.set(desk.clock.now() + timedelta(minutes=20))
    assert refresh() >= 1
    _same(desk, datetime(2025, 11, 4, tzinfo=UTC))
