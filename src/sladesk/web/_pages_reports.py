"""Report pages: the compliance report in the console (agents: any grouping, every
organisation), the portal's report (a contact: their organisation's only — the service
scopes it), the tickets behind a figure, and a one-page printable summary of one
organisation for a review call (LiveAgent's VIP reviews). Charts are SVG drawn here
(``_charts.py``); every figure links to its tickets, every breached ticket to its SLA panel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from sladesk import services
from sladesk.services import ComplianceReport, InvalidRequest, ReportFigures, ReportGroup
from sladesk.web._charts import Point, Series, chart
from sladesk.web._context import Page, page

router = APIRouter()

DEFAULT_BY = "week"
REVIEW_DAYS = 90


@dataclass(frozen=True)
class Form:
    start: str
    end: str
    by: str
    zone: str


def _default_period(p: Page) -> tuple[str, str]:
    today = p.now().astimezone(p.words.tz).date()
    return (today - timedelta(days=REVIEW_DAYS - 1)).isoformat(), today.isoformat()


def _bounds(form: Form) -> tuple[date | datetime, date | datetime]:
    return (services.parse_report_bound(form.start, "from"),
            services.parse_report_bound(form.end, "to"))  # fmt: skip


def _figure_name(p: Page, f: ReportFigures) -> str:
    name = f.metric.replace("_", " ")
    return f"{name} ({p._('goal')})" if f.goal else name


def _drill(base: str, report: ComplianceReport, g: ReportGroup, f: ReportFigures, o: str) -> str:
    return f"{base}?{urlencode(report.drill(g, f, o))}"


def _chart(p: Page, report: ComplianceReport, base: str) -> Markup:
    """Compliance per group, one series per metric (and goal); over time, one line per
    metric and per value of the other dimensions."""
    over_time = report.trend_dimension
    series: dict[str, list[Point]] = {}
    for g in report.groups:
        label = g.label
        rest = ""
        if over_time is not None:
            label = next(v.label for v in g.key if v.dimension == over_time)
            rest = " / ".join(v.label for v in g.key if v.dimension != over_time)
        for f in g.figures:
            name = _figure_name(p, f) + (f" · {rest}" if rest else "")
            title = p._("%(met)s met, %(breached)s breached of %(n)s") % {
                "met": f.met,
                "breached": f.breached,
                "n": f.with_target,
            }
            link = _drill(base, report, g, f, "with_target")
            series.setdefault(name, []).append(Point(label, f.compliance, link,
                                                     f"{g.label}: {title}"))  # fmt: skip
    caption = p._("Compliance (met / decided) by %(by)s") % {"by": ", ".join(report.by) or "—"}
    return chart([Series(n, pts) for n, pts in sorted(series.items())], caption,
                 over_time=over_time is not None)  # fmt: skip


def _render_report(p: Page, asked: Form, *, portal: bool) -> Response:
    """The report for ``asked``, over the last ``REVIEW_DAYS`` days unless it gives a period."""
    actor = p.person.actor  # type: ignore[union-attr]
    first, last = _default_period(p)
    form = replace(asked, start=asked.start or first, end=asked.end or last)
    base = "/portal/report/tickets" if portal else "/reports/tickets"
    error, report = None, None
    try:
        start, end = _bounds(form)
        report = services.compliance_report(p.uow(), p.clock, actor, start, end, form.by,
                                            zone=form.zone or None)  # fmt: skip
    except InvalidRequest as e:
        error = f"{e.field}: {e.message}" if e.field else e.message
    return p.render(
        "report.html", form=form, report=report, error=error, portal=portal,
        chart=_chart(p, report, base) if report and report.groups else None,
        drill=lambda g, f, o: _drill(base, report, g, f, o) if report else "",
        figure_name=lambda f: _figure_name(p, f),
        seconds=lambda s: p.words.duration(None if s is None else timedelta(seconds=s)),
        dimensions=services.REPORT_DIMENSIONS,
        status=400 if error else 200,
    )  # fmt: skip


def _asked(
    start: str = Query("", alias="from"),
    end: str = Query("", alias="to"),
    by: str = DEFAULT_BY,
    zone: str = "",
) -> Form:
    """The report's form as the query gives it (``from``, ``to``, ``by``, ``zone``)."""
    return Form(start, end, by, zone)


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, asked: Form = Depends(_asked)) -> Response:
    return _render_report(page(request, need="agent"), asked, portal=False)


@router.get("/portal/report", response_class=HTMLResponse)
def portal_report(request: Request, asked: Form = Depends(_asked)) -> Response:
    return _render_report(page(request, need="contact"), asked, portal=True)


def _render_tickets(request: Request, p: Page, *, portal: bool) -> Response:
    actor = p.person.actor  # type: ignore[union-attr]
    q = request.query_params
    key = {k: (v or None) for k, v in q.items() if k in services.REPORT_DIMENSIONS
           and k != "metric"}  # fmt: skip
    goal = {"true": True, "false": False}.get(q.get("goal", ""))
    error, found = None, None
    try:
        found = services.report_tickets(
            p.uow(), p.clock, actor, services.parse_report_bound(q.get("from", ""), "from"),
            services.parse_report_bound(q.get("to", ""), "to"), key,
            metric=q.get("metric") or None, outcome=q.get("outcome", "with_target"), goal=goal,
            zone=q.get("zone") or None,
        )  # fmt: skip
    except InvalidRequest as e:
        error = f"{e.field}: {e.message}" if e.field else e.message
    return p.render(
        "report_tickets.html", found=found, error=error, portal=portal, key=key,
        metric=q.get("metric", ""), outcome=q.get("outcome", "with_target"),
        ticket_url=(lambda i: f"/portal/tickets/{i}") if portal else (lambda i: f"/tickets/{i}"),
        seconds=lambda s: p.words.duration(timedelta(seconds=s)),
        status=400 if error else 200,
    )  # fmt: skip


@router.get("/reports/tickets", response_class=HTMLResponse)
def report_tickets(request: Request) -> Response:
    return _render_tickets(request, page(request, need="agent"), portal=False)


@router.get("/portal/report/tickets", response_class=HTMLResponse)
def portal_report_tickets(request: Request) -> Response:
    return _render_tickets(request, page(request, need="contact"), portal=True)


@router.get("/reports/review", response_class=HTMLResponse)
def review(
    request: Request,
    organisation: int,
    start: str = Query("", alias="from"),
    end: str = Query("", alias="to"),
) -> Response:
    """One printable page for a review call with one organisation: the period's figures per
    metric, the weekly trend, and the breached tickets."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    first, last = _default_period(p)
    form = Form(start or first, end or last, "week", "")
    base = "/reports/tickets"
    key = {"organisation": str(organisation)}
    try:
        s, e = _bounds(form)
        summary = services.compliance_report(p.uow(), p.clock, actor, s, e, ["organisation"])
        weekly = services.compliance_report(p.uow(), p.clock, actor, s, e,
                                            ["organisation", "week"])  # fmt: skip
        breached = services.report_tickets(p.uow(), p.clock, actor, s, e, key, metric=None,
                                           outcome="breached", limit=20)  # fmt: skip
    except InvalidRequest as err:
        return p.render("error.html", status=400, message=str(err))
    group = next((g for g in summary.groups if g.key[0].value == str(organisation)), None)
    ours = tuple(g for g in weekly.groups if g.key[0].value == str(organisation))
    trend = ComplianceReport(
        start=weekly.start, end=weekly.end, zone=weekly.zone, by=weekly.by, now=weekly.now,
        groups=ours, totals=weekly.totals, organization_id=weekly.organization_id,
    )  # fmt: skip
    trend_chart = _chart(p, trend, base) if ours else None
    return p.render(
        "report_review.html", form=form, report=summary, group=group, breached=breached,
        chart=trend_chart, organisation=organisation,
        drill=lambda g, f, o: _drill(base, summary, g, f, o),
        figure_name=lambda f: _figure_name(p, f),
        seconds=lambda sec: p.words.duration(None if sec is None else timedelta(seconds=sec)),
    )  # fmt: skip
