"""The SLA sweep's set statements, behind ``TicketGateway`` (``claim_due``,
``sla_histories``, ``record_milestones``, ``apply_batch``): a batch of due tickets read and
written as sets, a fixed number of statements per batch whatever its size.

The sweep is the one writer that touches hundreds of tickets per transaction, so its rows do
not go through the per-ticket statements: no ORM identity map, no change tracking (the
batch's UPDATE is written here, once), and every table's rows go in as one statement through
:mod:`sladesk.store._bulk`. The projection rows and queue columns are the same functions
the ticket use cases write them with (``_repo_tickets``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    String,
    Table,
    Text,
    bindparam,
    delete,
    select,
    type_coerce,
    update,
)
from sqlalchemy import cast as sql_cast

from sladesk.sla import Evaluation, Event, EventKind
from sladesk.store._bulk import insert_rows, update_rows
from sladesk.store._codec import EventReader
from sladesk.store._db import Repository
from sladesk.store._repo_tickets import projection_rows
from sladesk.store._tables import (
    OutboxMessage,
    SlaMilestone,
    SlaProjection,
    Ticket,
    TicketEvent,
)

__all__ = ["SweepRepository", "raw_rows"]

_TICKETS = cast(Table, Ticket.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)
_MILESTONES = cast(Table, SlaMilestone.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_PROJECTIONS = cast(Table, SlaProjection.__table__)

_SLA_KINDS = [k.value for k in EventKind]
_E = _EVENTS.c

#: one target of a ticket as last projected: (metric, state, due_at, business seconds used)
Projected = tuple[str, str, datetime | None, float]

#: (ticket id, metric, cycle, threshold): the unique key of ``sla_milestones``
MilestoneKey = tuple[int, str, int, str]
MILESTONE_COLUMNS = ("ticket_id", "metric", "cycle", "threshold", "at")
EVENT_COLUMNS = ("ticket_id", "seq", "at", "kind", "actor", "data")
OUTBOX_COLUMNS = ("kind", "key", "payload")
#: the ticket row's columns a sweep writes, after its id
TICKET_COLUMNS = ("id", "last_seq", "sla_state", "sla_due_at", "next_sla_event_at")


def raw_rows(result: CursorResult[Any]) -> list[Any]:
    """Every row as the driver gives it (plain tuples; no Row objects, no result processing:
    the bulk reads select their columns untyped and decode them themselves)."""
    try:
        return cast(list[Any], result.cursor.fetchall())
    finally:
        result.close()


class SweepRepository(Repository):
    def anything_due(self, now: datetime) -> bool:
        """Whether any ticket's next SLA instant is not after ``now`` (one index probe)."""
        stmt = select(Ticket.id).where(Ticket.next_sla_event_at <= now).limit(1)
        return self.session.execute(stmt).first() is not None

    def histories(self, ticket_ids: Sequence[int]) -> dict[int, list[Event]]:
        """The SLA events of every ticket of the batch, in one query (a ticket without any:
        an empty list). Read raw (the instant and the JSON text, no column types) and decoded
        by :class:`EventReader`: this is the bulk read of the sweep and of back-tests."""
        stmt = (
            select(_E.ticket_id, _E.kind, type_coerce(_E.at, String), sql_cast(_E.data, Text))
            .where(_E.ticket_id.in_(ticket_ids), _E.kind.in_(_SLA_KINDS))
            .order_by(_E.ticket_id, _E.seq)
        )
        read = EventReader().read
        out: dict[int, list[Event]] = defaultdict(list)
        last: int | None = None
        events: list[Event] = []
        for ticket_id, kind, at, data in raw_rows(self.db.execute(stmt)):
            if ticket_id != last:
                last, events = ticket_id, out[ticket_id]
            e = read(kind, at, data)
            if e is not None:
                events.append(e)
        return out

    def record_milestones(
        self, rows: Sequence[tuple[int, str, int, str, datetime]], now: datetime
    ) -> list[MilestoneKey]:
        """Insert ``(ticket id, metric, cycle, threshold, at)`` rows with ``ON CONFLICT DO
        NOTHING``; the keys of those this transaction inserted (not there before), which are
        the only ones to announce, however many sweepers ran or how often."""
        inserted = insert_rows(
            self.session,
            _MILESTONES,
            MILESTONE_COLUMNS,
            rows,
            constants={"recorded_at": now},
            conflict=MILESTONE_COLUMNS[:4],
            returning=MILESTONE_COLUMNS[:4],
        )
        return [(int(t), str(m), int(c), str(th)) for t, m, c, th in inserted]

    def append_events(
        self, rows: Sequence[tuple[int, int, datetime, str, str, dict[str, Any]]]
    ) -> None:
        """Append ``(ticket id, seq, at, kind, actor, data)`` history entries; the ticket rows
        are locked by this transaction, so their sequence numbers are the caller's to give."""
        insert_rows(self.session, _EVENTS, EVENT_COLUMNS, rows, conflict=("ticket_id", "seq"))

    def queue(self, rows: Sequence[tuple[str, str, dict[str, Any]]], now: datetime) -> None:
        """Queue ``(kind, key, payload)`` outbox messages, available now; a key already
        queued is skipped (``ON CONFLICT DO NOTHING`` on ``outbox.key``)."""
        insert_rows(
            self.session,
            _OUTBOX,
            OUTBOX_COLUMNS,
            rows,
            constants={"attempts": 0, "created_at": now, "available_at": now},
            conflict=("key",),
        )

    def save_projections(
        self, items: Sequence[tuple[int, Evaluation | None]], now: datetime
    ) -> None:
        """Replace the ``sla_projections`` rows of each ticket with its evaluation (None: no
        SLA, no rows): one DELETE, one INSERT. The queue columns of the ticket rows are
        :meth:`update_tickets`'s."""
        if not items:
            return
        self.session.execute(
            delete(SlaProjection).where(SlaProjection.ticket_id.in_([t for t, _ in items])),
            execution_options={"synchronize_session": False},
        )
        rows: list[dict[str, Any]] = []
        for ticket_id, evaluation in items:
            if evaluation is not None:
                rows.extend(projection_rows(ticket_id, evaluation, now))
        if rows:
            columns = list(rows[0])
            insert_rows(
                self.session, _PROJECTIONS, columns, [[r[c] for c in columns] for r in rows]
            )

    def append_packed(self, rows: Sequence[tuple[int, str]]) -> None:
        """Append ``(ticket id, packed lines)`` to each ticket's ``sla_history_packed``."""
        if rows:
            stmt = (
                update(_TICKETS)
                .where(_TICKETS.c.id == bindparam("tid"))
                .values(sla_history_packed=_TICKETS.c.sla_history_packed + bindparam("lines"))
            )
            self.db.execute(stmt, [{"tid": t, "lines": lines} for t, lines in rows])

    def update_tickets(
        self, rows: Sequence[tuple[int, int, str | None, datetime | None, datetime | None]]
    ) -> None:
        """Write ``(id, last_seq, sla_state, sla_due_at, next_sla_event_at)`` to each ticket
        row: one UPDATE for the batch."""
        update_rows(self.session, _TICKETS, "id", TICKET_COLUMNS, rows)
