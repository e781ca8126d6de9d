"""`sladesk serve`: the REST API and the job runner.

Migrations are applied first. The runner (SLA sweep, outbox delivery) runs in a background
thread beside uvicorn and stops after the batch in hand when uvicorn shuts down (Ctrl-C,
SIGTERM). On PostgreSQL, web processes may leave the jobs to ``sladesk worker`` with
``--no-jobs``; on SQLite this process is the only runner.

``--workers N`` (PostgreSQL only) serves the API from N processes sharing the port (uvicorn's
supervisor restarts one that dies); this process supervises them and runs the one job
runner. SQLite has one writer at a time, and its writers queue on a lock inside one process
(``store/uow.py``): several processes would only contend for the file, so SQLite is served
by one process and ``--workers`` above 1 is refused.

``--smtp-port P`` (or ``SLADESK_SMTP_SERVER_PORT``) also receives mail by SMTP on the same
host (``channels/email/_smtp_server.py``), in this process.

A chat setting (``SLADESK_CHAT_CALENDAR``, ``SLADESK_CHAT_DEDICATED_CALENDAR``) naming a
calendar the policy in force lacks is refused at start, in one line naming both.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from sladesk.bootstrap import Container, bootstrap
from sladesk.cli.db_cmd import DATABASE_URL, fail, safe_url, settings_for
from sladesk.config import Settings
from sladesk.jobs.assembly import runner_for
from sladesk.services import validate_chat_calendars

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sladesk.channels.email import MailServer


def serve(
    # the defaults are the settings' (SLADESK_HOST, SLADESK_PORT); shown escaped, as Rich
    # would take ``[default: …]`` for markup and drop it
    host: str = typer.Option(
        None, metavar="HOST", help="Address to listen on \\[default: 127.0.0.1]"
    ),
    port: int = typer.Option(None, metavar="PORT", help="Port to listen on \\[default: 8000]"),
    database_url: str | None = DATABASE_URL,
    jobs: bool = typer.Option(True, "--jobs/--no-jobs", help="Run the job runner in-process."),
    workers: int = typer.Option(
        None, "--workers", min=1, metavar="N", help="API processes, PostgreSQL only \\[default: 1]"
    ),
    smtp_port: int = typer.Option(
        None,
        "--smtp-port",
        min=0,
        max=65535,
        help="Also receive mail by SMTP on this port (docs/email.md) [default: off]",
    ),  # fmt: skip
) -> None:
    """Serve the API (and the jobs) until Ctrl-C."""
    settings = settings_for(
        database_url, host=host, port=port, workers=workers, smtp_server_port=smtp_port
    )
    if settings.workers > 1 and settings.is_sqlite:
        raise typer.BadParameter(
            "SQLite is served by one process (one writer at a time); "
            "more API processes need PostgreSQL (docs/deployment.md)",
            param_hint="'--workers'",
        )
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    container = bootstrap(settings, migrate=True)
    problems = validate_chat_calendars(
        container.uow(), chat_calendar=settings.chat_calendar,
        chat_dedicated_calendar=settings.chat_dedicated_calendar,
    )  # fmt: skip
    if problems:
        container.dispose()
        setting, problem = problems[0]
        fail(f"SLADESK_{setting.upper()}: {problem}")
    processes = f", {settings.workers} API processes" if settings.workers > 1 else ""
    smtp = (
        f", mail by SMTP on {settings.host}:{settings.smtp_server_port}"
        if settings.smtp_server_port is not None
        else ""
    )
    Console().print(
        f"sladesk serving http://{settings.host}:{settings.port}/ "
        f"(API docs at /api/docs{processes}{smtp}) on {safe_url(settings.database_url)}"
    )
    if settings.workers > 1:
        run_workers(container, jobs=jobs and settings.jobs_in_process)
    else:
        run_server(container, jobs=jobs and settings.jobs_in_process)


def run_server(
    container: Container, *, jobs: bool = True, on_started: Callable[[], None] | None = None
) -> None:
    """Run uvicorn on ``container`` with the job runner beside it; returns after shutdown.
    ``on_started`` is called once the socket listens and uvicorn has said so (``sladesk
    demo`` prints its URLs and tokens then, after uvicorn's lines)."""
    import uvicorn  # imported here: other commands need neither uvicorn nor FastAPI

    from sladesk.api import create_app

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and on_started is not None:
                on_started()

    settings = container.settings
    config = uvicorn.Config(
        create_app(container),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    server = Server(config)
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
    mail = start_smtp(container)
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if mail is not None:
            mail.stop()
        if runner is not None:
            runner.stop()
        container.dispose()


def run_workers(container: Container, *, jobs: bool = True) -> None:
    """Serve the API from ``settings.workers`` processes, with the job runner (if any) in
    this one; returns after they have stopped (Ctrl-C, SIGTERM)."""
    import uvicorn

    settings = container.settings
    # each API process builds its settings from the environment (worker_app): hand it this
    # command's choices, and leave migrations and jobs to this process
    os.environ.update(
        SLADESK_DATABASE_URL=settings.database_url,
        SLADESK_HOST=settings.host,
        SLADESK_PORT=str(settings.port),
        SLADESK_WORKERS=str(settings.workers),
        SLADESK_MIGRATE_ON_START="false",
        SLADESK_JOBS_IN_PROCESS="false",
    )
    if settings.secret_key is None:  # one key for every process: web sessions work in all
        os.environ["SLADESK_SECRET_KEY"] = secrets.token_urlsafe(32)
    runner = runner_for(container) if jobs else None
    if runner is not None:
        runner.start()
    mail = start_smtp(container)
    try:
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            lifespan="on",
        )
    finally:
        if mail is not None:
            mail.stop()
        if runner is not None:
            runner.stop()
        container.dispose()


def start_smtp(container: Container) -> MailServer | None:
    """The SMTP server for mail in, when ``--smtp-port``/``SLADESK_SMTP_SERVER_PORT`` asks."""
    settings = container.settings
    if settings.smtp_server_port is None:
        return None
    from sladesk.channels.email import IntakeHandler, Limits, start_mail_server

    handler = IntakeHandler(
        container.uow, container.clock, Limits(message_bytes=settings.mail_max_message_bytes),
        own_addresses=(settings.mail_from,), closed_mailboxes=settings.mail_closed_mailboxes,
    )  # fmt: skip
    return start_mail_server(handler, settings.host, settings.smtp_server_port)


def worker_app() -> FastAPI:
    """The application of one API process of ``serve --workers N``: uvicorn imports this in
    each process it starts and calls it there."""
    from sladesk.api import create_app

    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    return create_app(bootstrap(settings, migrate=False))
