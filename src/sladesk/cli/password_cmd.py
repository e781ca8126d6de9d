"""`sladesk people set-password EMAIL`: give an agent or a contact a password for the web
console (they sign in at ``/`` with their e-mail address). Their open browser sessions end.

Runs as the system actor on the local database, like `sladesk agents create`; through the
API an admin sets passwords with ``PATCH /agents/{id}`` or ``/contacts/{id}``.
"""

from __future__ import annotations

import typer
from rich.console import Console

from sladesk.bootstrap import bootstrap
from sladesk.cli.db_cmd import DATABASE_URL, settings_for
from sladesk.services import Actor, InvalidRequest, NotFound
from sladesk.services.sign_in import set_password

people_app = typer.Typer(help="People (agents and contacts): web sign-in.", no_args_is_help=True)

CLI_ACTOR = Actor.system("cli")


@people_app.command("set-password")
def set_password_cmd(
    email: str = typer.Argument(..., help="The agent's or contact's e-mail address."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="At least 8 characters (asked for, hidden, when not given).",
    ),  # fmt: skip
    database_url: str | None = DATABASE_URL,
) -> None:
    """Set the web sign-in password of an agent or a contact."""
    container = bootstrap(settings_for(database_url), migrate=False)
    try:
        kind = set_password(container.uow(), container.clock, CLI_ACTOR, email, password)
    except (NotFound, InvalidRequest) as exc:
        Console(stderr=True).print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        container.dispose()
    Console().print(f"password set for {kind} {email}")
