"""`sladesk worker`: only the jobs (SLA sweep, outbox delivery), for scale-out on PostgreSQL.

Any number of workers may run beside any number of ``sladesk serve --no-jobs`` processes;
they coordinate through the database alone (see docs/deployment.md). SIGTERM or Ctrl-C
stops the loop after the batch in hand.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

import typer
from rich.console import Console

from sladesk.bootstrap import bootstrap
from sladesk.cli.db_cmd import DATABASE_URL, safe_url, settings_for
from sladesk.jobs.assembly import runner_for


def worker(
    database_url: str | None = DATABASE_URL,
    once: bool = typer.Option(False, "--once", help="Work until nothing is due, then exit."),
) -> None:
    """Run the job runner in the foreground."""
    settings = settings_for(database_url)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    console = Console(stderr=True)
    if settings.is_sqlite and not once:
        console.print(
            "[yellow]note:[/] on SQLite `sladesk serve` already runs the jobs; "
            "a second runner only queues behind its write lock"
        )
    container = bootstrap(settings, migrate=False)
    runner = runner_for(container)

    def stop(signum: int, _frame: FrameType | None) -> None:
        console.print(f"{signal.Signals(signum).name}: stopping after the batch in hand")
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    console.print(f"sladesk worker on {safe_url(settings.database_url)}")
    try:
        if once:
            console.print(f"{runner.drain()} items handled")
        else:
            runner.run_forever()
    finally:
        container.dispose()
