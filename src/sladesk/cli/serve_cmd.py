"""`sladesk serve`: the REST API and the job runner in one process.

Migrations are applied first. The runner (SLA sweep, outbox delivery) runs in a background
thread beside uvicorn and stops after the batch in hand when uvicorn shuts down (Ctrl-C,
SIGTERM). On PostgreSQL, web processes may leave the jobs to ``sladesk worker`` with
``--no-jobs``; on SQLite this process is the only runner.
"""

from __future__ import annotations

import logging
import signal

import typer
from rich.console import Console

from sladesk.bootstrap import Container, bootstrap
from sladesk.cli.db_cmd import DATABASE_URL, safe_url, settings_for
from sladesk.jobs.assembly import runner_for


def serve(
    host: str = typer.Option(None, help="Address to listen on [default: 127.0.0.1]"),
    port: int = typer.Option(None, help="Port to listen on [default: 8000]"),
    database_url: str | None = DATABASE_URL,
    jobs: bool = typer.Option(True, "--jobs/--no-jobs", help="Run the job runner in-process."),
) -> None:
    """Serve the API (and the jobs) until Ctrl-C."""
    settings = settings_for(database_url, host=host, port=port)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    container = bootstrap(settings, migrate=True)
    Console().print(
        f"sladesk serving http://{settings.host}:{settings.port}/ "
        f"(API docs at /api/docs) on {safe_url(settings.database_url)}"
    )
    run_server(container, jobs=jobs and settings.jobs_in_process)


def run_server(container: Container, *, jobs: bool = True) -> None:
    """Run uvicorn on ``container`` with the job runner beside it; returns after shutdown."""
    import uvicorn  # imported here: other commands need neither uvicorn nor FastAPI

    from sladesk.api import create_app

    settings = container.settings
    config = uvicorn.Config(
        create_app(container),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    server = uvicorn.Server(config)
    runner = runner_for(container) if jobs else None
    # uvicorn handles SIGINT/SIGTERM while it runs, then re-raises the signal to the handler
    # that was there before; this one lets us stop the runner and exit 0 instead of dying
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    if runner is not None:
        runner.start()
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if runner is not None:
            runner.stop()
        container.dispose()
