"""`sladesk calendar ...`: check calendar files and do business-time arithmetic by hand."""

from __future__ import annotations

import typer

app = typer.Typer(help="Business calendars: check, add, elapsed.", no_args_is_help=True)
