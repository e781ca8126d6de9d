"""`sladesk policy backtest DRAFT.yaml`: what a draft policy would have changed, replayed on
every stored ticket's recorded history, side by side with the versions in force.

Prints a Rich table per target and group (compliance now, with the draft, and the delta),
then the tickets whose outcome flips and those whose deadline moves by more than
``--threshold``, each with the command that explains it. ``--json`` prints one object (the
contract other tools read: ``tickets``, ``groups``, ``flipped``; docs/cli.md).
"""

from __future__ import annotations

import gc
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sladesk.bootstrap import Container
from sladesk.calendar import parse_duration
from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.errors import PolicyError, SladeskError
from sladesk.services import (
    BACKTEST_DIMENSIONS,
    Actor,
    BacktestChange,
    BacktestReport,
    BacktestSide,
    backtest_policy,
)
from sladesk.sla import format_duration

CLI_ACTOR = Actor.system("cli")
_SHOWN = 20  # changes listed in the table output (all of them, up to the cap, in --json)


def _day_or_instant(value: str | None, option: str) -> datetime | None:
    """``2026-10-01`` (midnight UTC) or an ISO 8601 instant with its offset."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date or an ISO 8601 instant: {value!r}",
                                 param_hint=option) from None  # fmt: skip
    if at.tzinfo is None:
        raise typer.BadParameter(f"give a UTC offset (e.g. {value}Z)", param_hint=option)
    return at


def _threshold(value: str) -> timedelta:
    try:
        duration = parse_duration(value)
    except SladeskError as exc:
        raise typer.BadParameter(str(exc), param_hint="--threshold") from None
    if duration.time is None:
        raise typer.BadParameter(
            f"give exact time (30m, 2h), not business days: {value!r}", param_hint="--threshold"
        )
    return duration.time


def backtest(
    draft: Path = typer.Argument(..., metavar="DRAFT", help="The draft policy file (YAML)."),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help="Tickets created from (a date, UTC, or an instant)."
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="DATE", help="Tickets created before (a date or an instant)."
    ),
    by: str = typer.Option(
        "",
        "--by",
        metavar="DIMS",
        help=f"Group by, comma-separated: {','.join(BACKTEST_DIMENSIONS)} (the target always).",
    ),  # fmt: skip
    threshold: str = typer.Option(
        "1h", "--threshold", metavar="DURATION", help="List deadlines that move more than this."
    ),
    reevaluate: bool = typer.Option(
        False,
        "--reevaluate",
        help="Replay the versions in force from the history too, instead of reading the "
        "outcomes the desk recorded (slower: two evaluations per ticket).",
    ),  # fmt: skip
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Replay every stored ticket under DRAFT and under the policy in force for it: compliance
    side by side, and the tickets whose outcome would change."""
    start, end = _day_or_instant(since, "--since"), _day_or_instant(until, "--until")
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    limit = _threshold(threshold)
    try:
        text = draft.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"{draft}: cannot read the draft: {exc}", err=True)
        raise typer.Exit(1) from None
    err = Console(stderr=True)
    with existing_database(database_url) as container:
        progress = Progress(
            TextColumn("replaying"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} tickets/s"), TimeRemainingColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        )  # fmt: skip
        task = progress.add_task("replay", total=None, rate="-")

        def advance(done: int, total: int) -> None:
            elapsed = progress.tasks[0].elapsed or 0.0
            rate = f"{done / elapsed:,.0f}" if elapsed > 0 and done else "-"
            progress.update(task, completed=done, total=total, rate=rate)

        gc.disable()  # a batch run that makes no reference cycles: no collector passes
        try:
            with progress:
                report = backtest_policy(
                    container.uow(), container.clock, CLI_ACTOR, text, source=str(draft),
                    since=start, until=end, by=dims, threshold=limit, reevaluate=reevaluate,
                    progress=advance,
                )  # fmt: skip
        except PolicyError as exc:
            for error in exc.errors:
                typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
        finally:
            gc.enable()
    if json_out:
        typer.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
        return
    _render(Console(width=140, highlight=False), report, draft)


# -- JSON ---------------------------------------------------------------------------------


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _side(side: BacktestSide) -> dict[str, Any]:
    return {**side.counts, "compliance": side.compliance}


def _change(c: BacktestChange) -> dict[str, Any]:
    shift = c.shift
    return {
        "ticket_id": c.ticket_id, "number": c.number, "metric": c.metric,
        "current_state": c.current_state, "draft_state": c.draft_state,
        "current_due_at": _iso(c.current_due_at), "draft_due_at": _iso(c.draft_due_at),
        "shift_seconds": None if shift is None else int(shift.total_seconds()),
    }  # fmt: skip


def report_json(report: BacktestReport) -> dict[str, Any]:
    """The ``--json`` object (docs/cli.md)."""
    groups = []
    for g in report.groups:
        now, then = g.current, g.draft
        delta: dict[str, Any] = {k: then.counts[k] - now.counts[k] for k in ("met", "breached")}
        delta["compliance"] = (
            None if now.compliance is None or then.compliance is None
            else then.compliance - now.compliance
        )  # fmt: skip
        groups.append({
            "group": g.group, "metric": g.metric, "current": _side(now), "draft": _side(then),
            "delta": delta, "added": g.added, "removed": g.removed, "flipped": g.flipped,
            "shifted": g.shifted,
        })  # fmt: skip
    return {
        "draft": {"name": report.draft_name, "version": report.draft_version},
        "since": _iso(report.since), "until": _iso(report.until), "now": _iso(report.now),
        "by": list(report.by), "threshold_seconds": int(report.threshold.total_seconds()),
        "tickets": report.tickets, "skipped": report.skipped,
        "versions": [
            {"id": v.id, "name": v.name, "version": v.version, "tickets": v.tickets}
            for v in report.versions
        ],
        "groups": groups,
        "flipped": [_change(c) for c in report.flipped],
        "flipped_total": report.flipped_total,
        "shifted": [_change(c) for c in report.shifted],
        "shifted_total": report.shifted_total,
    }  # fmt: skip


# -- table --------------------------------------------------------------------------------


def _short(at: datetime | None) -> str:
    return "-" if at is None else f"{at.astimezone(UTC):%Y-%m-%d %H:%M}Z"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _delta(now: float | None, then: float | None) -> str:
    if now is None or then is None:
        return "—"
    points = (then - now) * 100
    colour = "green" if points > 0 else "red" if points < 0 else "dim"
    return f"[{colour}]{points:+.1f} pt[/]"


def _render(console: Console, report: BacktestReport, draft: Path) -> None:
    in_force = ", ".join(f"{v.name} {v.version} ({v.tickets})" for v in report.versions) or "-"
    console.print(
        f"[bold]{report.tickets}[/] tickets replayed under [bold]{report.draft_name} "
        f"{report.draft_version}[/] (draft) and the versions in force: {in_force}"
    )
    for reason, count in sorted(report.skipped.items()):
        console.print(f"[yellow]skipped {count}[/]: {reason}")
    table = Table(header_style="bold", title="Compliance: in force → draft")
    for name in (*report.by, "target"):
        table.add_column(name)
    for name in ("targets", "met", "breached", "compliance", "targets", "met", "breached",
                 "compliance", "Δ", "flips", "shifts"):  # fmt: skip
        table.add_column(name, justify="right")
    for g in report.groups:
        now, then = g.current, g.draft
        table.add_row(
            *(g.group[d] for d in report.by), g.metric,
            str(now.counts["with_target"]), str(now.counts["met"]), str(now.counts["breached"]),
            _share(now.compliance),
            str(then.counts["with_target"]), str(then.counts["met"]),
            str(then.counts["breached"]), _share(then.compliance),
            _delta(now.compliance, then.compliance), str(g.flipped), str(g.shifted),
        )  # fmt: skip
    console.print(table)
    for title, changes, total in (
        ("Outcomes that flip", report.flipped, report.flipped_total),
        (f"Deadlines that move more than {format_duration(report.threshold)}", report.shifted,
         report.shifted_total),
    ):  # fmt: skip
        if not total:
            console.print(f"{title}: none")
            continue
        listed = Table(title=f"{title}: {total}", header_style="bold", title_justify="left")
        for name in ("ticket", "id", "target", "in force", "draft", "due in force",
                     "due with the draft"):  # fmt: skip
            listed.add_column(name)
        for c in changes[:_SHOWN]:
            listed.add_row(
                f"#{c.number}", str(c.ticket_id), c.metric, c.current_state, c.draft_state,
                _short(c.current_due_at), _short(c.draft_due_at),
            )  # fmt: skip
        console.print(listed)
        for c in changes[:_SHOWN]:
            console.print(f"  sladesk policy explain --ticket {c.ticket_id} --policy {draft}",
                          soft_wrap=True)  # fmt: skip
        if total > _SHOWN:
            console.print(f"… and {total - _SHOWN} more (--json lists up to 10,000)")


# -- the demo -----------------------------------------------------------------------------

_DURATION = re.compile(r"\b(\d+)(bd|h|m)\b")


def _halved(match: re.Match[str]) -> str:
    n, unit = int(match.group(1)), match.group(2)
    if unit == "h" and n == 1:
        return "30m"
    return f"{max(n // 2, 1)}{unit}"


def tightened_draft(text: str) -> str:
    """``text`` with every target duration halved (``duration:``/``durations:`` lines only;
    ``1bd`` stays one business day): the demo's draft to back-test."""
    out = []
    for line in text.splitlines(keepends=True):
        key = line.split("#", 1)[0]
        if key.lstrip().startswith(("duration:", "durations:")):
            line = _DURATION.sub(_halved, key) + line[len(key) :]
        out.append(line)
    return "".join(out)


def demo_backtest_line(container: Container, policy_path: Path, database: Path) -> str:
    """Writes ``<database>.draft.yaml`` (the policy with every target halved), back-tests it
    on the demo's tickets and says what it would change, with the command to see it all."""
    draft = database.with_suffix(".draft.yaml")
    draft.write_text(tightened_draft(policy_path.read_text(encoding="utf-8")), encoding="utf-8")
    report = backtest_policy(container.uow(), container.clock, CLI_ACTOR, draft.read_text(),
                             source=str(draft))  # fmt: skip
    now = sum(g.current.counts["met"] for g in report.groups)
    then = sum(g.draft.counts["met"] for g in report.groups)
    return (
        f"back-test: with every target halved ({draft}), {report.flipped_total} outcomes of "
        f"{report.tickets} tickets would flip ({now} → {then} targets met): "
        f"sladesk policy backtest {draft} --by priority --database-url sqlite:///{database}"
    )
