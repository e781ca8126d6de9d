"""`sladesk report compliance --from … --to … --by organisation,priority`: the compliance
report (docs/reports.md) as a Rich table, CSV, JSON, or a PNG chart drawn with matplotlib's
Agg backend (no display needed). The same service as ``GET /api/v1/reports/compliance``."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from sladesk.cli.db_cmd import DATABASE_URL, existing_database, fail
from sladesk.services import (
    Actor,
    ComplianceReport,
    InvalidRequest,
    compliance_report,
    parse_report_bound,
)

app = typer.Typer(help="Reports: SLA compliance over any period.", no_args_is_help=True)

CLI_ACTOR = Actor.system("cli")
FORMATS = ("table", "csv", "json", "png")


def duration(seconds: float | None) -> str:
    """Business time as a person reads it: ``45m``, ``3h 20m``, ``2d 4h`` (24h days)."""
    if seconds is None:
        return "—"
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def _table(report: ComplianceReport) -> Table:
    goals = report.goals
    title = (
        f"SLA compliance {report.start:%Y-%m-%d %H:%M} – {report.end:%Y-%m-%d %H:%M} UTC "
        f"(buckets in {report.zone})"
    )
    if goals:
        title += "; goals are non-binding: measured, not guaranteed"
    table = Table(title=title, header_style="bold")
    for d in report.by:
        table.add_column(d)
    for name in ("metric", "with target", "met", "breached", "running", "paused",
                 "compliance", "median", "p90"):  # fmt: skip
        table.add_column(name, justify="left" if name == "metric" else "right")
    for g in report.groups:
        for f in g.figures:
            share = "—" if f.compliance is None else f"{f.compliance:.1%}"
            metric = f"{f.metric} (goal)" if f.goal else f.metric
            table.add_row(*(v.label for v in g.key), metric, str(f.with_target), str(f.met),
                          str(f.breached), str(f.running), str(f.paused), share,
                          duration(f.median_seconds), duration(f.p90_seconds))  # fmt: skip
    return table


def _csv(report: ComplianceReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head, rows = report.rows()
    writer.writerow(head)
    writer.writerows(rows)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _json(report: ComplianceReport) -> str:
    data = dataclasses.asdict(report)
    data["goals"] = report.goals
    return json.dumps(data, default=_plain, indent=2, ensure_ascii=False) + "\n"


def _png(report: ComplianceReport, path: Path) -> None:
    """Compliance per group, one series per metric (a line over time when grouped by a
    time bucket, bars otherwise)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [g.label for g in report.groups]
    metrics = sorted({(f.metric, f.goal) for g in report.groups for f in g.figures})
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(labels) + 3), 4.5), dpi=110)
    width = 0.8 / max(1, len(metrics))
    for i, (metric, goal) in enumerate(metrics):
        values = []
        for g in report.groups:
            f = next((x for x in g.figures if (x.metric, x.goal) == (metric, goal)), None)
            share = f.compliance if f is not None else None
            values.append(float("nan") if share is None else 100 * share)
        name = f"{metric} (goal)" if goal else metric
        xs = list(range(len(labels)))
        if report.trend_dimension is not None:
            ax.plot(xs, values, marker="o", label=name)
        else:
            ax.bar([x + i * width - 0.4 + width / 2 for x in xs], values, width, label=name)
    ax.set_xticks(list(range(len(labels))), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("compliance (met / decided), %")
    ax.set_title(f"SLA compliance by {', '.join(report.by) or 'metric'} ({report.zone})")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


@app.command("compliance")
def compliance(
    start: str = typer.Option(..., "--from", metavar="DATE|INSTANT",
                              help="A local date (YYYY-MM-DD) or an instant with offset."),
    end: str = typer.Option(..., "--to", metavar="DATE|INSTANT",
                            help="A date (inclusive) or an instant (exclusive)."),
    by: str = typer.Option("", "--by", metavar="DIMS",
                           help="Comma-separated: day|week|month, organisation, plan, "
                                "priority, type, metric, team, agent, channel."),
    zone: str | None = typer.Option(None, "--zone", metavar="IANA",
                                    help="Zone of day/week/month (default: the support "
                                         "calendar's)."),
    output_format: str = typer.Option("table", "--format", metavar="|".join(FORMATS)),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                       help="Write to FILE (png: default compliance.png)."),
    database_url: str | None = DATABASE_URL,
) -> None:  # fmt: skip
    """Of the tickets created in the period: per group and metric, targets met, breached,
    running and paused, the compliance, and the business time used (median, p90)."""
    if output_format not in FORMATS:
        fail(f"--format: one of {', '.join(FORMATS)}, not {output_format!r}")
    try:
        since, until = parse_report_bound(start, "--from"), parse_report_bound(end, "--to")
    except InvalidRequest as e:
        fail(str(e))
    with existing_database(database_url) as container:
        report = compliance_report(container.uow(), container.clock, CLI_ACTOR, since, until,
                                   by, zone=zone)  # fmt: skip
    if output_format == "png":
        path = output or Path("compliance.png")
        _png(report, path)
        typer.echo(f"wrote {path}")
        return
    if output_format == "table":
        console = Console(
            width=160, record=output is not None, file=io.StringIO() if output else None
        )
        console.print(_table(report))
        if not report.groups:
            console.print("no tickets with a target in the period")
        if output is not None:
            output.write_text(console.export_text(), encoding="utf-8")
        return
    text = _csv(report) if output_format == "csv" else _json(report)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
