"""The command line's part in web sign-in: `sladesk people set-password`, and `sladesk demo`
printing the console's URL with a demo agent's and a demo customer's e-mail and password that
really sign in."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sladesk import services
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, AuthenticationFailed, NewAgent
from sladesk.services.sign_in import sign_in

SLADESK = Path(sys.executable).with_name("sladesk")
REPO = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLADESK), *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_set_password_lets_a_person_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    c = bootstrap(Settings(database_url=url), migrate=True)
    try:
        services.create_agent(
            c.uow(), c.clock, Actor.system("t"), NewAgent("nora@desk.example", "Nora")
        )
        with pytest.raises(AuthenticationFailed):  # no password yet: no sign-in
            sign_in(c.uow(), c.clock, "nora@desk.example", "")
        done = _run("people", "set-password", "Nora@Desk.example", "--password",
                    "long enough pw", "--database-url", url)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "password set for agent Nora@Desk.example" in done.stdout
        assert sign_in(c.uow(), c.clock, "nora@desk.example", "long enough pw").kind == "agent"
        short = _run("people", "set-password", "nora@desk.example", "--password", "short",
                     "--database-url", url)  # fmt: skip
        assert short.returncode == 1 and "at least 8 characters" in short.stderr
        nobody = _run("people", "set-password", "x@y.example", "--password", "long enough pw",
                      "--database-url", url)  # fmt: skip
        assert nobody.returncode == 1 and "x@y.example" in nobody.stderr
    finally:
        c.dispose()


def test_the_demo_prints_web_accounts_that_sign_in(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    built = _run("demo", "--no-serve", "--weeks", "1", "--database", str(db), "--port", "8123")
    assert built.returncode == 0, built.stderr
    found = re.search(
        r"web console: +http://127\.0\.0\.1:8123/ .*\n"
        r" +agent: +(\S+) +password (\S+)\n"
        r" +customer: +(\S+) +password \S+",
        built.stdout,
    )
    assert found, built.stdout
    agent, password, contact = found.groups()
    admin = re.search(
        r"admin console: +http://127\.0\.0\.1:8123/admin .*\n +admin: +(\S+) +password (\S+)",
        built.stdout,
    )
    assert admin, built.stdout
    c = bootstrap(Settings(database_url=f"sqlite:///{db}"), migrate=False)
    try:
        assert sign_in(c.uow(), c.clock, agent, password).kind == "agent"
        assert sign_in(c.uow(), c.clock, contact, password).kind == "contact"
        signed = sign_in(c.uow(), c.clock, admin.group(1), admin.group(2))
        assert signed.kind == "agent" and signed.actor.is_admin
    finally:
        c.dispose()
