"""`sladesk policy check FILE`: validate a policy file and summarise it."""

from __future__ import annotations

from pathlib import Path

import typer


def check(file: Path = typer.Argument(..., help="Policy file (YAML).")) -> None:
    """Validate FILE: exit 0 with a summary, or list every problem and exit 1."""
    raise NotImplementedError("being written")
