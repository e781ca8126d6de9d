"""The `sladesk` command line: a thin adapter that parses arguments, calls the core or a
service, and renders the answer with Rich. Each command family lives in its own module."""

from __future__ import annotations

import typer

from sladesk.cli import (
    calendar_cmd,
    compliance_cmd,
    db_cmd,
    demo_cmd,
    import_cmd,
    mail_cmd,
    oncall_cmd,
    password_cmd,
    people_cmd,
    policy_cmd,
    report_cmd,
    retention_cmd,
    serve_cmd,
    tickets_cmd,
    worker_cmd,
)

app = typer.Typer(
    name="sladesk",
    help="sladesk: a help desk whose SLA clocks are exact, explainable and testable.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(calendar_cmd.app, name="calendar")
app.add_typer(policy_cmd.app, name="policy")
app.command("serve")(serve_cmd.serve)
app.command("worker")(worker_cmd.worker)
app.command("demo")(demo_cmd.demo)
app.add_typer(db_cmd.app, name="db")
app.add_typer(tickets_cmd.app, name="tickets")
app.add_typer(people_cmd.agents_app, name="agents")
app.add_typer(people_cmd.tokens_app, name="tokens")
app.add_typer(mail_cmd.app, name="mail")
app.add_typer(password_cmd.people_app, name="people")
app.add_typer(retention_cmd.app, name="retention")
app.add_typer(oncall_cmd.app, name="oncall")
app.command("compliance")(compliance_cmd.compliance)
app.command("import")(import_cmd.import_cmd)
app.add_typer(report_cmd.app, name="report")


@app.command()
def version() -> None:
    """Print the sladesk version."""
    from sladesk import __version__

    typer.echo(__version__)


def main() -> None:
    app()
