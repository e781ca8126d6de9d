"""``/reports/compliance``: the compliance report over any period, grouped by any of the
report's dimensions, as JSON or CSV; ``/reports/compliance/tickets``: the tickets behind one
figure. A contact gets their own organisation's report (the service scopes every query)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import (
    ComplianceReportPublic,
    GroupValuePublic,
    ReportFiguresPublic,
    ReportGroupPublic,
    ReportTicketPublic,
    ReportTicketsPublic,
    Text,
)
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/reports", tags=["reports"], route_class=OneHopRoute)

_DRILL = "/api/v1/reports/compliance/tickets"
_FROM = Query(alias="from", description="a local date (YYYY-MM-DD) or an instant with offset")
_TO = Query(alias="to", description="a date (inclusive) or an instant (exclusive)")
_ZONE = Query(description="IANA zone of day/week/month; default: the support calendar's")


def _figures(
    report: services.ComplianceReport, group: services.ReportGroup, f: services.ReportFigures
) -> ReportFiguresPublic:
    links = {o: f"{_DRILL}?{urlencode(report.drill(group, f, o))}" for o in services.OUTCOMES}
    return ReportFiguresPublic(
        metric=f.metric, goal=f.goal, with_target=f.with_target, met=f.met,
        breached=f.breached, running=f.running, paused=f.paused, pending=f.pending,
        compliance=f.compliance, fulfilled=f.fulfilled, median_seconds=f.median_seconds,
        p90_seconds=f.p90_seconds, tickets=links,
    )  # fmt: skip


def report_csv(report: services.ComplianceReport) -> str:
    """One line per group and metric: the group's labels, then ``services.ROW_COLUMNS``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head, rows = report.rows()
    writer.writerow(head)
    writer.writerows(rows)
    return out.getvalue()


_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON (`format=json`), or CSV with `format=csv`",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get("/compliance", response_model=ComplianceReportPublic, responses=_CSV)
def compliance_report(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    start: Annotated[Text, _FROM],
    end: Annotated[Text, _TO],
    by: Annotated[Text, Query(description="e.g. organisation,priority or week")] = "",
    zone: Annotated[Text | None, _ZONE] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",  # noqa: A002
) -> ComplianceReportPublic | Response:
    """Of the tickets created in the period: per group and metric, targets met, breached,
    running, paused, pending, the compliance, and the business time used (median, p90)."""
    report = services.compliance_report(
        uow, clock, actor, services.parse_report_bound(start, "from"),
        services.parse_report_bound(end, "to"), by, zone=zone,
    )  # fmt: skip
    if format == "csv":
        name = f"compliance-{report.start.date()}-{report.end.date()}.csv"
        disposition = f'attachment; filename="{name}"'
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": disposition})  # fmt: skip
    return ComplianceReportPublic(
        start=report.start, end=report.end, zone=report.zone, by=report.by, now=report.now,
        goals=report.goals,
        groups=tuple(
            ReportGroupPublic(key=tuple(GroupValuePublic.model_validate(v) for v in g.key),
                              label=g.label,
                              figures=tuple(_figures(report, g, f) for f in g.figures))
            for g in report.groups
        ),
        totals=tuple(
            _figures(report, services.ReportGroup((), ()), f) for f in report.totals
        ),
    )  # fmt: skip


@router.get("/compliance/tickets", response_model=ReportTicketsPublic)
def compliance_tickets(
    request: Request,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    start: Annotated[Text, _FROM],
    end: Annotated[Text, _TO],
    outcome: Annotated[Text, Query(description="with_target, met, breached, ...")],
    metric: Annotated[Text | None, Query()] = None,
    goal: Annotated[bool | None, Query()] = None,
    zone: Annotated[Text | None, _ZONE] = None,
) -> ReportTicketsPublic:
    """The tickets behind one figure: the group is given as one parameter per dimension
    (``organisation=3&priority=urgent``; empty for none), as each figure's link has it."""
    key: dict[str, str | None] = {}
    for name, value in request.query_params.items():
        if name in services.REPORT_DIMENSIONS and name != "metric":
            key[name] = value or None
    found = services.report_tickets(
        uow, clock, actor, services.parse_report_bound(start, "from"),
        services.parse_report_bound(end, "to"), key, metric=metric, outcome=outcome,
        goal=goal, zone=zone,
    )  # fmt: skip
    return ReportTicketsPublic(
        total=found.total,
        limit=found.limit,
        tickets=tuple(
            ReportTicketPublic(
                id=t.id, number=t.number, subject=t.subject, organization_id=t.organization_id,
                metric=t.metric,
                priority=t.priority, state=t.state, due_at=t.due_at,
                fulfilled_at=t.fulfilled_at, used_seconds=t.used_seconds,
                url=f"/api/v1/tickets/{t.id}",
                explain=f"/api/v1/tickets/{t.id}#sla" if t.state == "breached" else None,
            )
            for t in found.tickets
        ),
    )  # fmt: skip
