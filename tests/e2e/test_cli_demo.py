"""`sladesk demo --no-serve` builds, for each seed policy, a database whose queue
(`sladesk tickets list`) shows running, paused, warned and breached tickets, and prints the
admin and agent tokens."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from test_cli_serve import SLADESK, clean_env

REPO = Path(__file__).resolve().parents[2]


EVERY_STATE = ("running", "paused", "warned", "breached")


@pytest.mark.parametrize(
    ("policy", "states"),
    [
        ("infraspeak", EVERY_STATE),
        ("blip-go", EVERY_STATE),
        ("aivo", EVERY_STATE),
        # LiveAgent's VIP policy pauses no clock (no pause_on): nothing can be paused
        ("liveagent-vip", ("running", "warned", "breached")),
    ],
)
def test_demo_queue_shows_every_sla_state(
    tmp_path: Path, policy: str, states: tuple[str, ...]
) -> None:
    db = tmp_path / "demo.db"
    env = clean_env(COLUMNS="200")
    built = subprocess.run(
        [str(SLADESK), "demo", "--policy", policy, "--no-serve", "--database", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert re.search(r"admin token \(admin@demo\.sladesk\.test\): sld_\w+", built.stdout)
    listed = subprocess.run(
        [str(SLADESK), "tickets", "list", "--database-url", f"sqlite:///{db}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    for state in states:
        assert f" {state} " in listed.stdout, (state, listed.stdout)
