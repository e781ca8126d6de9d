"""What the ticket gateway (``store/_ticket_gateway.py``) builds on, and the ticket reads
that are not the gateway's: scoping by :class:`~sladesk.tickets.Scope` (outside it is
NotFound), the ticket list's filters (:func:`ticket_query`), ticket numbers, the projection
rows and queue columns of an evaluation, and reads of the projections (the queue's deadline
calendars, compliance)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    TextClause,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from sladesk.sla import Evaluation, TargetResult, TargetState, rollup
from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import (
    DONE_STATUSES,
    Counter,
    SlaProjection,
    Ticket,
)
from sladesk.tickets import NotFound, Scope

_Ts = TypeVarTuple("_Ts")

#: open tickets, with the statuses rendered as literals (not bound parameters): a planner can
#: only use the partial indexes ``ix_tickets_open_due`` and ``ix_tickets_open_created`` when it
#: sees the values
OPEN = Ticket.status.not_in(
    bindparam("done_statuses", DONE_STATUSES, expanding=True, literal_execute=True)
)


def scoped(stmt: Select[*_Ts], scope: Scope) -> Select[*_Ts]:
    if scope.everything:
        return stmt
    if scope.organization_id is None:
        return stmt.where(Ticket.id.is_(None))
    return stmt.where(Ticket.organization_id == scope.organization_id)


#: SQLite's ticket numbers; built once (its cache key kept with it), on the table (the ORM's
#: bulk UPDATE would look for counter objects in the session to synchronise)
_COUNTERS = cast(Table, Counter.__table__)
_NEXT_NUMBER = plain(
    update(_COUNTERS)
    .where(_COUNTERS.c.name == "ticket_number")
    .values(value=_COUNTERS.c.value + 1)
    .returning(_COUNTERS.c.value)
)


def ticket_query(
    base: Select[*_Ts],
    scope: Scope,
    *,
    status: Sequence[str] = (),
    priority: Sequence[str] = (),
    type_: Sequence[str] = (),
    organization_id: int | None = None,
    requester_id: int | None = None,
    assignee_id: int | None = None,
    team: str | None = None,
    channel: str | None = None,
    sla_state: Sequence[str] = (),
    over_quota: bool | None = None,
    open_only: bool = False,
    text_contains: str | None = None,
    order_by_due: bool = False,
    limit: int = 50,
    offset: int = 0,
    unassigned: bool = False,
    search: TextClause | ColumnElement[bool] | None = None,
    few_rows: bool = False,
) -> Select[*_Ts]:
    """``base`` (a SELECT from ``tickets``) filtered, ordered and paged. ``few_rows``: the
    filters leave at most a few thousand rows (a search's matches by id), to be sorted
    rather than found along the queue's index."""
    stmt = scoped(base, scope)
    if status:
        stmt = stmt.where(Ticket.status.in_(status))
    if open_only:
        stmt = stmt.where(OPEN)
    if priority:
        stmt = stmt.where(Ticket.priority.in_(priority))
    if type_:
        stmt = stmt.where(Ticket.type.in_(type_))
    if organization_id is not None:
        stmt = stmt.where(Ticket.organization_id == organization_id)
    if requester_id is not None:
        stmt = stmt.where(Ticket.requester_id == requester_id)
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    if unassigned:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if team is not None:
        stmt = stmt.where(Ticket.team == team)
    if channel is not None:
        stmt = stmt.where(Ticket.channel == channel)
    if sla_state:
        states = [s for s in sla_state if s != "none"]
        cond = Ticket.sla_state.in_(states)
        stmt = stmt.where(or_(cond, Ticket.sla_state.is_(None)) if "none" in sla_state else cond)
    if over_quota is not None:
        stmt = stmt.where(Ticket.over_quota.is_(over_quota))
    if text_contains:
        # autoescape: ``%``, ``_`` and the escape character are matched as themselves
        subject = func.lower(Ticket.subject)
        stmt = stmt.where(subject.contains(text_contains.lower(), autoescape=True))
    if search is not None:  # store/_search.py: the engine's full-text index
        stmt = stmt.where(search)
    if order_by_due and few_rows:
        # the same order, but not the index's expression: the planner cannot walk
        # ix_tickets_open_due testing each row against the ids (PostgreSQL did, 78 ms when
        # the matches had the latest deadlines), so it looks the rows up and sorts them (1 ms)
        nulls_last = case((Ticket.sla_due_at.is_(None), 1), else_=0)
        stmt = stmt.order_by(nulls_last, Ticket.sla_due_at, Ticket.id)
    elif order_by_due:  # with OPEN: a top-N scan of ix_tickets_open_due, on both engines
        stmt = stmt.order_by(Ticket.sla_due_at.is_(None), Ticket.sla_due_at, Ticket.id)
    else:  # with OPEN: a top-N scan of ix_tickets_open_created, read backwards
        stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    return stmt.limit(limit).offset(offset)


@dataclass(frozen=True, slots=True)
class OpenTarget:
    """A running or breached target of a ticket, as a queue page needs it."""

    ticket_id: int
    state: str
    #: not fulfilled, and its deadline is the ticket's ``sla_due_at`` (the earliest open)
    owns_deadline: bool
    calendar: str | None
    warnings: list[dict[str, Any]]


class TicketRepository(Repository):
    def next_number(self) -> int:
        """Unique, gap-tolerant: a sequence on PostgreSQL (no lock held), the counter row on
        SQLite (whose write lock already serialises writers)."""
        if self.db.dialect == "postgresql":
            return int(self.db.execute(text("SELECT nextval('ticket_number_seq')")).scalar_one())
        return int(self.db.run(_NEXT_NUMBER).one()[0])

    def get(self, scope: Scope, ticket_id: int, *, for_update: bool = False) -> Ticket:
        """The ticket if ``scope`` may see it; NotFound otherwise (never Forbidden)."""
        stmt = scoped(select(Ticket).where(Ticket.id == ticket_id), scope)
        if for_update:
            stmt = stmt.with_for_update()
        ticket = self.session.execute(stmt).scalar_one_or_none()
        if ticket is None:
            raise NotFound("ticket", ticket_id)
        return ticket

    def count_created(
        self,
        organization_id: int,
        start: datetime,
        end: datetime,
        *,
        except_types: Collection[str] = (),
    ) -> int:
        """Tickets the organisation filed in [start, end), leaving out ``except_types``."""
        stmt = select(func.count(Ticket.id)).where(
            Ticket.organization_id == organization_id,
            Ticket.created_at >= start,
            Ticket.created_at < end,
        )
        if except_types:
            stmt = stmt.where(Ticket.type.not_in(list(except_types)))
        return int(self.db.execute(stmt).scalar_one())


def _target_next(t: TargetResult, now: datetime) -> datetime | None:
    """The next instant after ``now`` when this target passes a warning or breaches."""
    if t.state is not TargetState.RUNNING:
        return None
    candidates = [w.at for w in t.warnings if not w.passed and w.at is not None and w.at > now]
    if t.due_at is not None and t.due_at > now:
        candidates.append(t.due_at)
    return min(candidates, default=None)


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value.total_seconds())


def projection_rows(ticket_id: int, evaluation: Evaluation, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "ticket_id": ticket_id,
            "metric": t.metric,
            "cycle": max(len(t.cycles) - 1, 0),
            "state": t.state.value,
            "priority": t.priority,
            "started_at": t.started_at,
            "due_at": t.due_at,
            "fulfilled_at": t.fulfilled_at,
            "breached_at": t.breached_at,
            "used_seconds": t.used.total_seconds(),
            "left_seconds": _seconds(t.left),
            "next_event_at": _target_next(t, now),
            "evaluated_at": now,
            "data": {
                "calendar": t.calendar,
                "target": t.target_text,
                "warnings": [
                    {"threshold": w.threshold, "passed": w.passed,
                     "at": w.at.isoformat() if w.at else None}
                    for w in t.warnings
                ],
            },
        }
        for t in evaluation.targets
    ]  # fmt: skip


def queue_columns(evaluation: Evaluation | None) -> dict[str, Any]:
    """The ticket row's queue columns for ``evaluation``: worst target state, earliest open
    deadline (:func:`sladesk.sla.rollup`), next sweep instant (all None without SLA)."""
    if evaluation is None or not evaluation.targets:
        return {"sla_state": None, "sla_due_at": None, "next_sla_event_at": None}
    r = rollup(evaluation)
    return {
        "sla_state": r.state.value if r.state is not None else None,
        "sla_due_at": r.due_at,
        "next_sla_event_at": evaluation.next_event_at,
    }


def has_passed_milestone(evaluation: Evaluation | None) -> bool:
    if evaluation is None:
        return False
    for t in evaluation.targets:
        if t.breached_at is not None or any(w.passed for w in t.warnings):
            return True
        if any(c.breached_at is not None for c in t.cycles):
            return True
    return False


_PROJECTIONS = cast(Table, SlaProjection.__table__)
_INSERT_PROJECTIONS = plain(insert(_PROJECTIONS))


class ProjectionRepository(Repository):
    """Reads of the ``sla_projections`` rows (one per target of a ticket); they are written
    by the ticket gateway (``store/_ticket_gateway.py``)."""

    def open_targets(self, ticket_ids: Sequence[int]) -> list[OpenTarget]:
        """The running and breached targets of ``ticket_ids``, in one SELECT: what a page of
        the queue needs of them — the calendar of the open target owning each ticket's
        ``sla_due_at`` (time left is measured on it) and the running targets' recorded
        warnings (the ``warned`` badge). The calendar's name and the warnings are
        extracted from the JSON by the database: no document is decoded whole."""
        if not ticket_ids:
            return []
        stmt = (
            select(
                SlaProjection.ticket_id,
                SlaProjection.state,
                and_(
                    SlaProjection.fulfilled_at.is_(None), SlaProjection.due_at == Ticket.sla_due_at
                ),
                SlaProjection.data["calendar"].as_string(),
                SlaProjection.data["warnings"],
            )
            .join(Ticket, Ticket.id == SlaProjection.ticket_id)
            .where(
                SlaProjection.ticket_id.in_(ticket_ids),
                SlaProjection.state.in_(("running", "breached")),
            )
        )
        return [
            OpenTarget(int(i), state, bool(owns), calendar, list(warnings or ()))
            for i, state, owns, calendar, warnings in self.db.execute(stmt)
        ]

    def running_warnings(self, ticket_ids: Sequence[int]) -> list[tuple[int, list[dict[str, Any]]]]:
        """(ticket id, recorded warnings) of every running target of ``ticket_ids``, in one
        SELECT (the queue's ``warned`` badge for a page of rows)."""
        if not ticket_ids:
            return []
        stmt = select(SlaProjection.ticket_id, SlaProjection.data).where(
            SlaProjection.ticket_id.in_(ticket_ids), SlaProjection.state == "running"
        )
        return [(i, list(d.get("warnings", ()))) for i, d in self.session.execute(stmt)]

    def for_ticket(self, ticket_id: int) -> list[SlaProjection]:
        stmt = select(SlaProjection).where(SlaProjection.ticket_id == ticket_id)
        return list(self.session.execute(stmt.order_by(SlaProjection.id)).scalars())

    def for_tickets_created(
        self, scope: Scope, start: datetime, end: datetime
    ) -> list[tuple[Ticket, SlaProjection | None]]:
        """Tickets created in [start, end) in ``scope`` with each of their projection rows
        (one row per target; tickets without SLA once with None)."""
        stmt = scoped(
            select(Ticket, SlaProjection)
            .outerjoin(SlaProjection, SlaProjection.ticket_id == Ticket.id)
            .where(Ticket.created_at >= start, Ticket.created_at < end),
            scope,
        )
        return [(t, p) for t, p in self.session.execute(stmt.order_by(Ticket.id))]
