"""The compliance report (``/reports/compliance``) and its drill-down: every figure with the
link to the tickets behind it, every breached ticket with the link to its explain timeline."""

from __future__ import annotations

from datetime import datetime

from sladesk.api.schemas._base import OutputModel


class GroupValuePublic(OutputModel):
    dimension: str
    #: what the drill-down takes back (an id, a first day, a key); null: none
    value: str | None
    label: str


class ReportFiguresPublic(OutputModel):
    metric: str
    #: true: a ``binding: false`` policy's target, reported as a goal
    goal: bool
    with_target: int
    met: int
    breached: int
    running: int
    paused: int
    pending: int
    #: met / (met + breached); null when nothing is decided
    compliance: float | None
    #: fulfilled targets: the business seconds they used are in ``median_seconds``/``p90``
    fulfilled: int
    median_seconds: float | None
    p90_seconds: float | None
    #: outcome (``with_target``, ``met``, ``breached``, ...) -> the drill-down URL
    tickets: dict[str, str]


class ReportGroupPublic(OutputModel):
    key: tuple[GroupValuePublic, ...]
    label: str
    figures: tuple[ReportFiguresPublic, ...]


class ComplianceReportPublic(OutputModel):
    """Tickets created in ``[start, end)`` within the caller's scope, grouped by ``by``."""

    start: datetime
    end: datetime
    zone: str
    by: tuple[str, ...]
    now: datetime
    #: true when some figures are goals (``binding: false``)
    goals: bool
    groups: tuple[ReportGroupPublic, ...]
    #: summed over the groups (percentiles only when ``by`` is empty)
    totals: tuple[ReportFiguresPublic, ...]


class ReportTicketPublic(OutputModel):
    id: int
    number: int
    subject: str
    organization_id: int | None
    metric: str
    priority: str
    state: str
    due_at: datetime | None
    fulfilled_at: datetime | None
    used_seconds: float
    url: str
    #: the ticket's SLA timeline (its ``sla`` has each target's explain); breached only
    explain: str | None


class ReportTicketsPublic(OutputModel):
    total: int
    limit: int
    tickets: tuple[ReportTicketPublic, ...]
