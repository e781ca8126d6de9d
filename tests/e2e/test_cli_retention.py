"""`sladesk retention preview|hold|purge|release|holds` on Blip Go!'s policy (conversations
kept 3 months after closing), each run a real process on a real SQLite file: the preview
names the expired tickets, a hold keeps one, the purge deletes the others' conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select
from test_cli_tickets import run

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, NewOrganization, NewTicket, Role
from sladesk.store._tables import Message

BLIP = Path(__file__).resolve().parents[2] / "examples" / "policies" / "blip-go.yaml"
#: long enough ago for the 3 months to have run out whatever day the test runs
START = datetime(2025, 1, 6, 13, 0, tzinfo=UTC)


def _desk(path: Path) -> list[int]:
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FixedClock(START))
    numbers = []
    try:
        system = Actor.system("tests")
        admin = services.create_agent(
            c.uow(), c.clock, system, NewAgent("ada@desk.example", "Ada Admin", "admin")
        )
        ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        services.publish_policy(c.uow(), c.clock, ada, BLIP.read_text(), source="blip-go")
        org = services.create_organization(
            c.uow(), c.clock, ada, NewOrganization("Loja", "loja", plan="pro", locale="pt")
        )
        for subject in ("Bot fora do ar", "WhatsApp sem mensagens"):
            new = NewTicket(subject, "Nada funciona", type="incident", organization_id=org.id)
            t = services.create_ticket(c.uow(), c.clock, ada, new)
            services.reply_publicly(c.uow(), c.clock, ada, t.id, "Verificando.")
            services.solve_ticket(c.uow(), c.clock, ada, t.id)
            services.close_ticket(c.uow(), c.clock, ada, t.id)
            numbers.append(t.number)
            c.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    finally:
        c.dispose()
    return numbers


def _messages(path: Path) -> int:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(Message)).scalar_one())
    engine.dispose()
    return n


def test_preview_hold_purge_release(tmp_path: Path) -> None:
    path = tmp_path / "blip.db"
    first, second = _desk(path)
    url = ("--database-url", f"sqlite:///{path}")
    preview = run("retention", "preview", *url, cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert "policy blip-go 2026-01" in preview.stdout
    assert "2 tickets to purge, 0 expired but under a legal hold" in preview.stdout
    assert "2025-01-06 13:00 UTC" in preview.stdout and "2025-04-06 13:00 UTC" in preview.stdout

    hold = run("retention", "hold", "--ticket", str(second), "--reason", "Processo 42", *url,
               cwd=tmp_path)  # fmt: skip
    assert hold.returncode == 0, hold.stderr
    assert f"on ticket #{second}: Processo 42" in hold.stdout
    assert f"ticket #{second}" in run("retention", "holds", *url, cwd=tmp_path).stdout
    before = _messages(path)
    purge = run("retention", "purge", *url, cwd=tmp_path)
    assert purge.returncode == 0, purge.stderr
    assert f"#{first} purged: author_names 2, messages 2, subject 1" in purge.stdout
    assert "1 tickets purged; 1 expired tickets kept by a legal hold" in purge.stdout
    assert _messages(path) == before - 2

    release = run("retention", "release", "--ticket", str(second), *url, cwd=tmp_path)
    assert release.returncode == 0 and "1 legal hold(s) cleared" in release.stdout
    again = run("retention", "release", "--ticket", str(second), *url, cwd=tmp_path)
    assert again.returncode == 1 and "legal hold" in again.stderr
    assert "1 tickets to purge" in run("retention", "preview", *url, cwd=tmp_path).stdout
