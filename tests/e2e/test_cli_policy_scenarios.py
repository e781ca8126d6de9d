"""`sladesk policy explain` and `sladesk policy test`, run as the installed command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BLIP = EXAMPLES / "policies" / "blip-go.yaml"
OUTAGE = EXAMPLES / "scenarios" / "blip-go" / "05-partner-outage-pause.yaml"
SLADESK = Path(sys.executable).parent / "sladesk"


def sladesk(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLADESK), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_explain_json_is_the_contract() -> None:
    done = sladesk("policy", "explain", BLIP, OUTAGE, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["policy"], out["version"], out["rule"]) == ("blip-go", "2026-01", "pro_support")
    res = next(t for t in out["targets"] if t["metric"] == "resolution")
    contract = {
        "metric": "resolution",
        "calendar": "business",
        "target_seconds": 8 * 3600,
        "state": "met",
        "started_at": "2026-03-19T13:20:00Z",
        "due_at": "2026-03-23T17:00:00Z",
        "fulfilled_at": "2026-03-23T16:30:00Z",
        "breached_at": None,
        "used_seconds": 7 * 3600 + 1800,
        "left_seconds": 1800,
        "cycles": [],
    }
    assert {k: res[k] for k in contract} == contract
    assert [s["kind"] for s in res["timeline"]] == ["running", "paused", "running", "stopped"]
    assert res["timeline"][1]["why"] == "status on_hold (partner_outage)"


AIVO = EXAMPLES / "policies" / "aivo.yaml"
PAUSED = EXAMPLES / "scenarios" / "aivo" / "15-paused-due-if-resumed.yaml"


def test_explain_json_gives_a_paused_target_the_deadline_if_resumed_now() -> None:
    done = sladesk("policy", "explain", AIVO, PAUSED, "--json")
    assert done.returncode == 0, done.stderr
    res = next(t for t in json.loads(done.stdout)["targets"] if t["metric"] == "resolution")
    assert (res["state"], res["due_at"]) == ("paused", None)
    assert res["due_if_resumed_at"] == "2026-03-17T19:00:00Z"
    assert (res["used_seconds"], res["left_seconds"]) == (5 * 3600, 40 * 3600)


def test_a_scenario_asserts_due_if_resumed_at(tmp_path: Path) -> None:
    assert sladesk("policy", "test", AIVO, PAUSED).returncode == 0
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        PAUSED.read_text(encoding="utf-8").replace(
            'due_if_resumed_at: "2026-03-17T19:00:00Z"', 'due_if_resumed_at: "2026-03-17T18:00Z"'
        ),
        encoding="utf-8",
    )
    done = sladesk("policy", "test", AIVO, wrong)
    assert done.returncode == 1
    assert (
        "resolution.due_if_resumed_at: expected 2026-03-17T18:00:00Z, got 2026-03-17T19:00:00Z"
        in done.stdout
    )


def test_explain_table_shows_the_timeline_in_utc_and_local_time() -> None:
    done = sladesk("policy", "explain", BLIP, OUTAGE)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "rule pro_support" in text
    assert "paused: status on_hold (partner_outage)" in text
    # Mon 23 Mar 17:00Z is 14:00 in São Paulo (UTC-3).
    assert "2026-03-23 17:00Z (Mon 03-23 14:00 -03)" in text


def test_policy_test_passes_and_fails_with_each_mismatch(tmp_path: Path) -> None:
    good = sladesk("policy", "test", BLIP, *sorted((EXAMPLES / "scenarios/blip-go").glob("*.yaml")))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "FAIL" not in good.stdout
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        OUTAGE.read_text().replace(
            'resolution: {state: met, due_at: "2026-03-23T17:00:00Z"',
            'resolution: {state: breached, due_at: "2026-03-23T14:00:00-03:00"',
        )
    )
    done = sladesk("policy", "test", BLIP, OUTAGE, wrong)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == f"PASS {OUTAGE}"
    assert lines[1] == f"FAIL {wrong}"
    # The due instant is the same instant written with an offset: no mismatch for it.
    assert lines[2:] == ["  resolution.state: expected breached, got met", "1 passed, 1 failed"]


def test_a_bad_scenario_is_one_located_line(tmp_path: Path) -> None:
    bad = tmp_path / "naive.yaml"
    bad.write_text(
        "ticket: {type: incident, priority: urgent, plan: pro}\n"
        "events:\n"
        '  - {at: "2026-03-19T13:00:00", type: created}\n'
        'now: "2026-03-24T00:00:00Z"\n'
    )
    done = sladesk("policy", "explain", BLIP, bad)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"{bad}:3:10: events[0].at: instant '2026-03-19T13:00:00' needs a UTC offset "
        "(e.g. Z or -03:00)"
    )
    assert "Traceback" not in done.stdout + done.stderr
    done = sladesk("policy", "test", BLIP, bad)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith(f"ERROR {bad}: {bad}:3:10: events[0].at")


def test_a_bad_policy_lists_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text(BLIP.read_text().replace("policy: blip-go", "polcy: blip-go"))
    done = sladesk("policy", "explain", bad, OUTAGE)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{bad}:")
    assert "Traceback" not in done.stdout + done.stderr
    missing = sladesk("policy", "test", tmp_path / "none.yaml", OUTAGE)
    assert missing.returncode == 1
    assert "cannot read policy" in missing.stderr
