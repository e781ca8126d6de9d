"""`sladesk agents create` and `sladesk tokens create`: the first admin and their token.

Runs as the system actor on the local database: whoever can open the database file (or has
its URL) administers the help desk; through the API only admins can.
"""

from __future__ import annotations

import typer
from rich.console import Console

from sladesk.bootstrap import bootstrap
from sladesk.cli.db_cmd import DATABASE_URL, settings_for
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

agents_app = typer.Typer(help="Agents: support staff.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (bearer).", no_args_is_help=True)

CLI_ACTOR = Actor.system("cli")


@agents_app.command("create")
def create_agent_cmd(
    email: str = typer.Argument(...),
    name: str = typer.Option(..., "--name"),
    role: str = typer.Option("agent", "--role", help="agent | senior | lead | admin"),
    team: str | None = typer.Option(None, "--team"),
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
    agent: str = typer.Option(..., "--agent", help="The agent's e-mail address or id."),
    name: str = typer.Option("cli", "--name", help="What the token is for."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Issue an API token for an agent; the secret is printed once and never stored."""
    container = bootstrap(settings_for(database_url), migrate=False)
    console = Console()
    try:
        agents = list_agents(container.uow(), container.clock, CLI_ACTOR)
        match = [a for a in agents if a.email == agent or str(a.id) == agent]
        if not match:
            raise NotFound("agent", agent)
        issued = create_api_token(
            container.uow(), container.clock, CLI_ACTOR, agent_id=match[0].id, name=name
        )
    except (NotFound, InvalidRequest) as exc:
        Console(stderr=True).print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        container.dispose()
    console.print(f"token for {match[0].email} (shown once):")
    console.print(issued.secret, soft_wrap=True, highlight=False)
