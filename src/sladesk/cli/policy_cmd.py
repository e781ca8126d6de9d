"""`sladesk policy ...`: check a policy file, explain a scenario, test scenarios.

The commands live in two modules: checking files (`policy_check`) and running scenarios
against a policy (`policy_scenarios`)."""

from __future__ import annotations

import typer

from sladesk.cli import policy_backtest, policy_check, policy_scenarios

app = typer.Typer(
    help="SLA policy files: check, explain, test, back-test on stored tickets.",
    no_args_is_help=True,
)
app.command("check")(policy_check.check)
app.command("explain")(policy_scenarios.explain)
app.command("test")(policy_scenarios.test)
app.command("backtest")(policy_backtest.backtest)
