"""`sladesk retention preview|purge|holds|hold|release`: the policy's retention, run by hand.

Runs as the system actor on the local database (like `sladesk agents create`). The same purge
runs in `sladesk worker` / `serve` when the retention job is on (docs/deployment.md).
"""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from sladesk.bootstrap import Container
from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.cli.people_cmd import storable
from sladesk.services import (
    Actor,
    RetentionItem,
    clear_legal_hold,
    list_legal_holds,
    preview_retention,
    purge_expired,
    set_legal_hold,
)

app = typer.Typer(
    help="Retention: purge closed tickets' conversations the policy no longer keeps.",
    no_args_is_help=True,
)

CLI_ACTOR = Actor.system("cli")


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _items(title: str, items: tuple[RetentionItem, ...]) -> Table:
    table = Table(title=title, header_style="bold")
    for name in ("#", "Closed", "Expired"):
        table.add_column(name, no_wrap=True)
    for i in items:
        table.add_row(str(i.number), _when(i.closed_at), _when(i.expires_at))
    return table


def retention_line(container: Container) -> str | None:
    """One line for `sladesk demo`: what the policy keeps and what a purge would take now;
    None when the policy keeps everything."""
    preview = preview_retention(container.uow(), container.clock, CLI_ACTOR)
    if not preview.declared:
        return None
    nxt = f"; the first expires {_when(preview.next_expiry)}" if preview.next_expiry else ""
    return (
        f"sladesk demo: retention ({preview.policy}): closed conversations are purged "
        f"{preview.months or 'per plan'} months after closing; {len(preview.due)} "
        f"due now{nxt} (`sladesk retention preview`)"
    )


@app.command("preview")
def preview_cmd(database_url: str | None = DATABASE_URL) -> None:
    """What the next `sladesk retention purge` would purge, and what legal holds keep."""
    with existing_database(database_url) as container:
        preview = preview_retention(container.uow(), container.clock, CLI_ACTOR)
    console = Console(width=120)
    if preview.policy is None:
        console.print("no policy is published: nothing expires")
        return
    console.print(
        f"policy {preview.policy} at {_when(preview.now)}: {len(preview.due)} tickets to "
        f"purge, {len(preview.held)} expired but under a legal hold"
    )
    if preview.next_expiry is not None:
        console.print(f"the next closed ticket to expire does at {_when(preview.next_expiry)}")
    if preview.due:
        console.print(_items("would be purged", preview.due))
    if preview.held:
        console.print(_items("kept by a legal hold", preview.held))


@app.command("purge")
def purge_cmd(
    batch: int = typer.Option(100, min=1, max=10_000, metavar="N", help="Tickets per transaction."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Purge every expired ticket's messages, attachments and personal data (an audit record
    of counts is kept), one batch per transaction."""
    total = 0
    held = 0
    with existing_database(database_url) as container:
        while True:
            run = purge_expired(container.uow(), container.clock, CLI_ACTOR, limit=batch)
            total += len(run.purged)
            held = run.held
            for r in run.purged:
                kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items()) if v)
                Console().print(f"#{r.ticket_number} purged: {kinds}")
            if run.remaining == 0 or not run.purged:
                break
    Console().print(f"{total} tickets purged; {held} expired tickets kept by a legal hold")


@app.command("holds")
def holds_cmd(database_url: str | None = DATABASE_URL) -> None:
    """The legal holds in place."""
    with existing_database(database_url) as container:
        holds = list_legal_holds(container.uow(), container.clock, CLI_ACTOR)
    table = Table(title=f"{len(holds)} legal holds", header_style="bold")
    for name in ("On", "Reason", "Set by", "Since"):
        table.add_column(name)
    for h in holds:
        on = (
            f"ticket #{h.ticket_number}"
            if h.ticket_id is not None
            else f"organisation {h.organization_slug}"
        )
        table.add_row(on, h.reason, h.set_by, _when(h.set_at))
    Console(width=120).print(table)


_TICKET = typer.Option(None, "--ticket", metavar="NUMBER", min=1, help="A ticket's number.")
_ORG = typer.Option(
    None, "--organization", metavar="SLUG", help="An organisation (all its tickets).",
    callback=storable,
)  # fmt: skip


@app.command("hold")
def hold_cmd(
    reason: str = typer.Option(..., "--reason", metavar="TEXT", callback=storable),
    ticket: int | None = _TICKET,
    organization: str | None = _ORG,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Put a ticket or an organisation under a legal hold: the purge leaves it alone."""
    with existing_database(database_url) as container:
        hold = set_legal_hold(container.uow(), container.clock, CLI_ACTOR, reason=reason,
                              ticket_number=ticket, organization=organization)  # fmt: skip
    on = (
        f"ticket #{hold.ticket_number}"
        if hold.ticket_id is not None
        else f"organisation {hold.organization_slug}"
    )
    Console().print(f"legal hold {hold.id} on {on}: {hold.reason}")


@app.command("release")
def release_cmd(
    ticket: int | None = _TICKET,
    organization: str | None = _ORG,
    database_url: str | None = DATABASE_URL,
) -> None:
    """Clear the legal holds on a ticket or an organisation."""
    with existing_database(database_url) as container:
        n = clear_legal_hold(container.uow(), container.clock, CLI_ACTOR,
                             ticket_number=ticket, organization=organization)  # fmt: skip
    Console().print(f"{n} legal hold(s) cleared")
