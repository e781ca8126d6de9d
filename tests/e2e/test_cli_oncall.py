"""`sladesk oncall members|override|now|show|pages` on Aivo's policy (weekly rotation handing
over on Mondays 09:00 Buenos Aires time), each a real process on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from test_cli_tickets import run

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, Role

AIVO = Path(__file__).resolve().parents[2] / "examples" / "policies" / "aivo.yaml"
START = datetime(2026, 1, 7, 15, 0, tzinfo=UTC)


def _desk(path: Path) -> list[int]:
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FixedClock(START))
    try:
        system = Actor.system("tests")
        admin = services.create_agent(
            c.uow(), c.clock, system, NewAgent("ada@aivo.example", "Ada Admin", "admin")
        )
        ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        services.publish_policy(c.uow(), c.clock, ada, AIVO.read_text(), source="aivo.yaml")
        return [services.create_agent(c.uow(), c.clock, system,
                                      NewAgent(f"{n.lower()}@aivo.example", n)).id
                for n in ("Uno", "Dos")]  # fmt: skip
    finally:
        c.dispose()


def test_the_roster_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "aivo.db"
    uno, dos = _desk(db)
    url = f"sqlite:///{db}"
    done = run("oncall", "members", "primary", str(uno), str(dos), "--database-url", url,
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Uno" in done.stdout and "Dos" in done.stdout
    # the rotation starts on 2026-01-05 (Uno's week); Monday 12th 09:00 -03 is 12:00 UTC
    before = run("oncall", "now", "--at", "2026-01-12T11:59:59Z", "--database-url", url,
                 cwd=tmp_path)  # fmt: skip
    after = run("oncall", "now", "--at", "2026-01-12T09:00:00-03:00", "--database-url", url,
                cwd=tmp_path)  # fmt: skip
    assert "Uno <uno@aivo.example>" in before.stdout and "(rotation)" in before.stdout
    assert "Dos <dos@aivo.example>" in after.stdout
    over = run("oncall", "override", str(dos), "2026-01-08T00:00:00-03:00",
               "2026-01-09T00:00:00-03:00", "--reason", "swap", "--database-url", url,
               cwd=tmp_path)  # fmt: skip
    assert over.returncode == 0, over.stderr
    at = run("oncall", "now", "--at", "2026-01-08T12:00:00-03:00", "--database-url", url,
             cwd=tmp_path)  # fmt: skip
    assert "Dos" in at.stdout and "(override)" in at.stdout
    show = run("oncall", "show", "--start", "2026-01-07T12:00:00-03:00", "--days", "7",
               "--database-url", url, cwd=tmp_path)  # fmt: skip
    assert show.returncode == 0, show.stderr
    assert "weekly rotation, handoff mon 09:00 America/Argentina/Buenos_Aires" in show.stdout
    assert "Thu 2026-01-08 00:00 -03" in show.stdout and "swap" in show.stdout
    bad = run("oncall", "members", "night", str(uno), "--database-url", url, cwd=tmp_path)
    assert bad.returncode == 2 and "unknown shift 'night'" in bad.stderr
    naive = run("oncall", "now", "--at", "2026-01-08T12:00:00", "--database-url", url,
                cwd=tmp_path)  # fmt: skip
    assert naive.returncode == 2 and "UTC offset" in naive.stderr
    pages = run("oncall", "pages", "--database-url", url, cwd=tmp_path)
    assert pages.returncode == 0, pages.stderr
