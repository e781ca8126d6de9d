"""`sladesk compliance` (a real process on a real SQLite file): the report per metric, and
Infraspeak's non-binding targets (`binding: false`) labelled as goals, never as guarantees;
a binding policy's as SLA targets."""

from __future__ import annotations

from pathlib import Path

from test_cli_tickets import START, run

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, NewOrganization, NewTicket, Role

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"
WINDOW = ("--start", "2026-03-01T00:00:00Z", "--end", "2026-04-01T00:00:00Z")


def _desk(path: Path, policy: str, plan: str) -> None:
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FixedClock(START))
    try:
        system = Actor.system("tests")
        admin = services.create_agent(
            c.uow(), c.clock, system, NewAgent("ada@desk.example", "Ada Admin", "admin")
        )
        ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        text = (POLICIES / policy).read_text()
        services.publish_policy(c.uow(), c.clock, ada, text, source=policy)
        org = services.create_organization(
            c.uow(), c.clock, ada, NewOrganization("Acme", "acme", plan=plan)
        )
        new = NewTicket("Down", "Nothing works", type="incident", organization_id=org.id)
        services.create_ticket(c.uow(), c.clock, ada, new)
    finally:
        c.dispose()


def test_non_binding_targets_are_labelled_goals(tmp_path: Path) -> None:
    path = tmp_path / "infraspeak.db"
    _desk(path, "infraspeak.yaml", "premium")
    done = run("compliance", *WINDOW, "--database-url", f"sqlite:///{path}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 tickets, 0 without an SLA" in done.stdout
    assert "Goals (non-binding: measured, not guaranteed)" in done.stdout
    assert "goals met" in done.stdout and "with goal" in done.stdout
    assert "first_response" in done.stdout and "breached" not in done.stdout


def test_binding_targets_are_labelled_sla_targets(tmp_path: Path) -> None:
    path = tmp_path / "blip.db"
    _desk(path, "blip-go.yaml", "pro")
    done = run("compliance", *WINDOW, "--database-url", f"sqlite:///{path}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SLA targets (binding)" in done.stdout and "compliance" in done.stdout
    assert "goal" not in done.stdout


def test_an_instant_without_an_offset_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    _desk(path, "blip-go.yaml", "pro")
    done = run("compliance", "--start", "2026-03-01T00:00:00", "--end", "2026-04-01T00:00:00Z",
               "--database-url", f"sqlite:///{path}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "give a UTC offset" in done.stderr
