"""`sladesk demo`: build a fresh demo help desk on SQLite and serve it.

The seed policy comes from ``examples/policies/<name>.yaml`` of the checkout (found from the
current directory upwards) or from ``--policy-file``. See ``sladesk.demo``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from sladesk.bootstrap import bootstrap
from sladesk.cli.db_cmd import settings_for
from sladesk.cli.serve_cmd import run_server
from sladesk.demo import SEED_POLICIES, build_demo, find_policy_file
from sladesk.errors import SladeskError
from sladesk.services import FixedClock

DEFAULT_DATABASE = Path("sladesk-demo.db")


def demo(
    policy: str = typer.Option(
        "infraspeak", "--policy", help=f"Seed policy: {' | '.join(SEED_POLICIES)}."
    ),
    policy_file: Path | None = typer.Option(
        None, "--policy-file", help="A policy file instead of examples/policies/<policy>.yaml."
    ),
    database: Path = typer.Option(
        DEFAULT_DATABASE, "--database", help="SQLite file to create (replaced if it exists)."
    ),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve it when built."),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    weeks: int = typer.Option(3, min=1, max=12, help="Weeks of history."),
) -> None:
    """Create a demo database (agents, organisations, weeks of tickets) and serve it."""
    console = Console()
    if policy_file is None and policy not in SEED_POLICIES:
        console.print(f"[red]unknown policy {policy!r}: one of {', '.join(SEED_POLICIES)}[/]")
        raise typer.Exit(2)
    try:
        path = policy_file or find_policy_file(policy)
    except SladeskError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database.resolve()}"
    now = datetime.now(UTC)
    clock = FixedClock(now)
    started = time.monotonic()
    with console.status(f"building the demo help desk from {path} …"):
        container = bootstrap(settings_for(url), clock=clock, migrate=True)
        try:
            result = build_demo(container, clock, path, now=now, weeks=weeks)
        finally:
            container.dispose()
    queue = ", ".join(f"{n} {state}" for state, n in sorted(result.queue.items()))
    console.print(
        f"[bold]sladesk demo[/] — policy {result.policy}, database {database}\n"
        f"{result.tickets} tickets ({result.steps} steps replayed in "
        f"{time.monotonic() - started:.0f}s); open queue: {queue}\n"
        f"admin token ({result.admin_email}): {result.admin_token}\n"
        f"agent token ({result.agent_email}): {result.agent_token}\n"
        f"try: sladesk tickets list --database-url {url}",
        soft_wrap=True,
    )
    if not serve:
        return
    console.print(
        f"serving http://{host}:{port}/ (API docs at /api/docs) — "
        f'curl -H "Authorization: Bearer {result.agent_token}" '
        f"http://{host}:{port}/api/v1/tickets",
        soft_wrap=True,
    )
    settings = settings_for(url, host=host, port=port)
    run_server(bootstrap(settings, migrate=False), jobs=True)
