"""`sladesk demo`: build a fresh demo help desk on SQLite and serve it.

The seed policy comes from ``examples/policies/<name>.yaml`` of the checkout (found from the
current directory upwards) or from ``--policy-file``. See ``sladesk.demo``.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console

from sladesk.bootstrap import Container, bootstrap
from sladesk.cli.db_cmd import settings_for
from sladesk.cli.import_cmd import demo_import_line
from sladesk.cli.oncall_cmd import on_call_line
from sladesk.cli.policy_backtest import demo_backtest_line
from sladesk.cli.retention_cmd import retention_line
from sladesk.cli.serve_cmd import run_server
from sladesk.demo import (
    SEED_POLICIES,
    DemoResult,
    WebAccounts,
    build_demo,
    find_policy_file,
    set_demo_passwords,
)
from sladesk.errors import SladeskError
from sladesk.services import Actor, FixedClock, compliance_report

DEFAULT_DATABASE = Path("sladesk-demo.db")


def demo(
    policy: str = typer.Option(
        "infraspeak", "--policy", help=f"Seed policy: {' | '.join(SEED_POLICIES)}."
    ),
    policy_file: Path | None = typer.Option(
        None, "--policy-file", help="A policy file instead of examples/policies/<policy>.yaml."
    ),
    database: Path = typer.Option(
        DEFAULT_DATABASE, "--database", help="SQLite file to create (replaced if it exists)."
    ),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve it when built."),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    smtp_port: int = typer.Option(
        2525, "--smtp-port", help="Take mail in by SMTP on this port while serving (0: off)."
    ),
    weeks: int = typer.Option(3, min=1, max=12, help="Weeks of history."),
) -> None:
    """Create a demo database (agents, organisations, weeks of tickets) and serve it."""
    console = Console()
    if policy_file is None and policy not in SEED_POLICIES:
        console.print(f"[red]unknown policy {policy!r}: one of {', '.join(SEED_POLICIES)}[/]")
        raise typer.Exit(2)
    try:
        path = policy_file or find_policy_file(policy)
    except SladeskError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database.resolve()}"
    now = datetime.now(UTC)
    clock = FixedClock(now)
    started = time.monotonic()
    console.print(
        f"sladesk demo: building {database} from {path}: {weeks} weeks of tickets replayed"
        " through the services, swept every simulated hour (usually a few seconds)",
        soft_wrap=True,
    )
    with console.status("building the demo help desk …"):
        container = bootstrap(settings_for(url), clock=clock, migrate=True)
        try:
            result = build_demo(container, clock, path, now=now, weeks=weeks)
            web = set_demo_passwords(container, clock, result.agent_email, result.admin_email)
            mail = _ingest_example_mail(container, path)
            retention = retention_line(container)
            on_call = on_call_line(container)
            imported = demo_import_line(container, path)
            period = ((now - timedelta(weeks=weeks)).date(), now.date())
            report = _report_line(container, period)
            backtest = demo_backtest_line(container, path, database.resolve())
        finally:
            container.dispose()
    queue = ", ".join(f"{n} {state}" for state, n in sorted(result.queue.items()))
    console.print(
        f"sladesk demo: built in {time.monotonic() - started:.0f} s: policy {result.policy},"
        f" {result.tickets} tickets ({result.steps} steps); open queue: {queue}",
        soft_wrap=True,
    )
    smtp = smtp_port if serve and smtp_port else None
    summary = _summary(result, web, database, url, host, port, serving=serve, smtp_port=smtp,
                       period=period)  # fmt: skip
    console.print(report, soft_wrap=True, highlight=False)
    if retention:
        console.print(retention, soft_wrap=True)
    if result.incident is not None:
        i = result.incident
        console.print(
            f"sladesk demo: maintenance scheduled from {i.window_starts_at:%Y-%m-%d %H:%M} UTC"
            f" (the portal's banner shows it); incident {i.incident_id} (partner outage) links"
            f" {i.tickets} tickets, their clocks paused (/incidents/{i.incident_id})",
            soft_wrap=True,
        )
    if result.proposals:
        console.print(
            f"feature requests: {result.proposals} proposals (proposed, under review, planned,"
            " released, declined) with followers and the vendor's comments: /portal/proposals"
            " for customers, /proposals in the console",
            soft_wrap=True,
        )
    if on_call:
        console.print(on_call, soft_wrap=True)
    if result.dedicated:
        console.print(result.dedicated, soft_wrap=True, highlight=False)
    if mail:
        console.print(mail, soft_wrap=True)
    if result.bounce:
        console.print(result.bounce, soft_wrap=True, highlight=False)
    if result.channels:
        console.print(result.channels, soft_wrap=True, highlight=False, markup=False)
    if imported:
        console.print(imported, soft_wrap=True)
    console.print(backtest, soft_wrap=True)
    if not serve:
        console.print(summary, soft_wrap=True, highlight=False)
        return
    console.print(
        f"sladesk demo: starting the server on http://{host}:{port}/ (a second or two) …",
        soft_wrap=True,
    )
    settings = settings_for(url, host=host, port=port, smtp_server_port=smtp)
    run_server(
        bootstrap(settings, migrate=False),
        jobs=True,
        on_started=lambda: console.print(summary, soft_wrap=True, highlight=False),
    )


def _summary(
    result: DemoResult,
    web: WebAccounts,
    database: Path,
    url: str,
    host: str,
    port: int,
    *,
    serving: bool,
    period: tuple[date, date],
    smtp_port: int | None = None,
) -> str:
    """What a newcomer needs once the demo is up, printed last: where it answers, the web
    console's sign-ins, the tokens, and what to type next."""
    base = f"http://{host}:{port}"
    cli = _sladesk_command()
    lines = ["", "[bold]sladesk demo is ready[/]" if serving else "[bold]sladesk demo built[/]"]
    lines += [
        f"  web console:  {base}/  (docs/web.md)",
        f"    agent:      {web.agent_email}  password {web.password}",
        f"    customer:   {web.contact_email}  password {web.password}",
        f"  reports:      {base}/reports?by=organisation,priority  (agent; the customer's:"
        f" {base}/portal/report)  (docs/reports.md)",
    ]
    if web.admin_email is not None:
        lines += [
            f"  admin console: {base}/admin  (policy, organisations, agents, tokens, invitations)",
            f"    admin:      {web.admin_email}  password {web.password}",
        ]
    if serving:
        lines += [
            f"  API:          {base}/api/v1/tickets",
            f"  API docs:     {base}/api/docs",
        ]
    lines += [
        f"  database:     {database} (policy {result.policy})",
        f"  admin token:  {result.admin_token}  ({result.admin_email})",
        f"  agent token:  {result.agent_token}  ({result.agent_email})",
        "",
        "Next, in another shell:" if serving else "Next:",
    ]
    if serving:
        lines.append(
            f'  curl -H "Authorization: Bearer {result.agent_token}"'
            f' "{base}/api/v1/tickets?order=time_left&open=true"'
        )
    lines += [
        f"  {cli} tickets list --database-url {url}",
        f"  {cli} tickets show <id> --database-url {url}",
        f"  {cli} report compliance --from {period[0]} --to {period[1]} --by organisation,priority"
        f" --database-url {url}",
    ]
    if serving and smtp_port is not None:
        lines += [
            f"  mail in by SMTP on {host}:{smtp_port} (docs/email.md): write to the desk as a"
            " customer, the ticket appears in the console:",
            f"    {sys.executable} -c \"import smtplib; smtplib.SMTP('{host}', {smtp_port})"
            f".sendmail('{web.contact_email}', ['support@localhost'], b'From: {web.contact_email}"
            "\\r\\nSubject: Printer on fire\\r\\n\\r\\nIt is burning.\\r\\n')\"",
            f'  mail records (admins): curl -H "Authorization: Bearer {result.admin_token}"'
            f" {base}/api/v1/mail/messages",
        ]
    if serving:
        lines.append("Ctrl-C stops the server.")
    else:
        lines.append(f"  {cli} serve --database-url {url}")
    return "\n".join(lines)


def _report_line(container: Container, period: tuple[date, date]) -> str:
    """The demo's compliance in one line, from the report the console shows."""
    report = compliance_report(container.uow(), container.clock, Actor.system("demo"), *period)
    parts = [
        f"{f.metric} {'—' if f.compliance is None else f'{f.compliance:.0%}'}"
        f" ({f.met} met, {f.breached} {'missed' if f.goal else 'breached'}"
        f"{', goal' if f.goal else ''})"
        for f in report.totals
    ]
    return f"compliance {period[0]} – {period[1]}: " + ("; ".join(parts) or "no targets")


def _sladesk_command() -> str:
    """How to type ``sladesk`` here: the bare name when it is on PATH, else the script beside
    this Python (``.venv/bin/sladesk`` when run from a checkout's scripts/demo)."""
    beside = Path(sys.executable).with_name("sladesk")
    on_path = shutil.which("sladesk")
    if on_path is not None and Path(on_path).resolve() == beside.resolve():
        return "sladesk"
    if not beside.exists():
        return "sladesk"
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside)


def _ingest_example_mail(container: Container, policy_path: Path) -> str:
    """A mail through the intake, as ``sladesk mail ingest`` takes it: the checkout's
    ``examples/mail/demo.eml`` (beside ``examples/policies/``), if there is one."""
    from sladesk.channels.email import receive_mail

    example = policy_path.resolve().parent.parent / "mail" / "demo.eml"
    if not example.is_file():
        return ""
    _parsed, result = receive_mail(container.uow(), container.clock, example.read_bytes())
    became = (
        f"became ticket #{result.ticket_number}"
        if result.ticket_number
        else f"was stored without a ticket ({result.reason or result.outcome})"
    )
    return f"mail in: {example} {became} (by pipe: sladesk mail ingest --database-url … < FILE)"
