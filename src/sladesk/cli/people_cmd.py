"""`sladesk agents create` and `sladesk tokens create`: the first admin and their token.

Runs as the system actor on the local database: whoever can open the database file (or has
its URL) administers the help desk; through the API only admins can.
"""

from __future__ import annotations

import typer
from rich.console import Console

from sladesk.bootstrap import bootstrap
from sladesk.cli.db_cmd import DATABASE_URL, existing_database, settings_for
from sladesk.services import (
    Actor,
    Conflict,
    InvalidRequest,
    NewAgent,
    NotFound,
    create_agent,
    create_api_token,
    list_agents,
)
from sladesk.tickets import unstorable_reason

agents_app = typer.Typer(help="Agents: support staff.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (bearer).", no_args_is_help=True)

CLI_ACTOR = Actor.system("cli")


def storable(value: str | None) -> str | None:
    """A Typer callback: text that cannot be stored (a NUL, a lone surrogate) is a usage
    error on its option, before anything is opened."""
    reason = None if value is None else unstorable_reason(value)
    if reason is not None:
        raise typer.BadParameter(reason)
    return value


@agents_app.command("create")
def create_agent_cmd(
    email: str = typer.Argument(..., metavar="EMAIL", callback=storable),
    name: str = typer.Option(..., "--name", metavar="NAME", callback=storable),
    role: str = typer.Option(
        "agent", "--role", metavar="ROLE", help="agent | senior | lead | admin", callback=storable
    ),
    team: str | None = typer.Option(None, "--team", metavar="TEAM", callback=storable),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Create an agent (use --role admin for the first administrator)."""
    container = bootstrap(settings_for(database_url), migrate=True)
    try:
        agent = create_agent(
            container.uow(),
            container.clock,
            CLI_ACTOR,
            NewAgent(email=email, name=name, role=role, team=team),
        )
    except (InvalidRequest, Conflict) as exc:
        Console(stderr=True).print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        container.dispose()
    Console().print(f"agent {agent.id}: {agent.name} <{agent.email}> ({agent.role})")


@tokens_app.command("create")
def create_token_cmd(
    agent: str = typer.Option(
        ...,
        "--agent",
        metavar="EMAIL|ID",
        help="The agent's e-mail address or id.",
        callback=storable,
    ),
    name: str = typer.Option(
        "cli", "--name", metavar="NAME", help="What the token is for.", callback=storable
    ),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Issue an API token for an agent; the secret is printed once and never stored."""
    console = Console()
    with existing_database(database_url) as container:
        agents = list_agents(container.uow(), container.clock, CLI_ACTOR)
        match = [a for a in agents if a.email == agent or str(a.id) == agent]
        if not match:
            raise NotFound("agent", agent)
        issued = create_api_token(
            container.uow(), container.clock, CLI_ACTOR, agent_id=match[0].id, name=name
        )
    console.print(f"token for {match[0].email} (shown once):")
    console.print(issued.secret, soft_wrap=True, highlight=False)
