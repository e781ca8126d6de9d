"""`sladesk oncall now|show|members|override|pages`: the on-call roster of the published
policy (docs/cli.md). Runs as the system actor on the local database, like `sladesk
retention`; the same roster is in the API (`/api/v1/oncall`) and the console (`/oncall`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from sladesk.bootstrap import Container
from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.services import (
    Actor,
    InvalidRequest,
    NotFound,
    add_on_call_override,
    get_on_call_roster,
    list_pages,
    set_on_call_members,
    who_is_on_call,
)

app = typer.Typer(
    help="On call: who is on call, the roster, overrides and pages.", no_args_is_help=True
)

CLI_ACTOR = Actor.system("cli")


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO instant such as 2026-03-29T02:30:00+01:00", param_hint=option
        ) from None
    if at.tzinfo is None:
        raise typer.BadParameter("give a UTC offset (e.g. +01:00 or Z)", param_hint=option)
    return at


def _fail(exc: Exception) -> typer.Exit:
    Console(stderr=True).print(f"sladesk oncall: {exc}", soft_wrap=True, highlight=False)
    return typer.Exit(2)


def on_call_line(container: Container) -> str | None:
    """One line for `sladesk demo`: who is on call now; None without an on-call rotation."""
    try:
        who = who_is_on_call(container.uow(), container.clock, CLI_ACTOR)
        pages = list_pages(container.uow(), container.clock, CLI_ACTOR)
    except InvalidRequest:
        return None
    waiting = sum(p.status == "waiting" for p in pages)
    return (
        f"sladesk demo: on call now: {who.name or 'nobody'} ({who.shift}, {who.source}); "
        f"{len(pages)} pages, {waiting} waiting for an acknowledgement "
        "(`sladesk oncall show`, console /oncall)"
    )


@app.command("now")
def now_cmd(
    at: str | None = typer.Option(None, "--at", help="An ISO instant with offset; default now."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Who is on call now (or at --at)."""
    when = _instant(at, "--at")
    with existing_database(database_url) as container:
        try:
            who = who_is_on_call(container.uow(), container.clock, CLI_ACTOR, at=when)
        except InvalidRequest as exc:
            raise _fail(exc) from None
    name = f"{who.name} <{who.email}> (agent {who.agent_id})" if who.agent_id else "nobody"
    print(f"{who.at.isoformat()}: {name}, shift {who.shift} ({who.source})")


@app.command("show")
def show_cmd(
    days: int = typer.Option(14, min=1, max=92, help="How many days ahead."),
    start: str | None = typer.Option(None, "--start", help="An ISO instant; default now."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """The rotation, its members and overrides, and who is on call over the next days (in
    the rotation's time zone)."""
    when = _instant(start, "--start")
    with existing_database(database_url) as container:
        try:
            r = get_on_call_roster(
                container.uow(), container.clock, CLI_ACTOR, start=when, days=days
            )
        except InvalidRequest as exc:
            raise _fail(exc) from None
    tz = ZoneInfo(r.timezone)
    console = Console(width=120)
    console.print(
        f"policy {r.policy}: {r.rotation} rotation, handoff {r.handoff} {r.timezone}, "
        f"re-paged after {r.repage_after_minutes:g} min; phone: {r.phone or '-'}",
        soft_wrap=True,
        highlight=False,
    )
    for shift, calendar in r.shifts:
        people = [m.name for m in r.members if m.shift == shift]
        on = f" (on duty while {calendar} is open)" if calendar else ""
        console.print(f"shift {shift}{on}: {', '.join(people) or 'no members'}", highlight=False)
    if r.overrides:
        table = Table(title="overrides", header_style="bold")
        for col in ("id", "agent", "shift", "from", "until", "reason"):
            table.add_column(col)
        for o in r.overrides:
            table.add_row(
                str(o.id),
                o.name,
                o.shift or "any",
                f"{o.starts_at.astimezone(tz):%Y-%m-%d %H:%M %Z}",
                f"{o.ends_at.astimezone(tz):%Y-%m-%d %H:%M %Z}",
                o.reason,
            )
        console.print(table)
    table = Table(title=f"who is on call ({r.timezone})", header_style="bold")
    for col in ("from", "until", "who", "shift", "by"):
        table.add_column(col, no_wrap=True)
    for e in r.entries:
        table.add_row(
            f"{e.start.astimezone(tz):%a %Y-%m-%d %H:%M %Z}",
            f"{e.end.astimezone(tz):%a %Y-%m-%d %H:%M %Z}",
            e.name or "nobody",
            e.shift,
            e.source,
        )
    console.print(table)


@app.command("members")
def members_cmd(
    shift: str = typer.Argument(..., help="The shift (primary for a weekly rotation)."),
    agent_ids: list[int] = typer.Argument(None, help="Agent ids in turn order (none: clear)."),  # noqa: B008
    database_url: str | None = DATABASE_URL,
) -> None:
    """Set the people of a shift, in turn order."""
    with existing_database(database_url) as container:
        try:
            rows = set_on_call_members(
                container.uow(), container.clock, CLI_ACTOR, shift, list(agent_ids or [])
            )
        except InvalidRequest as exc:
            raise _fail(exc) from None
    print(f"shift {shift}: " + (", ".join(f"{m.name} ({m.agent_id})" for m in rows) or "empty"))


@app.command("override")
def override_cmd(
    agent_id: int = typer.Argument(..., help="The agent on call instead."),
    starts_at: str = typer.Argument(..., help="An ISO instant with offset."),
    ends_at: str = typer.Argument(..., help="An ISO instant with offset."),
    shift: str | None = typer.Option(None, help="Only for this shift."),
    reason: str = typer.Option("", help="Why (shown in the roster)."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Put an agent on call over an interval (wins over the rotation)."""
    start, end = _instant(starts_at, "STARTS_AT"), _instant(ends_at, "ENDS_AT")
    assert start is not None and end is not None
    with existing_database(database_url) as container:
        try:
            o = add_on_call_override(
                container.uow(),
                container.clock,
                CLI_ACTOR,
                agent_id=agent_id,
                starts_at=start,
                ends_at=end,
                shift=shift,
                reason=reason,
            )
        except (InvalidRequest, NotFound) as exc:
            raise _fail(exc) from None
    print(f"override {o.id}: {o.name} on call {o.starts_at.isoformat()} .. {o.ends_at.isoformat()}")


@app.command("pages")
def pages_cmd(database_url: str | None = DATABASE_URL) -> None:
    """The latest pages: who was paged about which ticket, and whether they acknowledged."""
    with existing_database(database_url) as container:
        pages = list_pages(container.uow(), container.clock, CLI_ACTOR)
    table = Table(header_style="bold")
    for col in ("page", "ticket", "try", "who", "paged", "status", "acknowledged"):
        table.add_column(col, no_wrap=True)
    for p in pages:
        table.add_row(
            str(p.id),
            f"#{p.ticket_number}",
            str(p.attempt),
            p.agent_name or "leads",
            f"{p.paged_at:%Y-%m-%d %H:%M} UTC",
            p.status,
            f"{p.acknowledged_at:%H:%M} by {p.acknowledged_by}" if p.acknowledged_at else "",
        )
    Console(width=120).print(table)
