"""`sladesk policy explain` and `sladesk policy test`: run scenarios against a policy.

Both read a policy file and scenario files, call the pure :func:`sladesk.sla.evaluate` and
render its answer: ``explain`` as a Rich table and a timeline per target (or JSON), ``test``
as PASS/FAIL lines with each mismatch. A bad file is one located line and exit 1.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.errors import PolicyError, SladeskError
from sladesk.policy import Policy, load_policy_file
from sladesk.services import Actor, replay_ticket
from sladesk.sla import (
    Evaluation,
    TargetResult,
    check_expectations,
    evaluate,
    evaluation_to_json,
    format_duration,
    format_instant,
    load_scenario_file,
)

CLI_ACTOR = Actor.system("cli")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _load_policy(file: Path) -> Policy:
    try:
        return load_policy_file(file)
    except PolicyError as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    except SladeskError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{file}: cannot read policy: {exc.strerror}") from None


def explain(
    file: Path | None = typer.Argument(None, metavar="FILE", help="Policy file (YAML)."),
    scenario: Path | None = typer.Argument(None, metavar="SCENARIO", help="Scenario file (YAML)."),
    ticket: int | None = typer.Option(
        None,
        "--ticket",
        metavar="ID",
        min=1,
        help="Explain a stored ticket instead of a scenario (its recorded history, now).",
    ),  # fmt: skip
    policy_file: Path | None = typer.Option(
        None,
        "--policy",
        metavar="FILE",
        help="With --ticket: under this policy (a draft) instead of the version in force.",
    ),  # fmt: skip
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Show every target of SCENARIO's ticket under FILE (or, with --ticket, of a stored
    ticket under the policy in force or --policy): when it ran, paused, and its deadline."""
    if ticket is not None:
        _explain_ticket(ticket, policy_file or file, json_out, database_url)
        return
    if file is None or scenario is None:
        raise _fail("give a policy FILE and a SCENARIO, or --ticket ID [--policy FILE]")
    policy = _load_policy(file)
    try:
        sc = load_scenario_file(scenario)
        evaluation = evaluate(policy, sc.ticket, sc.events, sc.now, explain=True)
    except SladeskError as exc:
        raise _fail(str(exc)) from None
    if json_out:
        typer.echo(json.dumps(evaluation_to_json(evaluation), indent=2, ensure_ascii=False))
        return
    _render(Console(highlight=False), policy, evaluation, sc.now)


def _explain_ticket(
    ticket_id: int, policy_path: Path | None, json_out: bool, database_url: str | None
) -> None:
    text = None
    if policy_path is not None:
        _load_policy(policy_path)  # every problem located, before the database is opened
        text = policy_path.read_text(encoding="utf-8")
    with existing_database(database_url) as container:
        replayed = replay_ticket(container.uow(), container.clock, CLI_ACTOR, ticket_id, text,
                                 source=str(policy_path))  # fmt: skip
    evaluation, policy = replayed.evaluation, replayed.policy
    if json_out:
        body = None if evaluation is None else evaluation_to_json(evaluation)
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    console = Console(highlight=False)
    console.print(f"ticket #{replayed.number} (id {replayed.ticket_id})")
    if evaluation is None or policy is None:
        console.print("No SLA: no policy applies to this ticket (or the community answered it)")
        return
    _render(console, policy, evaluation, replayed.now)


def test(
    file: Path = typer.Argument(..., metavar="FILE", help="Policy file (YAML)."),
    scenarios: list[Path] = typer.Argument(
        ..., metavar="SCENARIO...", help="Scenario files with an expect: block."
    ),
) -> None:
    """Run scenarios that carry an `expect:` block; report each mismatch; exit 1 on any."""
    policy = _load_policy(file)
    failed = 0
    for path in scenarios:
        try:
            sc = load_scenario_file(path)
            evaluation = evaluate(policy, sc.ticket, sc.events, sc.now)
        except SladeskError as exc:
            failed += 1
            typer.echo(f"ERROR {path}: {exc}")
            continue
        if not sc.expect:
            failed += 1
            typer.echo(f"FAIL {path}: no expect: block")
            continue
        mismatches = check_expectations(evaluation, sc.expect)
        if mismatches:
            failed += 1
            typer.echo(f"FAIL {path}")
            for m in mismatches:
                typer.echo(f"  {m}")
        else:
            typer.echo(f"PASS {path}")
    total = len(scenarios)
    typer.echo(f"{total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


# -- rendering ----------------------------------------------------------------------------


def _when(t: datetime | None, zone: tzinfo | None) -> str:
    """``2026-03-19 13:20Z (Thu 10:20 -03)``: UTC, then the calendar's local reading."""
    if t is None:
        return "-"
    utc = format_instant(t).replace("T", " ").replace(":00Z", "Z")
    if zone is None:
        return utc
    local = t.astimezone(zone)
    return f"{utc} ({local:%a %m-%d %H:%M} {local.tzname()})"


def _zone(policy: Policy, calendar: str) -> tzinfo | None:
    cal = policy.calendars.get(calendar)
    return None if cal is None else cal.timezone


def _render(console: Console, policy: Policy, evaluation: Evaluation, now: datetime) -> None:
    console.print(
        f"[bold]{evaluation.policy}[/] version {evaluation.version}, now {format_instant(now)}"
    )
    if evaluation.rule is None or not evaluation.targets:
        rule = f"rule {evaluation.rule}: " if evaluation.rule else ""
        console.print(f"No SLA: {rule}{evaluation.reason}")
        return
    console.print(f"rule [bold]{evaluation.rule}[/]")
    for t in evaluation.targets:
        _render_target(console, policy, t)
    if evaluation.next_event_at is not None:
        console.print(f"next SLA event at {format_instant(evaluation.next_event_at)}")


def _render_target(console: Console, policy: Policy, t: TargetResult) -> None:
    zone = _zone(policy, t.calendar)
    where = f" ({zone})" if zone is not None else ""
    table = Table(title=f"[bold]{t.metric}[/]", title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    target = t.target_text
    if t.target is not None and format_duration(t.target) != target:
        target += f" = {format_duration(t.target)} of business time"
    rows = (
        ("metric", t.metric),
        ("calendar", f"{t.calendar}{where}"),
        ("priority", t.priority or "-"),
        ("target", target),
        ("state", str(t.state)),
        ("started", _when(t.started_at, zone)),
        ("due", _when(t.due_at, zone)),
        ("fulfilled", _when(t.fulfilled_at, zone)),
        ("breached", _when(t.breached_at, zone)),
        ("used", format_duration(t.used)),
        ("left", "-" if t.left is None else format_duration(t.left)),
    )
    for name, value in rows:
        table.add_row(name, value)
    for w in t.warnings:
        passed = "passed" if w.passed else "not passed"
        table.add_row(f"warning {w.threshold}", f"{_when(w.at, zone)}, {passed}")
    for i, c in enumerate(t.cycles, 1):
        table.add_row(
            f"cycle {i}",
            f"{c.state}: {_when(c.started_at, zone)} -> due {_when(c.due_at, zone)}, "
            f"fulfilled {_when(c.fulfilled_at, zone)}",
        )
    console.print(table)
    if not t.timeline:
        return
    timeline = Table(title=f"{t.metric}: timeline", title_justify="left")
    for column in ("from", "clock", "used by then", "due as it stood"):
        timeline.add_column(column)
    for s in t.timeline:
        clock = s.kind + (f": {s.why}" if s.why else "")
        timeline.add_row(
            _when(s.start, zone), clock, format_duration(s.used), _when(s.due_at, zone)
        )
    console.print(timeline)
