"""`sladesk compliance --start … --end …`: the compliance report on the command line, as
``GET /api/v1/compliance`` answers it. A non-binding policy's targets (``binding: false``,
Infraspeak) are shown as goals, never as guarantees."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.services import Actor, MetricCompliance, compliance_summary

CLI_ACTOR = Actor.system("cli")


def _instant(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 instant: {value!r}") from None
    if at.tzinfo is None:
        raise typer.BadParameter(f"give a UTC offset (e.g. {value}Z or {value}+00:00)")
    return at


def _rows(table: Table, rows: tuple[MetricCompliance, ...], prefix: str = "") -> None:
    for m in rows:
        share = "—" if m.compliance is None else f"{m.compliance:.1%}"
        table.add_row(prefix + m.metric, str(m.with_target), str(m.met), str(m.breached),
                      str(m.running), str(m.paused), share)  # fmt: skip


def compliance(
    start: str = typer.Option(..., "--start", metavar="INSTANT", help="Inclusive, with offset."),
    end: str = typer.Option(..., "--end", metavar="INSTANT", help="Exclusive, with offset."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Of the tickets created in [start, end): targets met, breached, running, per metric and
    per priority. Non-binding policies' targets are labelled goals."""
    since, until = _instant(start), _instant(end)
    with existing_database(database_url) as container:
        summary = compliance_summary(container.uow(), container.clock, CLI_ACTOR, since, until)
    goals = not summary.binding
    title = "Goals (non-binding: measured, not guaranteed)" if goals else "SLA targets (binding)"
    table = Table(title=title, header_style="bold")
    thing = "with goal" if goals else "with target"
    for name in ("metric", thing, "met", "missed" if goals else "breached", "running", "paused",
                 "goals met" if goals else "compliance"):  # fmt: skip
        table.add_column(name, justify="left" if name == "metric" else "right")
    _rows(table, summary.metrics)
    for priority, rows in summary.by_priority.items():
        _rows(table, rows, prefix=f"{priority} / ")
    console = Console(width=120)
    console.print(f"{summary.tickets} tickets, {summary.without_sla} without an SLA")
    console.print(table)
