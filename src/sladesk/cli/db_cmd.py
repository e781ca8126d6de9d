"""`sladesk db upgrade`: apply the migrations; and how every database command picks its
settings (``--database-url`` over ``SLADESK_DATABASE_URL`` over ``./sladesk.db``)."""

from __future__ import annotations

import typer
from rich.console import Console

from sladesk.config import Settings
from sladesk.store import upgrade

app = typer.Typer(help="The database: migrations.", no_args_is_help=True)

DATABASE_URL = typer.Option(
    None,
    "--database-url",
    help="sqlite:///path.db or postgresql+psycopg://… (default: $SLADESK_DATABASE_URL, "
    "else ./sladesk.db)",
    show_default=False,
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


@app.command("upgrade")
def upgrade_cmd(database_url: str | None = DATABASE_URL) -> None:
    """Bring the database schema to the newest version (idempotent)."""
    settings = settings_for(database_url)
    upgrade(settings.database_url)
    Console().print(f"database at the newest schema: {safe_url(settings.database_url)}")
