"""`sladesk serve` as a real process: it migrates a fresh SQLite file, answers HTTP on a free
loopback port with the job runner beside it, and stops cleanly on SIGTERM. With ``--workers``
it serves the API from several processes on PostgreSQL, and refuses to on SQLite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    NewContact,
    NewOrganization,
    create_api_token,
    create_contact,
    create_organization,
)
from sladesk.store import make_engine

SLADESK = Path(sys.executable).with_name("sladesk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLADESK_")}
    return {**env, **extra}


def wait_for(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"sladesk exited early with {proc.returncode}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_serve_answers_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "sladesk.db"
    port = free_port()
    with subprocess.Popen(
        [str(SLADESK), "serve", "--port", str(port), "--database-url", f"sqlite:///{db}"],
        cwd=tmp_path,
        env=clean_env(SLADESK_LOG_LEVEL="WARNING"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            response = wait_for(f"http://127.0.0.1:{port}/api/v1/health", proc)
            assert response.status_code == 200
            assert db.exists()  # migrated on start
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output


def test_serve_refuses_more_than_one_process_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "sladesk.db"
    done = subprocess.run(
        [str(SLADESK), "serve", "--workers", "2", "--database-url", f"sqlite:///{db}"],
        cwd=tmp_path,
        env=clean_env(SLADESK_LOG_LEVEL="WARNING"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "SQLite is served by one process" in " ".join((done.stdout + done.stderr).split())
    assert not db.exists()  # refused before anything was opened


PG_URL = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A schema of its own on the test PostgreSQL; skipped (or failed in CI) without one."""
    admin = make_engine(PG_URL, pool_size=1)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to connect: skip with the reason (or fail in CI)
        admin.dispose()
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}"
        if os.environ.get("SLADESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"serve_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _api_processes(pid: int) -> list[int]:
    """The children of ``pid`` that serve the API (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.postgres
def test_serve_with_workers_answers_from_several_processes_on_postgres(pg_schema: str) -> None:
    url = f"{PG_URL}?options=-csearch_path%3D{pg_schema}"
    port = free_port()
    with subprocess.Popen(
        [str(SLADESK), "serve", "--workers", "2", "--port", str(port), "--database-url", url],
        env=clean_env(SLADESK_LOG_LEVEL="WARNING"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            base = f"http://127.0.0.1:{port}"
            assert wait_for(f"{base}/api/v1/health", proc).status_code == 200
            assert len(_api_processes(proc.pid)) == 2
            container = bootstrap(Settings(database_url=url), migrate=False)  # migrated by serve
            try:
                system = Actor.system("test")
                uow, clock = container.uow(), container.clock
                org = create_organization(uow, clock, system, NewOrganization("Org", "org"))
                contact = create_contact(
                    uow, clock, system, NewContact(org.id, "c@org.example", "C")
                )
                token = create_api_token(uow, clock, system, contact_id=contact.id).secret
            finally:
                container.dispose()
            numbers = set()
            for i in range(8):  # a connection each: the processes take turns accepting them
                r = httpx.post(
                    f"{base}/api/v1/tickets",
                    json={"subject": f"Ticket {i}", "body": "Help"},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                assert r.status_code == 201, r.text
                numbers.add(r.json()["number"])
            assert len(numbers) == 8
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, output
    assert "2 API processes" in output
    assert "Traceback" not in output


CHAT_POLICY = (Path(__file__).parents[2] / "examples" / "policies" / "infraspeak.yaml").read_text()


def _published(url: str) -> None:
    """A migrated database with Infraspeak's policy (calendar ``support``, no ``nights``)."""
    from sladesk.services import NewAgent, Role, create_agent, publish_policy

    container = bootstrap(Settings(database_url=url), migrate=True)
    try:
        uow, clock = container.uow(), container.clock
        admin = create_agent(uow, clock, Actor.system("test"),
                             NewAgent("root@desk.example", "Root", "admin"))  # fmt: skip
        publish_policy(uow, clock, Actor.agent(admin.id, Role.ADMIN), CHAT_POLICY,
                       source="infraspeak.yaml")  # fmt: skip
    finally:
        container.dispose()


@pytest.mark.parametrize(
    ("setting", "value"),
    [("SLADESK_CHAT_CALENDAR", "nights"), ("SLADESK_CHAT_DEDICATED_CALENDAR", "vip_hours")],
)
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_serve_refuses_a_chat_calendar_the_policy_lacks(
    request: pytest.FixtureRequest, tmp_path: Path, engine: str, setting: str, value: str
) -> None:
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'sladesk.db'}"
    else:
        url = f"{PG_URL}?options=-csearch_path%3D{request.getfixturevalue('pg_schema')}"
    _published(url)
    port = free_port()

    def serve(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SLADESK), "serve", "--no-jobs", "--port", str(port), "--database-url", url],
            cwd=tmp_path, env=clean_env(SLADESK_LOG_LEVEL="WARNING", **env),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    done = serve(**{setting: value})
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"error: {setting}: the policy in force (infraspeak-support 2026-01) has no "
        f"calendar {value!r} (it has: support)"
    ], done.stderr
    assert "Traceback" not in done.stdout + done.stderr
