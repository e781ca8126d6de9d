"""The compliance report (docs/reports.md): of the tickets created in a period, how many SLA
targets were met, breached, are running, paused or pending, and the compliance
(met / decided) — grouped by any of day, week, month (in the support team's zone),
organisation, plan, priority, type, metric, team, agent and channel, always per metric — with
the business time the fulfilled targets used (median and p90), and the tickets behind every
figure (:func:`report_tickets`).

The counting is done by the database (``store/_repo_reports.py``), or for a large report
from the packed columns of ``report_chunks`` (kept by :func:`refresh_report_chunks`, the
``report-chunks`` job); this module validates the request, picks the zone, tells goals from
targets and names what the keys are.

- **Zone**: the one asked for, else the zone of the current policy's first business-hours
  calendar (the support team's), else UTC. Day, week (ISO, from Monday) and month buckets are
  local to it, across DST changes.
- **Period**: ``start``/``end`` are dates (local days in the zone; ``end`` inclusive) or
  aware instants (``end`` exclusive). Tickets count by when they were created.
- **Goals**: targets of a policy version with ``binding: false`` (Infraspeak) are reported as
  goals, in groups of their own (``goal: true``), never mixed with binding targets.
- **Scope**: staff see every organisation; a contact only their own (the store's ``scoped``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sladesk.services.clock import Clock
from sladesk.store import (
    CHUNK_TICKETS,
    COLUMNAR_FROM,
    REPORT_DIMENSIONS,
    TIME_DIMENSIONS,
    CellTicket,
    ReportCell,
    ReportChunkRepository,
    ReportRepository,
    UnitOfWork,
)
from sladesk.tickets import MAX_ID, Actor, InvalidRequest

__all__ = [
    "OUTCOMES",
    "ROW_COLUMNS",
    "REPORT_DIMENSIONS",
    "ComplianceReport",
    "GroupValue",
    "ReportFigures",
    "ReportGroup",
    "ReportTickets",
    "compliance_report",
    "offset_spans",
    "parse_report_bound",
    "parse_report_by",
    "refresh_report_chunks",
    "report_tickets",
]

#: what a drill-down may ask for (``with_target``: every target of the group)
OUTCOMES = ("with_target", "met", "breached", "running", "paused", "pending")
#: accepted spellings of dimensions
_ALIASES = {"target": "metric", "organization": "organisation", "org": "organisation",
            "assignee": "agent"}  # fmt: skip
#: the longest period a report covers (a bound on the work of one request)
MAX_PERIOD = timedelta(days=3 * 366)
DRILL_LIMIT = 500
#: the figures of a flat row (after the group's labels)
ROW_COLUMNS = ("metric", "goal", "with_target", "met", "breached", "running", "paused",
               "pending", "compliance", "fulfilled", "median_seconds", "p90_seconds")  # fmt: skip

Bound = date | datetime


@dataclass(frozen=True, slots=True)
class GroupValue:
    dimension: str
    value: str | None  # as the drill-down takes it back: an id, a date, a key; None = none
    label: str  # what a person reads


@dataclass(frozen=True, slots=True)
class ReportFigures:
    """One metric of one group. ``goal``: the targets are non-binding goals."""

    metric: str
    goal: bool
    with_target: int
    met: int
    breached: int
    running: int
    paused: int
    pending: int
    compliance: float | None  # met / (met + breached); None when nothing is decided
    fulfilled: int  # targets whose business time is in the percentiles
    median_seconds: float | None
    p90_seconds: float | None

    @classmethod
    def of(cls, c: ReportCell) -> ReportFigures:
        decided = c.met + c.breached
        return cls(c.metric, c.goal, c.with_target, c.met, c.breached, c.running, c.paused,
                   c.pending, c.met / decided if decided else None, c.fulfilled,
                   c.median_seconds, c.p90_seconds)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReportGroup:
    key: tuple[GroupValue, ...]
    figures: tuple[ReportFigures, ...]

    @property
    def label(self) -> str:
        return " / ".join(v.label for v in self.key) or "all"


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    start: datetime  # the period as instants: [start, end)
    end: datetime
    zone: str
    by: tuple[str, ...]
    now: datetime
    groups: tuple[ReportGroup, ...]
    #: counts summed over every group, per metric and goal (percentiles only when ``by`` is
    #: empty: they do not add up)
    totals: tuple[ReportFigures, ...]
    organization_id: int | None  # a contact's report: their organisation

    @property
    def goals(self) -> bool:
        return any(f.goal for f in self.totals)

    @property
    def trend_dimension(self) -> str | None:
        return next((d for d in self.by if d in TIME_DIMENSIONS), None)

    def rows(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """The report as one flat table (CSV, the CLI): the group's labels, then
        :data:`ROW_COLUMNS`, one row per group and metric."""
        head = (*self.by, *ROW_COLUMNS)
        body = []
        for g in self.groups:
            for f in g.figures:
                body.append((*(v.label for v in g.key), f.metric, "goal" if f.goal else "target",
                             str(f.with_target), str(f.met), str(f.breached), str(f.running),
                             str(f.paused), str(f.pending),
                             "" if f.compliance is None else f"{f.compliance:.4f}",
                             str(f.fulfilled), _secs(f.median_seconds),
                             _secs(f.p90_seconds)))  # fmt: skip
        return head, body

    def drill(self, group: ReportGroup, figures: ReportFigures, outcome: str) -> dict[str, str]:
        """The query parameters of the drill-down for one figure (API and web alike)."""
        params = {"from": self.start.isoformat(), "to": self.end.isoformat(), "zone": self.zone,
                  "metric": figures.metric, "outcome": outcome,
                  "goal": "true" if figures.goal else "false"}  # fmt: skip
        for v in group.key:
            params[v.dimension] = "" if v.value is None else v.value
        return params


@dataclass(frozen=True, slots=True)
class ReportTickets:
    total: int
    tickets: tuple[CellTicket, ...]  # at most ``DRILL_LIMIT``, by number
    limit: int


# ---------------------------------------------------------------------- parsing


def parse_report_bound(text: str, field: str) -> Bound:
    """``2026-03-01`` (a local date) or ``2026-03-01T00:00:00+01:00`` (an instant)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(
            f"not a date (YYYY-MM-DD) or an instant with offset: {text!r}", field=field
        ) from None
    if at.tzinfo is None:
        raise InvalidRequest(f"an instant needs a UTC offset: {text!r}", field=field)
    return at


def parse_report_by(text: str | Sequence[str], field: str = "by") -> tuple[str, ...]:
    """``organisation,priority`` -> the dimensions, checked; at most one time bucket."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for raw in parts:
        name = _ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if not name:
            continue
        if name not in REPORT_DIMENSIONS:
            known = ", ".join(REPORT_DIMENSIONS)
            raise InvalidRequest(f"unknown dimension {raw!r} (known: {known})", field=field)
        if name in out:
            raise InvalidRequest(f"dimension {name!r} given twice", field=field)
        out.append(name)
    if sum(1 for d in out if d in TIME_DIMENSIONS) > 1:
        raise InvalidRequest("group by one of day, week, month at most", field=field)
    return tuple(out)


def _zone(uow: UnitOfWork, asked: str | None) -> str:
    if asked:
        try:
            ZoneInfo(asked)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise InvalidRequest(f"unknown time zone {asked!r}", field="zone") from None
        return asked
    current = uow.policies.current_id()
    policy = uow.policies.parsed(current) if current is not None else None
    if policy is not None:
        for calendar in policy.calendars.values():
            if not calendar.is_24x7:
                return calendar.timezone.key
    return "UTC"


def _instant(bound: Bound, zone: ZoneInfo, *, end: bool) -> datetime:
    if isinstance(bound, datetime):
        return bound.astimezone(UTC)
    day = bound + timedelta(days=1) if end else bound
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _period(start: Bound, end: Bound, zone: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        since = _instant(start, zone, end=False)
    except OverflowError:
        raise InvalidRequest("out of the range of dates sladesk keeps", field="from") from None
    try:
        until = _instant(end, zone, end=True)
    except OverflowError:
        raise InvalidRequest("out of the range of dates sladesk keeps", field="to") from None
    if until <= since:
        raise InvalidRequest("the period must end after it starts", field="to")
    if until - since > MAX_PERIOD:
        raise InvalidRequest("a report covers at most three years", field="to")
    return since, until


def offset_spans(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets over ``[start, end)`` as ``(until, seconds)`` spans, the last
    one open-ended: hour steps find each change, a bisection pins it to the second."""

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    spans: list[tuple[datetime | None, int]] = []
    at, current = start, offset(start)
    step = timedelta(hours=1)
    while at < end:
        nxt = min(at + step, end)
        if offset(nxt) != current:
            lo, hi = at, nxt  # offset(lo) == current != offset(hi)
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(mid) == current else (lo, mid)
            spans.append((hi, current))
            current = offset(hi)
            at = hi
            continue
        at = nxt
    spans.append((None, current))
    return spans


def _bucket(dimension: str, first: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A time bucket's instants, from its first local day."""
    if dimension == "day":
        last = first + timedelta(days=1)
    elif dimension == "week":
        last = first + timedelta(days=7)
    else:
        last = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime.combine(first, time(0), zone).astimezone(UTC),
            datetime.combine(last, time(0), zone).astimezone(UTC))  # fmt: skip


def _goal_versions(uow: UnitOfWork) -> list[int]:
    """Policy versions whose targets are goals (``binding: false``)."""
    out = []
    for version in uow.policies.versions():
        policy = uow.policies.parsed(version.id)
        if policy is not None and not policy.binding:
            out.append(version.id)
    return out


# ---------------------------------------------------------------------- use cases


#: a chunk with changes is rebuilt once this old, or when this share of its rows changed
CHUNK_REFRESH_AFTER = timedelta(minutes=15)
CHUNK_STALE_SHARE = 0.10


def refresh_report_chunks(
    uow: UnitOfWork,
    clock: Clock,
    *,
    size: int = CHUNK_TICKETS,
    limit: int | None = None,
    stale_share: float = CHUNK_STALE_SHARE,
) -> int:
    """Keep ``report_chunks`` fresh (docs/reports.md "How it is computed"): build the chunk
    of every range of ``size`` ticket ids that has none, rebuild those where ``stale_share``
    (a tenth) of the rows changed or that changed at all and are older than
    :data:`CHUNK_REFRESH_AFTER`, and move the marks of unchanged ones up. One transaction
    per chunk built; at most ``limit`` built. Returns how many were built."""
    built = 0
    with uow:
        repo = ReportChunkRepository(uow.db)
        first = repo.marks()  # before anything is read against them
        chunks = {c.lo: c for c in repo.chunks()}
        changed = repo.changed(list(chunks.values()))
        # how much changed, for the rebuild (SQLite's guard rows left out: not a change)
        counted = repo.changed(list(chunks.values()), guard=False)
        top = repo.max_ticket_id()
        now = clock.now()
        for lo in range(0, top + 1, size):
            hi = lo + size
            chunk = chunks.get(lo)
            if chunk is not None and chunk.hi == hi:
                if not len(changed.get(lo, ())):
                    if (chunk.projection_mark, chunk.event_mark) != first:
                        repo.move_marks(lo, first, now)
                    continue
                n = len(counted.get(lo, ()))
                # a changed ticket has about two rows
                if 2 * n < stale_share * chunk.rows and (
                    not n or now - chunk.built_at < CHUNK_REFRESH_AFTER
                ):
                    continue
            if limit is not None and built >= limit:
                break
            for other in chunks.values():  # a chunk of another size overlapping this range
                if other.lo != lo and other.lo < hi and other.hi > lo:
                    repo.drop(other.lo)
            marks = repo.marks()
            repo.save(lo, hi, repo.rows(lo=lo, hi=hi), marks, now)
            uow.commit()
            built += 1
        uow.commit()
    return built


def compliance_report(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    start: Bound,
    end: Bound,
    by: Sequence[str] = (),
    *,
    zone: str | None = None,
    method: str = "auto",
) -> ComplianceReport:
    """The compliance report of the tickets created in the period, in the caller's scope.
    ``method``: how the cells are counted (``store/_repo_reports.py``: ``auto``, ``scan``,
    ``columns``); the figures are the same."""
    now = clock.now()
    dims = parse_report_by(by)
    if (
        actor.scope.everything and method != "scan"
    ):  # a large report and chunks missing: built first, once
        with uow.read_only():
            missing = ReportChunkRepository(uow.db).uncovered()
        if missing >= COLUMNAR_FROM:
            refresh_report_chunks(uow, clock)
    with uow.read_only():
        zone_name = _zone(uow, zone)
        tz = ZoneInfo(zone_name)
        since, until = _period(start, end, tz)
        repo = ReportRepository(uow.db)
        goals = _goal_versions(uow)
        cells = repo.compliance_cells(actor.scope, since, until, now, dims, zone=zone_name,
                                      spans=offset_spans(tz, since, until),
                                      goal_versions=goals, method=method)  # fmt: skip
        orgs, agents = repo.names(_ids(cells, dims, "organisation"), _ids(cells, dims, "agent"))
    grouped: dict[tuple[object, ...], list[ReportFigures]] = {}
    for c in cells:
        grouped.setdefault(c.key, []).append(ReportFigures.of(c))
    groups = tuple(
        ReportGroup(
            key=tuple(_value(d, k, orgs, agents) for d, k in zip(dims, key, strict=True)),
            figures=tuple(sorted(figs, key=lambda f: (f.goal, f.metric))),
        )
        for key, figs in sorted(grouped.items(), key=lambda kv: _sort_key(kv[0]))
    )
    return ComplianceReport(
        start=since, end=until, zone=zone_name, by=dims, now=now, groups=groups,
        totals=_totals(cells, exact=not dims),
        organization_id=None if actor.is_staff else actor.organization_id,
    )  # fmt: skip


def report_tickets(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    start: Bound,
    end: Bound,
    key: Mapping[str, str | None],
    *,
    metric: str | None,
    outcome: str,
    goal: bool | None = None,
    zone: str | None = None,
    limit: int = DRILL_LIMIT,
) -> ReportTickets:
    """The tickets behind one figure of :func:`compliance_report`: the group ``key``
    (dimension -> value as :class:`GroupValue` gives it, ``None`` for none), the metric and
    the outcome (:data:`OUTCOMES`)."""
    now = clock.now()
    if outcome not in OUTCOMES:
        raise InvalidRequest(f"unknown outcome {outcome!r} (known: {', '.join(OUTCOMES)})",
                             field="outcome")  # fmt: skip
    parse_report_by(list(key))
    with uow.read_only():
        zone_name = _zone(uow, zone)
        tz = ZoneInfo(zone_name)
        since, until = _period(start, end, tz)
        filters: dict[str, str | int | None] = {}
        for dimension, raw in key.items():
            name = _ALIASES.get(dimension, dimension)
            if name in TIME_DIMENSIONS:
                if raw is None:
                    raise InvalidRequest("a time bucket needs its first day", field=name)
                try:
                    first = date.fromisoformat(raw)
                except ValueError:
                    raise InvalidRequest(f"not a date: {raw!r}", field=name) from None
                try:
                    lo, hi = _bucket(name, first, tz)
                except (OverflowError, ValueError):
                    raise InvalidRequest(f"out of range: {raw!r}", field=name) from None
                since, until = max(since, lo), min(until, hi)
            elif name in ("organisation", "agent") and raw is not None:
                try:
                    ident = int(raw)
                except ValueError:
                    ident = 0
                if not 0 < ident <= MAX_ID:
                    raise InvalidRequest(f"not an id: {raw!r}", field=name)
                filters[name] = ident
            else:
                filters[name] = raw
        if until <= since:
            return ReportTickets(0, (), limit)
        total, rows = ReportRepository(uow.db).cell_tickets(
            actor.scope, since, until, now, filters=filters, metric=metric, outcome=outcome,
            goal_versions=_goal_versions(uow), goal=goal, limit=limit,
        )  # fmt: skip
    return ReportTickets(total, tuple(rows), limit)


# ---------------------------------------------------------------------- shaping


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _ids(cells: Sequence[ReportCell], dims: Sequence[str], name: str) -> list[int]:
    if name not in dims:
        return []
    i = dims.index(name)
    return sorted({k for c in cells if isinstance(k := c.key[i], int)})


def _value(
    dimension: str, raw: object, orgs: Mapping[int, str], agents: Mapping[int, str]
) -> GroupValue:
    if raw is None:
        none = {"organisation": "(no organisation)", "agent": "(unassigned)",
                "team": "(no team)", "plan": "(no plan)"}.get(dimension, "(none)")  # fmt: skip
        return GroupValue(dimension, None, none)
    if dimension == "organisation" and isinstance(raw, int):
        return GroupValue(dimension, str(raw), orgs.get(raw, f"#{raw}"))
    if dimension == "agent" and isinstance(raw, int):
        return GroupValue(dimension, str(raw), agents.get(raw, f"#{raw}"))
    return GroupValue(dimension, str(raw), str(raw))


def _sort_key(key: tuple[object, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((k is None, f"{k:020d}" if isinstance(k, int) else str(k)) for k in key)


def _totals(cells: Sequence[ReportCell], *, exact: bool) -> tuple[ReportFigures, ...]:
    sums: dict[tuple[str, bool], list[int]] = {}
    for c in cells:
        s = sums.setdefault((c.metric, c.goal), [0] * 7)
        for i, v in enumerate((c.with_target, c.met, c.breached, c.running, c.paused,
                               c.pending, c.fulfilled)):  # fmt: skip
            s[i] += v
    out = []
    for (metric, goal), s in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        p50 = p90 = None
        if exact:
            cell = next(c for c in cells if (c.metric, c.goal) == (metric, goal))
            p50, p90 = cell.median_seconds, cell.p90_seconds
        decided = s[1] + s[2]
        out.append(ReportFigures(metric, goal, s[0], s[1], s[2], s[3], s[4], s[5],
                                 s[1] / decided if decided else None, s[6], p50, p90))  # fmt: skip
    return tuple(out)
