"""`sladesk policy check FILE`: validate a policy file and summarise it.

A valid file is summarised with Rich (calendars, priorities, types, plans and every rule's
targets per priority) so a reviewer sees what the file means. An invalid one prints each
problem as ``file:line:col: path: message`` on its own line, plain and unwrapped, so editors
and CI can jump to it; the exit code is 1. Nothing here validates: the rules live in
:mod:`sladesk.policy`.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sladesk.calendar import Calendar, describe_hours
from sladesk.errors import PolicyError
from sladesk.policy import (
    Conditions,
    Fulfilment,
    Policy,
    StartEvent,
    Target,
    Text,
    load_policy_file,
)


def check(file: Path = typer.Argument(..., metavar="FILE", help="Policy file (YAML).")) -> None:
    """Validate FILE: exit 0 with a summary, or list every problem and exit 1."""
    try:
        policy = load_policy_file(file)
    except PolicyError as exc:
        for error in exc.errors:
            typer.echo(str(error))
        count = len(exc.errors)
        typer.echo(f"{file}: {count} problem{'s' if count != 1 else ''}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    render_summary(Console(highlight=False, soft_wrap=True), policy, file)


def render_summary(console: Console, policy: Policy, file: Path) -> None:
    binding = "binding" if policy.binding else "non-binding goals"
    console.print(
        f"[green]OK[/green] {escape(str(file))}: policy [bold]{escape(policy.name)}[/bold] "
        f"version {escape(policy.version)} ({binding})"
    )
    console.print(
        f"locales: {', '.join(policy.locales)}; channels: {', '.join(sorted(policy.channels))}; "
        f"default priority: {escape(policy.default_priority)}"
    )
    for label, url in (
        ("community", policy.community_url),
        ("help centre", policy.help_center_url),
    ):
        if url:
            console.print(f"{label}: {escape(url)}")
    console.print(_calendars(policy))
    console.print(_priorities(policy))
    console.print(_types(policy))
    if policy.plans or policy.addons:
        console.print(_plans(policy))
    console.print(_rules(policy))
    details = [
        f"  {escape(rule.name)} / {target.metric.value}: {escape(notes)}"
        for rule in policy.rules
        for target in rule.targets
        if (notes := _notes(target))
    ]
    if details:
        console.print("Target details:")
        for line in details:
            console.print(line)


def _text(text: Text, locales: tuple[str, ...]) -> str:
    return escape(text.get(locales[0], "")) if locales else ""


def _calendars(policy: Policy) -> Table:
    table = Table(title="Calendars", title_justify="left")
    for column in ("calendar", "zone", "hours", "holidays"):
        table.add_column(column)
    for name, calendar in policy.calendars.items():
        zone, hours, hols = _describe_calendar(calendar)
        table.add_row(escape(name), zone, hours, hols)
    return table


def _describe_calendar(calendar: Calendar) -> tuple[str, str, str]:
    spec = calendar.spec
    extra = []
    if spec.closed:
        extra.append(f"{len(spec.closed)} closed date(s)")
    if spec.special:
        extra.append(f"{len(spec.special)} special day(s)")
    if spec.closures:
        extra.append(f"{len(spec.closures)} closure(s)")
    holidays = str(spec.holidays) if spec.holidays is not None else "none"
    return spec.timezone.key, describe_hours(spec), ", ".join([holidays, *extra])


def _priorities(policy: Policy) -> Table:
    table = Table(title="Priorities (most urgent first)", title_justify="left")
    table.add_column("priority")
    table.add_column("label")
    table.add_column("definition")
    for p in policy.priorities:
        default = " (default)" if p.key == policy.default_priority else ""
        table.add_row(
            escape(p.key) + default,
            _text(p.label, policy.locales),
            _text(p.definition, policy.locales),
        )
    return table


def _types(policy: Policy) -> Table:
    table = Table(title="Ticket types", title_justify="left")
    for column in ("type", "label", "SLA"):
        table.add_column(column)
    for t in policy.types.values():
        table.add_row(escape(t.key), _text(t.label, policy.locales), "yes" if t.under_sla else "no")
    return table


def _plans(policy: Policy) -> Table:
    table = Table(title="Plans and add-ons", title_justify="left")
    for column in ("plan / add-on", "label", "entitlements"):
        table.add_column(column)
    for plan in policy.plans.values():
        facts = ["support" if plan.support else "community only"]
        if plan.ticket_quota is not None:
            facts.append(f"{plan.ticket_quota} tickets/month")
        if plan.channels is not None:
            facts.append("channels: " + ", ".join(sorted(plan.channels)))
        if plan.community_types:
            facts.append("community: " + ", ".join(sorted(plan.community_types)))
        table.add_row(escape(plan.key), _text(plan.label, policy.locales), escape("; ".join(facts)))
    for addon in policy.addons.values():
        facts = [f"add-on for {', '.join(sorted(addon.plans))}" if addon.plans else "add-on"]
        facts.extend(f"{k}: {v}" for k, v in addon.details.items())
        table.add_row(
            escape(addon.key), _text(addon.label, policy.locales), escape("; ".join(facts))
        )
    return table


def _rules(policy: Policy) -> Table:
    table = Table(title="Rules (first match wins): targets per priority", title_justify="left")
    table.add_column("rule / when", overflow="fold")
    table.add_column("metric", no_wrap=True)
    table.add_column("calendar", no_wrap=True)
    for p in policy.priorities:
        table.add_column(escape(p.key), justify="right", no_wrap=True)
    for rule in policy.rules:
        heading = f"[bold]{escape(rule.name)}[/bold]\n[dim]{_when(rule.when)}[/dim]"
        if not rule.targets:
            table.add_row(heading, "no SLA", *[""] * (len(policy.priorities) + 1))
        for i, target in enumerate(rule.targets):
            table.add_row(
                heading if i == 0 else "",
                target.metric.value,
                escape(target.calendar),
                *_durations(policy, target),
            )
        table.add_section()
    return table


def _when(when: Conditions) -> str:
    parts = []
    for label, values in (
        ("type", when.types),
        ("priority", when.priorities),
        ("plan", when.plans),
        ("addon", when.addons),
        ("channel", when.channels),
        ("organization", when.organizations),
        ("tag", when.tags),
    ):
        if values is not None:
            parts.append(f"{label}: {', '.join(sorted(values))}")
    parts.extend(f"{k}: {', '.join(sorted(v))}" for k, v in when.attributes.items())
    return escape("; ".join(parts)) if parts else "every ticket"


def _durations(policy: Policy, target: Target) -> list[str]:
    return [
        escape(target.durations[p.key].text) if p.key in target.durations else "-"
        for p in policy.priorities
    ]


def _notes(target: Target) -> str:
    notes = []
    if target.start is not StartEvent.CREATED:
        notes.append(f"starts when {target.start.value}")
    if target.fulfilled_by is Fulfilment.ASSIGNMENT:
        notes.append("met by assignment")
    if target.pause_on:
        pauses = [p.status.value + (f":{p.reason}" if p.reason else "") for p in target.pause_on]
        notes.append("pauses on " + ", ".join(pauses))
    if target.warn:
        notes.append("warns at " + ", ".join(t.text for t in target.warn))
    for label, actions in (("on warning", target.on_warning), ("on breach", target.on_breach)):
        if actions:
            notes.append(f"{label}: " + ", ".join(f"{a.kind} {a.to}" for a in actions))
    return "; ".join(notes)
