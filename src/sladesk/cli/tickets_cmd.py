"""`sladesk tickets list|show`: the agent queue and one ticket (its facts, SLA targets with
each one's explain timeline, the conversation and the history), as Rich tables.

Runs as the system actor on the local database (an operator's view: every organisation).
Without a database, or with a filter no ticket can match, it says so in one line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import typer
from rich.console import Console
from rich.table import Table

from sladesk.bootstrap import Container
from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.services import (
    Actor,
    MessageView,
    TicketFilters,
    TicketSummary,
    get_ticket,
    list_organizations,
    list_tickets,
)
from sladesk.sla import Evaluation, Segment, format_duration, rollup
from sladesk.tickets import MAX_ID

app = typer.Typer(help="Tickets: the queue and one ticket.", no_args_is_help=True)

CLI_ACTOR = Actor.system("cli")
_STYLE = {"breached": "bold red", "warned": "yellow", "running": "green", "paused": "cyan"}


def format_delta(d: timedelta | None) -> str:
    """``1d 2h``, ``3h 05m``, ``-45m`` (business time left; negative once breached)."""
    if d is None:
        return ""
    sign = "-" if d < timedelta(0) else ""
    minutes = int(abs(d).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {mins:02d}m"
    return f"{sign}{mins}m"


def _when(t: datetime | None) -> str:
    return "" if t is None else t.strftime("%Y-%m-%d %H:%M UTC")


def queue_rows(
    container: Container, filters: TicketFilters, *, by_time_left: bool, limit: int
) -> list[tuple[TicketSummary, str]]:
    """The queue with each row's SLA label (``warned`` needs the ticket's evaluation)."""
    rows = list_tickets(
        container.uow(),
        container.clock,
        CLI_ACTOR,
        filters,
        order_by_time_left=by_time_left,
        limit=limit,
    )
    out = []
    for row in rows:
        label = row.sla_state or "none"
        if row.sla_state == "running":
            view = get_ticket(container.uow(), container.clock, CLI_ACTOR, row.id)
            label = rollup(view.sla).label
        out.append((row, label))
    return out


@app.command("list")
def list_cmd(
    status: list[str] = typer.Option(
        [],
        "--status",
        metavar="STATUS",
        help="Only these statuses (repeatable): new|open|pending_customer|on_hold|solved|closed.",
    ),
    sla: list[str] = typer.Option(
        [],
        "--sla",
        metavar="STATE",
        help="Only these SLA states (repeatable): running|paused|met|breached|none.",
    ),
    open_only: bool = typer.Option(True, "--open/--all", help="Only open tickets (default)."),
    by_time_left: bool = typer.Option(
        True, "--by-time-left/--newest", help="Order: least time left first (default)."
    ),
    limit: int = typer.Option(50, min=1, max=500, metavar="N", help="At most N tickets."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """The queue: number, subject, organisation, priority, status, SLA state, due, time left."""
    with existing_database(database_url) as container:
        filters = TicketFilters(status=tuple(status), sla_state=tuple(sla), open_only=open_only)
        rows = queue_rows(container, filters, by_time_left=by_time_left, limit=limit)
        orgs = {
            o.id: o.name for o in list_organizations(container.uow(), container.clock, CLI_ACTOR)
        }
    table = Table(title=f"{len(rows)} tickets", header_style="bold")
    for name in ("ID", "#", "Subject", "Organisation", "Priority", "Status", "SLA"):
        table.add_column(name, no_wrap=name != "Subject")
    table.add_column("Due", no_wrap=True)
    table.add_column("Time left", justify="right", no_wrap=True)
    for row, label in rows:
        style = _STYLE.get(label, "")
        table.add_row(
            str(row.id),
            str(row.number),
            row.subject,
            orgs.get(row.organization_id or -1, ""),
            row.priority,
            row.status + (f" ({row.status_reason})" if row.status_reason else ""),
            f"[{style}]{label}[/]" if style else label,
            _when(row.sla_due_at),
            format_delta(row.time_left),
        )
    Console(width=160).print(table)


@app.command("show")
def show_cmd(
    ticket_id: int = typer.Argument(
        ..., metavar="ID", min=1, max=MAX_ID, help="The ticket's ID (first column of `list`)."
    ),
    database_url: str | None = DATABASE_URL,
) -> None:
    """One ticket: its facts, every SLA target with its explain timeline, the conversation
    and the history."""
    console = Console(width=160)
    with existing_database(database_url) as container:
        view = get_ticket(container.uow(), container.clock, CLI_ACTOR, ticket_id)
    console.print(f"[bold]#{view.number}[/] {view.subject}")
    console.print(
        f"{view.type} · {view.priority} · {view.status}"
        + (f" ({view.status_reason})" if view.status_reason else "")
        + f" · {view.channel} · created {_when(view.created_at)}"
        + (f" · team {view.team}" if view.team else "")
    )
    if view.sla is None or not view.sla.targets:
        console.print(f"SLA: none {view.sla.reason if view.sla else ''}")
    else:
        console.print(_sla_table(view.sla))
        for t in view.sla.targets:
            console.print(_timeline(t.metric, t.timeline))
    console.print(_conversation(view.messages))
    history = Table(title="History")
    for name in ("At", "Event", "By", "Details"):
        history.add_column(name)
    for e in view.history:
        history.add_row(_when(e.at), e.kind, e.actor, _details(e.data))
    console.print(history)


def _timeline(metric: str, segments: Sequence[Segment]) -> Table:
    """``explain`` for one target: when its clock ran, paused or stopped, and why."""
    table = Table(title=f"Timeline — {metric}")
    for name in ("From", "To", "Clock", "Why", "Due then"):
        table.add_column(name)
    for s in segments:
        table.add_row(
            _when(s.start), _when(s.end) or "now", s.kind, s.why, _when(s.due_at)
        )  # fmt: skip
    if not segments:
        table.add_row("", "", "not started", "", "")
    return table


def _conversation(messages: Sequence[MessageView]) -> Table:
    """Every message, oldest first: public replies, internal notes and call records."""
    table = Table(title="Conversation")
    for name in ("At", "From", "Kind", "Message"):
        table.add_column(name, overflow="fold")
    for m in messages:
        kind = m.kind if m.public else f"{m.kind} (internal)"
        text = f"{m.call_summary}\n{m.body}".strip() if m.call_summary else m.body
        by = f"{m.author_name} ({m.author_kind})"
        if m.on_behalf_of_name is not None:  # e.g. an agent filing from a call
            by += f" for {m.on_behalf_of_name} (contact)"
        table.add_row(_when(m.created_at), by, kind, text)
    return table


def _sla_table(sla: Evaluation) -> Table:
    """The ticket's SLA as the API answers it (the same evaluation, field for field):
    business time exact, as ``sladesk policy explain`` writes it (``12h``, ``-30m``)."""
    table = Table(title=f"SLA — {sla.policy} {sla.version}, rule {sla.rule}")
    for name in ("Metric", "Priority", "Target", "State", "Due", "Due if resumed", "Used"):
        table.add_column(name)
    table.add_column("Left")
    table.add_column("Warnings")
    for t in sla.targets:
        warned = ", ".join(
            f"{w.threshold}{' ✓' if w.passed else ''} {_when(w.at)}" for w in t.warnings
        )
        target = t.target_text
        if t.target is not None and format_duration(t.target) != target:
            target += f" ({format_duration(t.target)})"  # business days as business time
        table.add_row(
            t.metric,
            t.priority or "",
            target,
            t.state.value,
            _when(t.due_at),
            _when(t.due_if_resumed_at),
            format_duration(t.used),
            "" if t.left is None else format_duration(t.left),
            warned,
        )
    return table


def _details(data: object) -> str:
    if isinstance(data, Mapping):
        return ", ".join(f"{k}={v}" for k, v in data.items() if v not in (None, "", [], {}))
    return str(data)
