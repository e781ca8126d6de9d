"""`sladesk policy explain` and `sladesk policy test`: run scenarios against a policy."""

from __future__ import annotations

from pathlib import Path

import typer


def explain(
    file: Path = typer.Argument(..., help="Policy file (YAML)."),
    scenario: Path = typer.Argument(..., help="Scenario file (YAML)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show every target of SCENARIO's ticket under FILE: when it ran, paused, and its deadline."""
    raise NotImplementedError("being written")


def test(
    file: Path = typer.Argument(..., help="Policy file (YAML)."),
    scenarios: list[Path] = typer.Argument(..., help="Scenario files with an expect: block."),
) -> None:
    """Run scenarios that carry an `expect:` block; report each mismatch; exit 1 on any."""
    raise NotImplementedError("being written")
