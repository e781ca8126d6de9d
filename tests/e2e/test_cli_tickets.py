"""`sladesk tickets list|show` as a new user meets them (issue 11, item 14): without a
database one line says so and nothing is created; a filter no ticket can match is refused
with the allowed values; `show` prints the conversation and each target's explain timeline;
`--help` shows defaults and readable placeholders. Each run is a real process."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_cli_serve import SLADESK, clean_env

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, NewOrganization, NewTicket, Role

POLICY = Path(__file__).resolve().parents[2] / "examples" / "policies" / "infraspeak.yaml"
START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def run(*args: str | bytes, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [os.fsencode(SLADESK), *(a if isinstance(a, bytes) else a.encode() for a in args)],
        cwd=cwd,
        env=clean_env(COLUMNS="200", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [("tickets", "list"), ("tickets", "show", "1"), ("tokens", "create", "--agent", "a@b.c")],
)
def test_without_a_database_one_line_says_so_and_nothing_is_created(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    line = _one_line_error(run(*args, cwd=tmp_path))
    assert "no database at ./sladesk.db" in line and "sladesk db upgrade" in line
    assert list(tmp_path.iterdir()) == []  # no empty ./sladesk.db left behind
    missing = tmp_path / "elsewhere.db"
    line = _one_line_error(run(*args, "--database-url", f"sqlite:///{missing}", cwd=tmp_path))
    assert f"no database at {missing}" in line
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_sladesks_tables_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "sladesk.db").write_bytes(b"")
    line = _one_line_error(run("tickets", "list", cwd=tmp_path))
    assert "cannot read the database at sqlite:///./sladesk.db" in line
    assert "sladesk db upgrade" in line


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A SQLite help desk with one ticket: filed, replied to, noted, and a call."""
    path = tmp_path_factory.mktemp("cli") / "desk.db"
    c = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FixedClock(START))
    try:
        system = Actor.system("tests")
        admin = services.create_agent(
            c.uow(), c.clock, system, NewAgent("ada@desk.example", "Ada Admin", "admin")
        )
        ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        services.publish_policy(c.uow(), c.clock, ada, POLICY.read_text(), source="infraspeak")
        org = services.create_organization(
            c.uow(), c.clock, ada, NewOrganization("Acme", "acme", plan="premium")
        )
        ticket = services.create_ticket(
            c.uow(), c.clock, ada,
            NewTicket("Printer on fire", "Smoke everywhere 🔥", type="incident",
                      organization_id=org.id),
        )  # fmt: skip
        services.reply_publicly(c.uow(), c.clock, ada, ticket.id, "Unplug it, please.")
        services.add_internal_note(c.uow(), c.clock, ada, ticket.id, "Old firmware again")
        services.log_call(c.uow(), c.clock, ada, ticket.id, "Agreed: new printer Friday")
    finally:
        c.dispose()
    return path, ticket.id


def test_show_prints_the_conversation_and_each_targets_timeline(
    desk: tuple[Path, int], tmp_path: Path
) -> None:
    path, ticket_id = desk
    done = run("tickets", "show", str(ticket_id), "--database-url", f"sqlite:///{path}",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Conversation" in out
    for text in ("Smoke everywhere 🔥", "Unplug it, please.", "Old firmware again",
                 "Agreed: new printer Friday", "note (internal)"):  # fmt: skip
        assert text in out, (text, out)
    assert "Timeline — first_response" in out
    assert "Timeline — resolution" in out
    assert "stopped" in out and "running" in out


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("--status", "bogus", "one of new, open, pending_customer, on_hold, solved, closed"),
        ("--sla", "late", "one of running, paused, met, breached, none"),
    ],
)
def test_an_unknown_filter_value_is_refused_with_the_allowed_ones(
    desk: tuple[Path, int], tmp_path: Path, option: str, value: str, allowed: str
) -> None:
    path, _ = desk
    line = _one_line_error(
        run(
            "tickets", "list", option, value, "--database-url", f"sqlite:///{path}", cwd=tmp_path
        )  # fmt: skip
    )
    assert f"'{value}'" in line and allowed in line


def test_unstorable_text_on_the_command_line_is_refused(
    desk: tuple[Path, int], tmp_path: Path
) -> None:
    """An argument that is not UTF-8 reaches Python as lone surrogates (surrogateescape):
    it is refused on its option, and nothing is written."""
    path, _ = desk
    url = f"sqlite:///{path}"
    created = run("agents", "create", "x@desk.example", "--name", b"Bad\xffName",
                  "--database-url", url, cwd=tmp_path)  # fmt: skip
    assert created.returncode == 2, created.stdout + created.stderr
    assert "lone surrogate" in created.stderr and "--name" in created.stderr
    listed = run("tickets", "list", "--status", b"\xfe", "--database-url", url, cwd=tmp_path)
    assert "lone surrogate" in _one_line_error(listed)


def test_an_id_past_int64_is_a_usage_error(desk: tuple[Path, int], tmp_path: Path) -> None:
    path, _ = desk
    done = run("tickets", "show", str(2**63), "--database-url", f"sqlite:///{path}",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "ID" in done.stderr


def test_help_shows_defaults_and_placeholders(tmp_path: Path) -> None:
    serve = run("serve", "--help", cwd=tmp_path).stdout
    assert "[default: 127.0.0.1]" in serve and "[default: 8000]" in serve
    for metavar in ("HOST", "PORT", "URL"):
        assert f" {metavar} " in serve, serve
    listed = run("tickets", "list", "--help", cwd=tmp_path).stdout
    assert " STATUS " in listed and " STATE " in listed and "<list[str]>" not in listed
    assert "[default: 50]" in listed
    show = run("tickets", "show", "--help", cwd=tmp_path).stdout
    assert "ID" in show
