"""The compliance report's statements: aggregates over the stored SLA projections
(``sla_projections`` joined to their ticket), grouped by any of the report's dimensions, and
the drill-down (the tickets behind one figure). Everything is counted by the database; Python
only sees one row per group.

Time buckets (day, week, month) are in the support team's zone:

- PostgreSQL: ``date_trunc(unit, created_at AT TIME ZONE zone)``;
- SQLite (no zone data): the service hands the zone's UTC offsets over the period as spans
  ``(until, offset)`` computed from zoneinfo, and each ticket's local time is its UTC instant
  plus the offset of the span it falls in (a ``CASE`` over a handful of DST changes), so a
  bucket is exact across DST changes too.

Percentiles (median, p90) of the business time used by fulfilled targets are
``percentile_cont`` on PostgreSQL; on SQLite, ``row_number()`` and ``count()`` windows per
group pick the two neighbouring values, interpolated like ``percentile_cont``.

A target stored as running whose deadline has passed by ``now`` counts as breached
(:func:`sladesk.sla.state_at`, written here as SQL).

Large reports (more than :data:`COLUMNAR_FROM` projection rows, by the chunks' estimate) are
counted from the packed columns of ``report_chunks`` instead (``store/_report_chunks.py``,
``store/_report_columns.py``), vectorised, with the same figures; this scan stays the
oracle, and the path for small reports and for a contact's organisation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy import Integer as SaInteger
from sqlalchemy.sql.elements import KeyedColumnElement

from sladesk.store._db import Repository
from sladesk.store._repo_tickets import scoped
from sladesk.store._report_chunks import ReportChunkRepository
from sladesk.store._report_columns import aggregate, micros
from sladesk.store._tables import Agent, Organization, SlaProjection, Ticket
from sladesk.store._types import UTCDateTime
from sladesk.tickets import Scope

__all__ = [
    "REPORT_DIMENSIONS",
    "TIME_DIMENSIONS",
    "COLUMNAR_FROM",
    "CellTicket",
    "ReportCell",
    "ReportRepository",
]

TIME_DIMENSIONS = ("day", "week", "month")
#: every dimension a report may be grouped by, in the order the docs list them
REPORT_DIMENSIONS = (
    *TIME_DIMENSIONS,
    "organisation",
    "plan",
    "priority",
    "type",
    "metric",
    "team",
    "agent",
    "channel",
)
#: reports over at least this many projection rows (estimated) read the packed columns
COLUMNAR_FROM = 50_000
OUTCOMES = ("with_target", "met", "breached", "running", "paused", "pending")

_P = SlaProjection
_T = Ticket
_Key = str | int | None


@dataclass(frozen=True, slots=True)
class ReportCell:
    """One group of the report for one metric: the group's key (one value per dimension of
    ``by``, time buckets as ``YYYY-MM-DD`` of their first local day), whether its targets are
    goals (``binding: false``), the counts by state, and the percentiles of the business
    seconds the fulfilled targets used."""

    key: tuple[_Key, ...]
    metric: str
    goal: bool
    with_target: int
    met: int
    breached: int
    running: int
    paused: int
    pending: int
    fulfilled: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True, slots=True)
class CellTicket:
    id: int
    number: int
    subject: str
    organization_id: int | None
    metric: str
    priority: str
    state: str  # as it stands at ``now`` (overdue running is breached)
    due_at: datetime | None
    fulfilled_at: datetime | None
    used_seconds: float


def _state(now: datetime) -> ColumnElement[str]:
    overdue = and_(_P.state == "running", _P.due_at.is_not(None), _P.due_at <= now)
    return case((overdue, literal("breached")), else_=_P.state)


def _local(spans: Sequence[tuple[datetime | None, int]]) -> ColumnElement[Any]:
    """SQLite: the ticket's creation as local wall-clock text, from the zone's offset spans
    ``(until, offset_seconds)`` (the last span's ``until`` is None)."""

    def shifted(offset: int) -> ColumnElement[Any]:
        return func.datetime(_T.created_at, f"{offset:+d} seconds")

    if len(spans) == 1:
        return shifted(spans[0][1])
    whens = [
        (_T.created_at < literal(until, UTCDateTime()), shifted(offset))
        for until, offset in spans[:-1]
        if until is not None
    ]
    return case(*whens, else_=shifted(spans[-1][1]))


class ReportRepository(Repository):
    """Reads for ``services/_reports.py``; plain values out."""

    def _dimension(
        self, name: str, zone: str, spans: Sequence[tuple[datetime | None, int]]
    ) -> ColumnElement[Any]:
        pg = self.db.dialect == "postgresql"
        if name in TIME_DIMENSIONS:
            if pg:
                at = func.timezone(zone, _T.created_at)
                return func.to_char(func.date_trunc(name, at), "YYYY-MM-DD")
            local = _local(spans)
            if name == "day":
                return func.date(local)
            if name == "week":  # the Monday on or before (ISO weeks)
                return func.date(local, "weekday 0", "-6 days")
            return func.strftime("%Y-%m-01", local)
        column: ColumnElement[Any] = {
            "organisation": _T.organization_id,
            "plan": _T.facts["plan"].as_string(),
            "priority": func.coalesce(_P.priority, _T.priority),
            "type": _T.type,
            "metric": _P.metric,
            "team": _T.team,
            "agent": _T.assignee_id,
            "channel": _T.channel,
        }[name]
        return column

    def _base(
        self,
        columns: Sequence[Any],
        scope: Scope,
        start: datetime,
        end: datetime,
    ) -> Select[Any]:
        stmt = (
            select(*columns)
            .select_from(_T)
            .join(_P, _P.ticket_id == _T.id)
            .where(_T.created_at >= start, _T.created_at < end)
        )
        return scoped(stmt, scope)

    def compliance_cells(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        now: datetime,
        by: Sequence[str],
        *,
        zone: str,
        spans: Sequence[tuple[datetime | None, int]],
        goal_versions: Sequence[int],
        method: str = "auto",
    ) -> list[ReportCell]:
        """The report's groups: tickets created in ``[start, end)`` in ``scope``, grouped by
        ``by`` (names of :data:`REPORT_DIMENSIONS`), the metric and goal-or-target.
        ``method``: ``scan`` (SQL), ``columns`` (the packed chunks), ``auto`` (columns for a
        staff report over at least :data:`COLUMNAR_FROM` rows)."""
        if method == "auto":
            big = (
                scope.everything
                and ReportChunkRepository(self.db).estimate(micros(start), micros(end))
                >= COLUMNAR_FROM
            )
            method = "columns" if big else "scan"
        if method == "columns":
            return self._columnar_cells(scope, start, end, now, by, spans, goal_versions)
        dims = [self._dimension(d, zone, spans).label(f"k{i}") for i, d in enumerate(by)]
        goal = (
            case((_T.policy_version_id.in_(list(goal_versions)), true()), else_=false())
            if goal_versions
            else false()
        ).label("goal")
        metric = _P.metric.label("metric")
        state = _state(now)
        fulfilled = _P.fulfilled_at.is_not(None)
        counts: list[ColumnElement[Any]] = [
            func.count().label("with_target"),
            *(
                func.sum(case((state == s, 1), else_=0)).label(s)
                for s in ("met", "breached", "running", "paused", "pending")
            ),
            func.sum(case((fulfilled, 1), else_=0)).label("fulfilled"),
        ]
        pg = self.db.dialect == "postgresql"
        if pg:
            used = case((fulfilled, _P.used_seconds))
            counts += [
                func.percentile_cont(0.5).within_group(used).label("p50"),
                func.percentile_cont(0.9).within_group(used).label("p90"),
            ]
        groups = [*dims, metric, goal]
        # group by the labels (one copy of each expression and its parameters); a constant
        # goal is left out (SQLite would read an integer there as a column position)
        keys: list[Any] = [*dims, metric] + ([goal] if goal_versions else [])
        stmt = self._base([*groups, *counts], scope, start, end).group_by(*keys)
        rows = self.db.execute(stmt).all()
        quantiles: dict[tuple[Any, ...], tuple[float | None, float | None]] = {}
        if not pg:
            quantiles = self._sqlite_quantiles(dims, goal, scope, start, end)
        cells = []
        n = len(by)
        for row in rows:
            key = tuple(row[:n])
            m, g = row[n], bool(row[n + 1])
            c = row._mapping
            if pg:
                p50, p90 = c["p50"], c["p90"]
            else:
                p50, p90 = quantiles.get((*key, m, g), (None, None))
            cells.append(
                ReportCell(
                    key=key,
                    metric=m,
                    goal=g,
                    with_target=int(c["with_target"]),
                    met=int(c["met"] or 0),
                    breached=int(c["breached"] or 0),
                    running=int(c["running"] or 0),
                    paused=int(c["paused"] or 0),
                    pending=int(c["pending"] or 0),
                    fulfilled=int(c["fulfilled"] or 0),
                    median_seconds=None if p50 is None else float(p50),
                    p90_seconds=None if p90 is None else float(p90),
                )
            )
        return cells

    def _columnar_cells(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        now: datetime,
        by: Sequence[str],
        spans: Sequence[tuple[datetime | None, int]],
        goal_versions: Sequence[int],
    ) -> list[ReportCell]:
        if not scope.everything and scope.organization_id is None:
            return []
        cols = ReportChunkRepository(self.db).columns(micros(start), micros(end))
        cells = aggregate(
            cols, by, start=start, end=end, now=now, spans=spans, goal_versions=goal_versions,
            organization_id=None if scope.everything else scope.organization_id,
        )  # fmt: skip
        return [
            ReportCell(key, metric, goal, *counts, p50, p90)
            for key, metric, goal, counts, p50, p90 in cells
        ]

    def _sqlite_quantiles(
        self,
        dims: Sequence[KeyedColumnElement[Any]],
        goal: KeyedColumnElement[Any],
        scope: Scope,
        start: datetime,
        end: datetime,
    ) -> dict[tuple[Any, ...], tuple[float | None, float | None]]:
        """Per group: the median and p90 of ``used_seconds`` of fulfilled targets, as
        ``percentile_cont`` defines them (linear interpolation between the two values around
        rank ``(n - 1) * p``). One statement: windows number each group's sorted values, the
        outer query keeps the four that matter."""
        parts = [d.element for d in dims] + [_P.metric]
        if not isinstance(goal.element, type(false())):
            parts.append(goal.element)
        inner = (
            self._base(
                [
                    *(d.element.label(f"k{i}") for i, d in enumerate(dims)),
                    _P.metric.label("metric"),
                    goal.element.label("goal"),
                    _P.used_seconds.label("v"),
                    func.row_number()
                    .over(partition_by=parts, order_by=_P.used_seconds)
                    .label("rn"),
                    # the same window as row_number's, framed over the whole partition: one
                    # sort serves both
                    func.count()
                    .over(partition_by=parts, order_by=_P.used_seconds, rows=(None, None))
                    .label("n"),
                ],
                scope,
                start,
                end,
            )
            .where(_P.fulfilled_at.is_not(None))
            .subquery()
        )
        keys = [inner.c[f"k{i}"] for i in range(len(dims))]

        def rank(p: float, step: int) -> ColumnElement[Any]:
            # 1-based rank of floor((n - 1) * p) + step
            return cast((inner.c.n - 1) * p, SaInteger) + 1 + step

        def at(p: float, step: int) -> ColumnElement[Any]:
            return func.max(case((inner.c.rn == rank(p, step), inner.c.v)))

        wanted = or_(*(inner.c.rn == rank(p, step) for p in (0.5, 0.9) for step in (0, 1)))
        stmt = select(
            *keys,
            inner.c.metric,
            inner.c.goal,
            func.max(inner.c.n),
            at(0.5, 0),
            at(0.5, 1),
            at(0.9, 0),
            at(0.9, 1),
        )
        # at most four rows per group reach the GROUP BY's sort
        stmt = stmt.where(wanted).group_by(*keys, inner.c.metric, inner.c.goal)
        out: dict[tuple[Any, ...], tuple[float | None, float | None]] = {}
        k = len(dims)
        for row in self.db.execute(stmt):
            n = int(row[k + 2])
            out[(*row[:k], row[k], bool(row[k + 1]))] = (
                _interpolate(n, 0.5, row[k + 3], row[k + 4]),
                _interpolate(n, 0.9, row[k + 5], row[k + 6]),
            )
        return out

    def cell_tickets(
        self,
        scope: Scope,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        filters: Mapping[str, _Key],
        metric: str | None,
        outcome: str,
        goal_versions: Sequence[int],
        goal: bool | None,
        limit: int,
    ) -> tuple[int, list[CellTicket]]:
        """The tickets behind one figure: created in ``[start, end)`` (the service narrows it
        to a time bucket), matching ``filters`` (non-time dimension -> key value), the
        ``metric``, and ``outcome`` (one of ``with_target``, ``met``, ``breached``,
        ``running``, ``paused``, ``pending``). Returns how many, and the first ``limit`` of
        them by ticket number."""
        state = _state(now)
        conditions: list[ColumnElement[bool]] = []
        for name, value in filters.items():
            column = self._dimension(name, "UTC", [(None, 0)])
            conditions.append(column.is_(None) if value is None else column == value)
        if metric is not None:
            conditions.append(_P.metric == metric)
        if outcome != "with_target":
            conditions.append(state == outcome)
        if goal is not None:
            in_goal = _T.policy_version_id.in_(list(goal_versions)) if goal_versions else false()
            conditions.append(in_goal if goal else ~in_goal)
        count = self._base([func.count()], scope, start, end).where(*conditions)
        total = int(self.db.execute(count).scalar_one())
        stmt = (
            self._base(
                [
                    _T.id,
                    _T.number,
                    _T.subject,
                    _T.organization_id,
                    _P.metric,
                    func.coalesce(_P.priority, _T.priority),
                    state,
                    _P.due_at,
                    _P.fulfilled_at,
                    _P.used_seconds,
                ],
                scope,
                start,
                end,
            )  # fmt: skip
            .where(*conditions)
            .order_by(_T.number, _P.metric)
            .limit(limit)
        )
        rows = [CellTicket(*r) for r in self.db.execute(stmt)]
        return total, rows

    def names(
        self, organization_ids: Sequence[int], agent_ids: Sequence[int]
    ) -> tuple[dict[int, str], dict[int, str]]:
        """Display names of the organisations and agents a report's keys name."""
        orgs: dict[int, str] = {}
        agents: dict[int, str] = {}
        if organization_ids:
            stmt = select(Organization.id, Organization.name).where(
                Organization.id.in_(list(organization_ids))
            )
            orgs = {int(i): str(n) for i, n in self.db.execute(stmt).all()}
        if agent_ids:
            stmt = select(Agent.id, Agent.name).where(Agent.id.in_(list(agent_ids)))
            agents = {int(i): str(n) for i, n in self.db.execute(stmt).all()}
        return orgs, agents


def _interpolate(n: int, p: float, low: Any, high: Any) -> float | None:
    if low is None:
        return None
    h = (n - 1) * p
    frac = h - math.floor(h)
    if high is None or frac == 0:
        return float(low)
    return float(low) + frac * (float(high) - float(low))
