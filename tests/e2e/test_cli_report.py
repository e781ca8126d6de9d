"""`sladesk report compliance` (a real process on a real SQLite file): one ticket answered in
time and one late, by organisation and priority, as a table, CSV, JSON and a PNG chart; a
dimension it does not know is one line on stderr."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from test_cli_tickets import START, run

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, NewOrganization, NewTicket, Role

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"
PERIOD = ("--from", "2026-03-01", "--to", "2026-03-31", "--by", "organisation,priority")


@pytest.fixture
def database(tmp_path: Path) -> str:
    """Blip Go! (binding), organisation Acme on plan pro: two tickets on Tue 10 March 2026
    at 11:00 in São Paulo,
    both accepted at once, one answered after 20 minutes, one never (overdue by now)."""
    path = tmp_path / "desk.db"
    clock = FixedClock(START + timedelta(hours=4))  # 11:00 in São Paulo: open
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=clock)
    try:
        system = Actor.system("tests")
        admin = services.create_agent(
            c.uow(), c.clock, system, NewAgent("ada@desk.example", "Ada Admin", "admin")
        )
        ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        services.publish_policy(c.uow(), c.clock, ada, (POLICIES / "blip-go.yaml").read_text(),
                                source="blip-go.yaml")  # fmt: skip
        org = services.create_organization(
            c.uow(), c.clock, ada, NewOrganization("Acme", "acme", plan="pro")
        )
        new = NewTicket("Down", "Nothing works", type="incident", organization_id=org.id)
        answered = services.create_ticket(c.uow(), c.clock, ada, new)
        waiting = services.create_ticket(c.uow(), c.clock, ada, new)
        for ticket in (answered, waiting):  # Blip's clocks start when support accepts
            services.accept_ticket(c.uow(), c.clock, ada, ticket.id)
        clock.advance(timedelta(minutes=20))
        services.reply_publicly(c.uow(), c.clock, ada, answered.id, "Looking")
    finally:
        c.dispose()
    return f"sqlite:///{path}"


def test_table(database: str, tmp_path: Path) -> None:
    done = run("report", "compliance", *PERIOD, "--database-url", database, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SLA compliance" in done.stdout and "Acme" in done.stdout
    line = next(x for x in done.stdout.splitlines() if "first_response" in x)
    # two targets: one met in 20 minutes, one overdue -> 50%, median 20m
    assert "50.0%" in line and "20m" in line


def test_csv_and_json(database: str, tmp_path: Path) -> None:
    done = run("report", "compliance", *PERIOD, "--format", "csv", "--database-url", database,
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    head, *rows = done.stdout.splitlines()
    assert head.startswith("organisation,priority,metric,goal,with_target,met,breached")
    first = next(r.split(",") for r in rows if ",first_response," in r)
    assert first[0] == "Acme" and first[4:7] == ["2", "1", "1"] and first[-2] == "1200"
    out = tmp_path / "r.json"
    done = run("report", "compliance", *PERIOD, "--format", "json", "--output", str(out),
               "--database-url", database, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert data["by"] == ["organisation", "priority"] and data["goals"] is False
    assert data["groups"][0]["key"][0]["label"] == "Acme"


def test_png(database: str, tmp_path: Path) -> None:
    out = tmp_path / "chart.png"
    done = run("report", "compliance", *PERIOD, "--format", "png", "--output", str(out),
               "--database-url", database, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000


def test_an_unknown_dimension_is_one_line_on_stderr(database: str, tmp_path: Path) -> None:
    done = run("report", "compliance", "--from", "2026-03-01", "--to", "2026-03-31", "--by",
               "colour", "--database-url", database, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert "unknown dimension 'colour'" in done.stderr and "Traceback" not in done.stderr
