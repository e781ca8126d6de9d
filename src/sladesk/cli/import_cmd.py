"""`sladesk import zendesk|freshdesk|csv PATH`: bring a team's history in from the help desk
it leaves (LiveAgent's "concierge migration"), from export files (no network).

Reads the folder with ``sladesk.importers``, imports every record through
``services.import_history`` (one transaction per record; a second run changes only what
changed), with a progress bar, and closes with what was created, updated, unchanged and
skipped, and why. Exit status 0 when the run went through, even with skipped records (they
are listed); 1 when the folder cannot be read at all. docs/import.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sladesk.bootstrap import Container
from sladesk.cli.db_cmd import DATABASE_URL, existing_database
from sladesk.importers import READERS, read_export
from sladesk.services import Actor, ImportReport, import_history

CLI_ACTOR = Actor.system("import")


def import_cmd(
    source: str = typer.Argument(..., metavar="SOURCE", help=f"One of: {', '.join(READERS)}."),
    path: Path = typer.Argument(..., metavar="PATH", help="The folder of the export's files."),
    json_out: bool = typer.Option(False, "--json", help="Print the closing report as JSON."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Import organisations, people and tickets (with their history at its original
    instants) from another help desk's export. Safe to run again with a newer export."""
    if source not in READERS:
        typer.echo(f"unknown source {source!r}: one of: {', '.join(READERS)}", err=True)
        raise typer.Exit(2)
    try:
        export = read_export(source, path)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"{path}: cannot read the export: {exc}", err=True)
        raise typer.Exit(1) from None
    err = Console(stderr=True)
    with existing_database(database_url) as container:
        progress = Progress(
            TextColumn("importing {task.fields[kind]}"), BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal,
        )  # fmt: skip
        task = progress.add_task("import", total=None, kind="")

        def advance(kind: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, kind=kind)

        with progress:
            report = import_history(
                container.uow(), container.clock, CLI_ACTOR, source, export.organizations,
                export.people, export.tickets, progress=advance,
            )  # fmt: skip
    problems = [str(p) for p in export.problems]
    if json_out:
        typer.echo(json.dumps(_json(report, problems), indent=2, ensure_ascii=False))
        return
    _render(Console(width=140, highlight=False), report, problems)


def _json(report: ImportReport, problems: list[str]) -> dict[str, object]:
    return {
        "source": report.source,
        "counts": report.counts,
        "skipped": [
            {"kind": o.kind, "external_id": o.external_id, "why": o.why} for o in report.skipped
        ],
        "unreadable": problems,
        "notes": report.notes,
    }


def _render(console: Console, report: ImportReport, problems: list[str]) -> None:
    table = Table(title=f"Imported from {report.source}", header_style="bold")
    for name in ("records", "created", "updated", "unchanged", "skipped"):
        table.add_column(name, justify="left" if name == "records" else "right")
    for kind in ("organization", "person", "ticket"):
        row = report.counts.get(kind)
        if row is not None:
            table.add_row(kind, *(str(row[k]) for k in ("created", "updated", "unchanged",
                                                         "skipped")))  # fmt: skip
    console.print(table)
    if problems:
        console.print(f"[yellow]{len(problems)} records could not be read[/] (left out):")
        for p in problems:
            console.print(f"  {p}", soft_wrap=True)
    if report.skipped:
        console.print(f"[yellow]{len(report.skipped)} records were skipped[/]:")
        for o in report.skipped:
            console.print(f"  {o.kind} {o.external_id}: {o.why}", soft_wrap=True)
    for note, count in sorted(report.notes.items()):
        console.print(f"  note ({count}×): {note}", soft_wrap=True)


def demo_import_line(container: Container, policy_path: Path) -> str:
    """``sladesk demo``: import the checkout's example Zendesk export
    (``examples/import/zendesk/`` beside ``examples/policies/``), if there is one."""
    folder = policy_path.resolve().parent.parent / "import" / "zendesk"
    if not folder.is_dir():
        return ""
    export = read_export("zendesk", folder)
    report = import_history(container.uow(), container.clock, CLI_ACTOR, "zendesk",
                            export.organizations, export.people, export.tickets)  # fmt: skip
    made = report.counts.get("ticket", {}).get("created", 0)
    return (
        f"import: {made} tickets with their history from a Zendesk export ({folder}): "
        f"sladesk import zendesk {folder} --database-url …"
    )
