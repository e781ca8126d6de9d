"""`sladesk policy backtest DRAFT.yaml` and `sladesk policy explain --ticket N --policy
DRAFT.yaml`, each a real process on a real SQLite file holding Blip Go!'s policy and tickets.

Blip's first response is 45 business minutes on São Paulo hours (09:00-17:00, UTC-3); the
tickets are filed at 07:00 local, before opening, so each clock starts at 09:00 (12:00Z). One
is answered at 09:30 local and one at 09:10: a 20-minute draft breaches exactly the first.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from test_cli_tickets import START, run

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, NewOrganization, NewTicket, Role

BLIP = Path(__file__).resolve().parents[2] / "examples" / "policies" / "blip-go.yaml"


def _desk(path: Path) -> dict[str, int]:
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FixedClock(START))
    try:
        system = Actor.system("tests")
        admin = services.create_agent(
            c.uow(), c.clock, system, NewAgent("ada@desk.example", "Ada Admin", "admin")
        )
        ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        services.publish_policy(c.uow(), c.clock, ada, BLIP.read_text(), source="blip-go.yaml")
        org = services.create_organization(
            c.uow(), c.clock, ada, NewOrganization("Acme", "acme", plan="pro")
        )
        ids = {}
        for name, minutes in (("late", 150), ("early", 130)):  # 09:30 and 09:10 in São Paulo
            c.clock.set(START)
            view = services.create_ticket(
                c.uow(), c.clock, ada,
                NewTicket(f"Bot down ({name})", "No answers", type="incident",
                          priority="high", organization_id=org.id),
            )  # fmt: skip
            c.clock.set(START + timedelta(minutes=minutes))
            services.reply_publicly(c.uow(), c.clock, ada, view.id, "Looking into it")
            ids[name] = view.id
        return ids
    finally:
        c.dispose()


def test_backtest_json_contract_and_explain(tmp_path: Path) -> None:
    db = tmp_path / "blip.db"
    ids = _desk(db)
    url = f"sqlite:///{db}"
    same = tmp_path / "same.yaml"
    same.write_text(BLIP.read_text())
    done = run("policy", "backtest", str(same), "--database-url", url, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["tickets"] == 2 and body["flipped"] == [] and body["shifted"] == []
    first = next(g for g in body["groups"] if g["metric"] == "first_response")
    assert first["current"] == first["draft"] and first["current"]["met"] == 2

    draft = tmp_path / "draft.yaml"
    draft.write_text(BLIP.read_text().replace("duration: 45m", "duration: 20m"))
    done = run("policy", "backtest", str(draft), "--database-url", url, "--json",
               "--by", "priority", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["tickets"] == 2
    assert [
        {k: f[k] for k in ("ticket_id", "metric", "current_state", "draft_state")}
        for f in body["flipped"]
    ] == [
        {"ticket_id": ids["late"], "metric": "first_response",
         "current_state": "met", "draft_state": "breached"},
    ]  # fmt: skip
    assert body["flipped"][0]["draft_due_at"] == "2026-03-10T12:20:00Z"
    high = next(
        g
        for g in body["groups"]
        if g["metric"] == "first_response" and g["group"] == {"priority": "high"}
    )
    assert (high["current"]["compliance"], high["draft"]["compliance"]) == (1.0, 0.5)
    assert high["delta"] == {"met": -1, "breached": 1, "compliance": -0.5}

    table = run("policy", "backtest", str(draft), "--database-url", url, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Outcomes that flip: 1" in table.stdout
    assert f"sladesk policy explain --ticket {ids['late']} --policy {draft}" in table.stdout

    explained = run("policy", "explain", "--ticket", str(ids["late"]), "--policy", str(draft),
                    "--database-url", url, cwd=tmp_path)  # fmt: skip
    assert explained.returncode == 0, explained.stderr
    assert "breached" in explained.stdout and "2026-03-10 12:20Z" in explained.stdout
    in_force = run("policy", "explain", "--ticket", str(ids["late"]), "--json",
                   "--database-url", url, cwd=tmp_path)  # fmt: skip
    assert in_force.returncode == 0, in_force.stderr
    targets = {t["metric"]: t for t in json.loads(in_force.stdout)["targets"]}
    assert targets["first_response"]["state"] == "met"


def test_a_bad_draft_is_located_and_nothing_runs(tmp_path: Path) -> None:
    db = tmp_path / "blip.db"
    _desk(db)
    draft = tmp_path / "draft.yaml"
    draft.write_text(BLIP.read_text().replace("duration: 45m", "duration: soon"))
    done = run("policy", "backtest", str(draft), "--database-url", f"sqlite:///{db}", "--json",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert f"{draft}:" in done.stderr and "duration" in done.stderr
    assert "Traceback" not in done.stderr
    bad_by = run("policy", "backtest", str(BLIP), "--database-url", f"sqlite:///{db}",
                 "--by", "colour", cwd=tmp_path)  # fmt: skip
    assert bad_by.returncode == 1 and "cannot group by colour" in bad_by.stderr


def test_the_demo_draft_halves_every_target_duration() -> None:
    from sladesk.cli.policy_backtest import tightened_draft

    text = (
        "  - metric: x\n"
        "    duration: 45m  # 45m written in the comment stays\n"
        "    durations: {urgent: 1h, high: 4h, normal: 10bd, low: 1bd}\n"
        "    warn: [30m]\n"
    )
    assert tightened_draft(text) == (
        "  - metric: x\n"
        "    duration: 22m  # 45m written in the comment stays\n"
        "    durations: {urgent: 30m, high: 2h, normal: 5bd, low: 1bd}\n"
        "    warn: [30m]\n"
    )
