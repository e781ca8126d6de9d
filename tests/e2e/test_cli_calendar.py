"""`sladesk calendar check|add|elapsed` run through the real Typer app on real YAML files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sladesk.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"

POLICY = """\
name: test policy
calendars:
  business:
    timezone: America/Argentina/Buenos_Aires
    hours: {mon-fri: ["09:00-18:00"]}
    holidays: {country: AR}
  nights:
    timezone: Europe/Berlin
    hours:
      daily: ["22:00-06:00"]
rules: []
"""

SINGLE = """\
timezone: America/Sao_Paulo
hours:
  mon-fri: ["08:30-13:30", "15:00-18:30"]
special:
  2026-12-24: ["08:30-12:00"]
closures:
  - {from: "2026-03-04T12:00:00-03:00", to: "2026-03-05T10:00:00-03:00"}
"""

BAD = """\
calendars:
  fine:
    timezone: UTC
    hours: 24x7
  support:
    timezone: Europe/Lisbon
    hours:
      mon-fri: ["09:00-21:00"]
      mon: ["22:00-23:00"]
  remote:
    timezone: Mars/Olympus_Mons
    hours: 24x7
  holidays:
    timezone: UTC
    hours: {mon-fri: ["09:00-17:00"]}
    holidays: {country: XX}
  ranges:
    timezone: UTC
    hours:
      tue: ["09:00-17:00", "18:00-2x:00"]
"""


def write(tmp_path: Path, text: str, name: str = "cal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["calendar", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_check_a_policy_file(tmp_path: Path) -> None:
    code, out, _ = run("check", str(write(tmp_path, POLICY)))
    assert code == 0
    assert "2 calendar(s)" in out
    assert "business: America/Argentina/Buenos_Aires; mon-fri 09:00-18:00; holidays AR" in out
    assert "nights: Europe/Berlin; mon-sun 22:00-06:00" in out


def test_check_a_single_spec(tmp_path: Path) -> None:
    code, out, _ = run("check", str(write(tmp_path, SINGLE)))
    assert code == 0
    assert "mon-fri 08:30-13:30,15:00-18:30; 1 special day(s); 1 closure(s)" in out


@pytest.mark.parametrize("policy", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_check_the_example_policies(policy: str) -> None:
    code, out, err = run("check", str(EXAMPLES / policy))
    assert code == 0, err
    assert "OK" in out


def test_check_reports_every_error_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    code, out, err = run("check", str(path))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        f"{path}:9:12: calendars.support.hours.mon: day key 'mon' repeats 'mon', "
        "already given by 'mon-fri'",
        f"{path}:11:15: calendars.remote.timezone: unknown time zone 'Mars/Olympus_Mons'",
        f"{path}:16:25: calendars.holidays.holidays.country: unknown holiday country 'XX'",
        f'{path}:20:28: calendars.ranges.hours.tue[1]: expected a range "HH:MM-HH:MM", '
        "got '18:00-2x:00'",
        f"4 problem(s) in {path}",
    ]
    assert "Traceback" not in out + err


def test_check_refuses_what_is_not_a_calendar_file(tmp_path: Path) -> None:
    code, _, err = run("check", str(write(tmp_path, "rules: []\n")))
    assert code == 1
    assert "not a calendar file" in err
    code, _, err = run("check", str(write(tmp_path, "calendars: [1, 2]\n")))
    assert code == 1
    assert ":1:12: " in err
    code, _, err = run("check", str(tmp_path / "missing.yaml"))
    assert code == 1
    assert err.count("\n") == 1 and "cannot read" in err


def test_check_reports_invalid_yaml_with_its_line(tmp_path: Path) -> None:
    code, _, err = run("check", str(write(tmp_path, "timezone: UTC\nhours: [unclosed\n")))
    assert code == 1
    assert "not valid YAML" in err
    assert err.count("\n") == 1


def test_add_hours_and_business_days(tmp_path: Path) -> None:
    path = str(write(tmp_path, POLICY))
    # Fri 22 May 2026 17:00 -03:00; Mon 25 May is a holiday.
    code, out, _ = run(
        "add", path, "business", "--from", "2026-05-22T17:00:00-03:00", "--duration", "2h"
    )
    assert code == 0
    assert "2026-05-26T13:00:00+00:00 (UTC)" in out
    assert "2026-05-26T10:00:00-03:00 (Tue, -03) [America/Argentina/Buenos_Aires]" in out
    code, out, _ = run("add", path, "business", "--from", "2026-05-22T20:00Z", "--duration", "1bd")
    assert code == 0
    assert "2026-05-26T20:00:00+00:00 (UTC)" in out
    code, out, _ = run(
        "add", path, "nights", "--from", "2026-03-28T22:00+01:00", "--duration", "1h30m"
    )
    assert code == 0
    assert "2026-03-28T22:30:00+00:00 (UTC)" in out
    assert "2026-03-28T23:30:00+01:00 (Sat, CET) [Europe/Berlin]" in out


def test_add_on_a_single_spec_file_accepts_any_name(tmp_path: Path) -> None:
    path = str(write(tmp_path, SINGLE))
    for name in ("-", "whatever"):
        code, out, _ = run(
            "add", path, name, "--from", "2026-01-05T13:00:00-03:00", "--duration", "45m"
        )
        assert code == 0
        assert "2026-01-05T15:15:00-03:00 (Mon, -03) [America/Sao_Paulo]" in out


def test_elapsed(tmp_path: Path) -> None:
    path = str(write(tmp_path, POLICY))
    code, out, _ = run(
        "elapsed", path, "nights", "--from", "2026-10-24T20:00Z", "--to", "2026-10-25T12:00Z"
    )
    assert code == 0
    assert "elapsed   9h00m (32400 s of open time)" in out  # the fall-back night is 9 hours
    assert "2026-10-24T22:00:00+02:00 (Sat, CEST)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--from", "2026-01-05T10:00Z", "--duration", "1h"], "no calendar named 'nope'"),
        (["business", "--from", "2026-01-05T10:00", "--duration", "1h"], "needs a UTC offset"),
        (["business", "--from", "yesterday", "--duration", "1h"], "expected an ISO instant"),
        (
            ["business", "--from", "2026-01-05T10:00Z", "--duration", "1d"],
            "--duration: '1d' is ambiguous",
        ),
        (["business", "--from", "1800-01-05T10:00Z", "--duration", "1h"], "outside the span"),
    ],
)
def test_add_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = run("add", str(write(tmp_path, POLICY)), *args)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in out + err


def test_add_with_a_broken_calendar_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    args = ["remote", "--from", "2026-01-05T10:00Z", "--duration", "1h"]
    code, _, err = run("add", str(path), *args)
    assert code == 1
    assert err == f"error: {path}:11:15: calendars.remote.timezone: unknown time zone " + (
        "'Mars/Olympus_Mons'\n"
    )


def test_windows_lists_the_policys_maintenance_windows() -> None:
    blip = str(EXAMPLES / "blip-go.yaml")
    r = runner.invoke(app, ["calendar", "windows", blip, "--from", "2026-12-07T12:00:00Z",
                            "--days", "2"])  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "maintenance_window (Etc/GMT+3, mon-sun 23:00-05:00):"
    assert "2026-12-07T23:00:00-03:00 (Mon, -03) -> 2026-12-08T05:00:00-03:00" in lines[1]
    assert "[2026-12-08 02:00 - 08:00 UTC]" in lines[1]
    assert len(lines) == 3
    checked = runner.invoke(app, ["calendar", "check", blip])
    assert "maintenance_window (maintenance windows): Etc/GMT+3" in checked.output
    none = runner.invoke(app, ["calendar", "windows", str(EXAMPLES / "aivo.yaml")])
    assert none.exit_code == 1 and "no maintenance calendar declared" in none.output
