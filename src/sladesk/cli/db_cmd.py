"""`sladesk db upgrade`: apply the migrations; how every database command picks its
settings (``--database-url`` over ``SLADESK_DATABASE_URL`` over ``./sladesk.db``); and how a
command that reads a database opens one (:func:`existing_database`): when there is none, or
it cannot be read, one line says so, and no empty ``sladesk.db`` is left behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import Conflict, InvalidRequest, NotFound
from sladesk.store import upgrade

app = typer.Typer(help="The database: migrations.", no_args_is_help=True)

DATABASE_URL = typer.Option(
    None,
    "--database-url",
    help="sqlite:///path.db or postgresql+psycopg://… (default: $SLADESK_DATABASE_URL, "
    "else ./sladesk.db)",
    show_default=False,
    metavar="URL",
)


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    """Settings from the environment, with the command line's choices on top."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


def safe_url(url: str) -> str:
    """``url`` without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def existing_database(database_url: str | None) -> Iterator[Container]:
    """The wired services of a database that exists (for commands that read one), disposed
    after. A missing SQLite file, a database without sladesk's tables, one that does not
    answer, and an input the services refuse are each one line on stderr and exit status 1;
    nothing is created."""
    settings = settings_for(database_url)
    url = settings.database_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        fail(
            f"no database at {missing}: create one with `sladesk db upgrade` (or `sladesk "
            "demo`), or name another with --database-url or SLADESK_DATABASE_URL"
        )
    try:
        container = bootstrap(settings, migrate=False)
    except DBAPIError as exc:
        fail(f"cannot open the database at {safe_url(url)}: {_first_line(exc)}")
    try:
        yield container
    except DBAPIError as exc:
        fail(
            f"cannot read the database at {safe_url(url)} (is it sladesk's, at the newest "
            f"schema? `sladesk db upgrade`): {_first_line(exc)}"
        )
    except (InvalidRequest, NotFound, Conflict) as exc:
        fail(str(exc))
    finally:
        container.dispose()


def _missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite database file that does not exist, else None."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    if path.startswith("file:"):  # a URI filename: the driver decides
        return None
    return None if Path(path).exists() else path


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig) or type(exc.orig).__name__).strip().splitlines()[0]


@app.command("upgrade")
def upgrade_cmd(database_url: str | None = DATABASE_URL) -> None:
    """Bring the database schema to the newest version (idempotent)."""
    settings = settings_for(database_url)
    upgrade(settings.database_url)
    Console().print(f"database at the newest schema: {safe_url(settings.database_url)}")
