"""`sladesk policy check FILE` end to end: exit codes, the summary, and one line per error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sladesk.cli import app

POLICY = """\
policy: acme-support
version: "2026-03"
locales: [en, es]
binding: false
calendars:
  office:
    timezone: Europe/Lisbon
    hours: {mon-fri: ["09:00-21:00"]}
    holidays: {country: PT}
  always: {timezone: UTC, hours: 24x7}
priorities:
  urgent: {label: {en: Urgent, es: Urgente}, definition: {en: Down, es: Caído}}
  high: {label: {en: High, es: Alta}, definition: {en: Degraded, es: Degradado}}
  normal: {label: {en: Normal, es: Normal}, definition: {en: Other, es: Otro}}
types:
  incident: {label: {en: Incident, es: Incidente}}
  technical_service: {label: {en: Technical service, es: Servicio técnico}, sla: false}
plans:
  pro: {label: {en: Pro, es: Pro}, ticket_quota: 40}
addons:
  vip: {label: {en: VIP, es: VIP}, plans: [pro], details: {price: "1000 EUR/month"}}
rules:
  - name: vip around the clock
    when: {addon: vip, priority: [urgent, high]}
    targets:
      - {metric: first_response, calendar: always, durations: {urgent: 1h, high: 2h}}
  - name: everyone else
    calendar: office
    targets:
      - metric: first_response
        durations: {urgent: 4h, high: 12h, normal: 1bd}
        warn: ["75%"]
      - {metric: resolution, duration: 10bd, pause_on: [pending_customer]}
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_policy_exits_0_with_a_summary(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, POLICY)
    result = runner.invoke(app, ["policy", "check", str(path)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"OK {path}: policy acme-support version 2026-03 (non-binding goals)" in out
    assert "locales: en, es" in out
    for expected in ("office", "Europe/Lisbon", "mon-fri 09:00-21:00", "PT", "24x7"):
        assert expected in out
    assert any("technical_service" in line and "│ no " in line for line in out.splitlines())
    assert any("incident" in line and "│ yes " in line for line in out.splitlines())
    assert "40 tickets/month" in out and "add-on for pro; price: 1000 EUR/month" in out
    rows = [" ".join(line.replace("│", " ").split()) for line in out.splitlines()]
    assert "vip around the clock first_response always 1h 2h -" in rows
    assert "everyone else first_response office 4h 12h 1bd" in rows
    assert "resolution office 10bd 10bd 10bd" in rows
    assert "  everyone else / first_response: warns at 75%" in out
    assert "  everyone else / resolution: pauses on pending_customer" in out
    assert result.stderr == ""


def test_every_error_is_one_line_and_the_exit_code_is_1(runner: CliRunner, tmp_path: Path) -> None:
    text = POLICY.replace('version: "2026-03"', "version: 3").replace("high: 2h}", "hihg: 2h}")
    text = text.replace("pause_on: [pending_customer]", "pause_on: [waiting]")
    path = write(tmp_path, text, "a rather long file name for a policy of some customer.yaml")
    result = runner.invoke(app, ["policy", "check", str(path)], env={"COLUMNS": "60"})
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:2:10: version: expected a version, got the number 3 (quote it: '3')",
        f"{path}:26:82: rules[0].targets[0].durations.hihg: unknown priority 'hihg'; "
        "did you mean 'high'? (known: urgent, high, normal)",
        f"{path}:33:57: rules[1].targets[1].pause_on[0]: unknown status 'waiting' "
        "(known: new, open, pending_customer, on_hold, solved, closed)",
    ]
    assert result.stderr == f"{path}: 3 problems\n"


def test_a_missing_file_is_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["policy", "check", str(missing)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"error: cannot read {missing}: No such file or directory\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_directory_is_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot read {tmp_path}: Is a directory\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "{path}: the policy file is empty (see docs/policies.md for its keys)"),
        (b"a: [b\n", "{path}:2:1: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        (b"policy: caf\xe9\n", "{path}:1: not UTF-8 text (invalid continuation byte)"),
        (b"- just\n- a list\n", "{path}:1:1: expected a policy mapping, got a list"),
        (
            b'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: [*b,*b]\n',
            "{path}:1:4: anchors are not allowed (&a): write the value out",
        ),
    ],
)  # fmt: skip
def test_files_that_are_not_policies(
    runner: CliRunner, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    result = runner.invoke(app, ["policy", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [expected.format(path=path)]
    assert "Traceback" not in result.output
