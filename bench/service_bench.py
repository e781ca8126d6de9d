"""The service benchmark: sladesk as people run it, measured from outside.

1. **Ticket creations over HTTP**: a real ``sladesk serve`` process (API + job runner; on
   PostgreSQL ``--workers`` API processes) on a fresh database; ``--clients`` threads POST
   ``/api/v1/tickets`` over loopback keep-alive connections as an agent filing for a contact.
   Reported: creations/s, p50 and p99 latency, and the CPU time the server processes used per
   creation (from ``/proc``), which still reads right on a machine busy with other work. The
   load generator is a few lines of raw HTTP/1.1 over a socket per client thread with the
   request bytes built once: ~0.1 ms of CPU per request, so that on a 2-core machine the
   figure measures the server rather than the client (httpx cost ~1.2 ms per request).
1b. **Creations at a fixed offered rate** (``--only open``): the same requests, sent open loop
   at ``--open-rates`` per second for ``--open-seconds`` whatever the server does (a request
   goes out at its scheduled time on an idle connection, or on a new one when all are busy, as
   browsers and proxies do); latency is measured from the scheduled send time, so a server
   that falls behind shows it. Reported: the 201s and their p50/p99/max, the 503s (load shed,
   with ``Retry-After``) and how fast they came back, anything else, the server's CPU per
   creation, and on PostgreSQL the database's backends: the most at once and how many new
   ones the run started (a pool that opens and closes connections under load churns them).
2. **Sweep**: ``--sweep-open`` open tickets of which ``--sweep-due`` are due (seeded with one
   ``INSERT … SELECT`` each); the time for the sweep to record every due milestone, in
   batches of 500, each batch one transaction (what the runner does).
3. **Agent queue**: ``--queue-open`` open tickets with SLA projections; ``GET
   /api/v1/tickets?order=time_left&open=true&limit=50`` over HTTP from the real server:
   p50 and p99.

Targets on the 2-core reference machine: >= 300 creations/s with p99 < 100 ms; sweep < 1 s;
queue < 50 ms. Figures go to ``docs/performance.md`` (``## Service``).

    .venv/bin/python bench/service_bench.py                      # both engines, full sizes
    .venv/bin/python bench/service_bench.py --engines sqlite --sweep-open 100000
    .venv/bin/python bench/service_bench.py --only creations --creates 3000 --workers 2
    .venv/bin/python bench/service_bench.py --only open --open-rates 300,600 --workers 2

PostgreSQL: ``SLADESK_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each run creates and drops a database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.jobs.sweep import sweep_due
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewContact,
    NewOrganization,
    create_agent,
    create_api_token,
    create_contact,
    create_organization,
    publish_policy,
)

ROOT = Path(__file__).resolve().parents[1]
SLADESK = Path(sys.executable).with_name("sladesk")
PG_URL = os.environ.get(
    "SLADESK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SYSTEM = Actor.system("bench")

#: 24x7, so that "due" is plain arithmetic; the escalations of a real policy
POLICY = """\
policy: bench
version: "1"
locales: [en]
calendars:
  always: {timezone: UTC, hours: 24x7}
priorities:
  urgent: {label: {en: Urgent}, definition: {en: Down}}
  normal: {label: {en: Normal}, definition: {en: The rest}}
types:
  incident: {label: {en: Incident}, definition: {en: Broken}}
  question: {label: {en: Question}, definition: {en: How}}
channels: [portal, email]
rules:
  - name: all
    targets:
      - metric: first_response
        calendar: always
        durations: {urgent: 1h, normal: 8h}
        warn: ["50%"]
        on_warning: [{notify: "role:lead"}]
        on_breach: [{notify: "role:lead"}, {page: on_call}]
      - metric: resolution
        calendar: always
        durations: {urgent: 4h, normal: 40h}
        warn: ["50%"]
        on_warning: [{notify: assignee}]
"""


# ---------------------------------------------------------------------- databases


@contextmanager
def database(engine: str, tmp: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL database of its own."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"sladesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepared(url: str, now: datetime) -> tuple[Container, int, str, int]:
    """Migrate, publish the policy, create an organisation, a contact, an agent and its
    token. Returns (container, policy version id, agent token, contact id)."""
    clock = FixedClock(now - timedelta(days=30))
    container = bootstrap(Settings(database_url=url), clock=clock, migrate=True)
    uow = container.uow()
    version = publish_policy(uow, clock, SYSTEM, POLICY)
    org = create_organization(uow, clock, SYSTEM, NewOrganization(name="Bench", slug="bench"))
    contact = create_contact(
        uow, clock, SYSTEM, NewContact(organization_id=org.id, email="c@bench.test", name="C")
    )
    agent = create_agent(uow, clock, SYSTEM, NewAgent(email="a@bench.test", name="A", role="admin"))
    token = create_api_token(uow, clock, SYSTEM, agent_id=agent.id, name="bench")
    return container, version.id, token.secret, contact.id


# ---------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    url: str, workers: int = 1, env_extra: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """A real ``sladesk serve`` process (API and job runner) on ``url``: (base URL, pid).
    ``env_extra``: more ``SLADESK_*`` settings for it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLADESK_")}
    env["SLADESK_LOG_LEVEL"] = "WARNING"
    env.update(env_extra or {})
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, read on failure
    more = ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen(
        [str(SLADESK), "serve", "--port", str(port), "--database-url", url, *more],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/v1/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"sladesk serve did not start:\n{output}") from None
                time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by process ``pid`` and every live descendant (the
    API worker processes of ``serve --workers``), from ``/proc/<pid>/stat``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    family, total = [pid], 0.0
    for member in family:  # grows while it is walked: breadth first
        family.extend(children.get(member, ()))
    for member in family:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds(url: str) -> float | None:
    """CPU time used so far by the PostgreSQL backends serving ``url``'s database, when the
    server runs on this machine (its processes are titled ``postgres: … <database> …``);
    None for SQLite, whose work is done inside the server process."""
    if not url.startswith("postgresql"):
        return None
    marker = f" {make_url(url).database} ".encode()
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if not title.startswith(b"postgres:") or marker not in title:
                continue
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def database_backends(url: str) -> set[int]:
    """The pids of the PostgreSQL backends serving ``url``'s database now (from ``/proc``,
    when the server runs on this machine); empty for SQLite."""
    if not url.startswith("postgresql"):
        return set()
    marker = f" {make_url(url).database} ".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"postgres:") and marker in (
                    entry / "cmdline"
                ).read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


class KeepAlive:
    """One HTTP/1.1 keep-alive connection sending one prepared request over and over, and
    reading each answer by its ``Content-Length``. This is all the client the benchmark
    needs, at a fraction of httpx's CPU cost per request."""

    def __init__(self, base: str, request: bytes) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.address = (host, int(port))
        self.request = request
        self.sock: socket.socket | None = None
        self.pending = b""

    def post(self) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.pending = b""
        try:
            self.sock.sendall(self.request)
            data = self.pending
            while (end := data.find(b"\r\n\r\n")) < 0:
                data += self._recv()
            head, rest = data[:end], data[end + 4 :]
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(rest) < length:
                rest += self._recv()
            self.pending = rest[length:]
            if b"\r\nconnection: close" in head.lower():
                self.close()
            return status, rest[:length]
        except BaseException:
            self.close()
            raise

    def _recv(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def post_request(base: str, path: str, token: str, body: dict[str, Any]) -> bytes:
    """The bytes of ``POST path`` with a JSON body and a bearer token, built once."""
    payload = json.dumps(body).encode()
    host = base.removeprefix("http://")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------------- 1. creations


def bench_creations(
    engine: str, tmp: Path, total: int, clients: int, workers: int = 1
) -> dict[str, Any]:
    now = datetime.now(UTC)
    with database(engine, tmp) as url:
        container, _, token, contact_id = prepared(url, now)
        container.dispose()
        with server(url, workers) as (base, pid):
            body = {
                "subject": "The printer is on fire",
                "body": "Please help.",
                "type": "incident",
                "priority": "urgent",
                "requester_id": contact_id,
            }
            request = post_request(base, "/api/v1/tickets", token, body)
            warm = [KeepAlive(base, request) for _ in range(clients)]
            for _ in range(max(20, 10 * workers)):  # every worker process serves a few
                for connection in warm:
                    status, answer = connection.post()
                    if status != 201:
                        raise RuntimeError(f"warm-up: {status} {answer[:300]!r}")
            if json.loads(answer)["requester_id"] != contact_id:
                raise RuntimeError(f"unexpected answer {answer[:300]!r}")
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()

            def client(connection: KeepAlive, n: int) -> None:
                mine: list[float] = []
                for _ in range(n):
                    t0 = time.perf_counter()
                    try:
                        status, answer = connection.post()
                    except OSError as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    mine.append(time.perf_counter() - t0)
                    if status != 201:
                        errors.append(f"{status} {answer[:200]!r}")
                connection.close()
                with lock:
                    latencies.extend(mine)

            threads = [
                threading.Thread(target=client, args=(connection, total // clients))
                for connection in warm
            ]
            load = Path("/proc/loadavg").read_text().split()[0]
            cpu0, own0, db0 = cpu_seconds(pid), time.process_time(), database_cpu_seconds(url)
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            cpu, own = cpu_seconds(pid) - cpu0, time.process_time() - own0
            db1 = database_cpu_seconds(url)
            db = None if db0 is None or db1 is None else db1 - db0
    done = max(len(latencies), 1)
    return {
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "per_second": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "n": len(latencies),
        "server_cpu_ms": cpu / done * 1000,
        "client_cpu_ms": own / done * 1000,
        "database_cpu_ms": None if db is None else db / done * 1000,
        "load": load,
    }


# ---------------------------------------------------------------------- 1b. open loop


async def _open_loop(base: str, request: bytes, rate: float, seconds: float) -> dict[str, Any]:
    """Send ``request`` at ``rate`` per second for ``seconds``, each at its scheduled instant
    whatever came back before; (latency from that instant, status, Retry-After) per request."""
    host, _, port = base.removeprefix("http://").partition(":")
    loop = asyncio.get_running_loop()
    #: connections free for the next request, with when each became free: one idle for
    #: longer than uvicorn's keep-alive (5 s) may be closed under it, so it is not reused
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    answers: list[tuple[float, int, bytes | None]] = []
    errors: list[str] = []
    #: how late each request went out: on a busy machine the client falls behind too, and
    #: what it adds to the latencies is then the client's, not the server's
    late: list[float] = []
    opened = 0
    start = loop.time() + 0.1

    async def one(i: int) -> None:
        nonlocal opened
        scheduled = start + i / rate
        await asyncio.sleep(scheduled - loop.time())
        try:
            while idle and loop.time() - idle[0][2] > 4:
                idle.pop(0)[1].close()
            if idle:
                reader, writer, _ = idle.pop()
            else:
                reader, writer = await asyncio.open_connection(host, int(port))
                opened += 1
            late.append(loop.time() - scheduled)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length, retry, close = int(head[9:12]), 0, None, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"retry-after":
                    retry = value.strip()
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            answers.append((loop.time() - scheduled, status, retry))
            if close:
                writer.close()
            else:
                idle.append((reader, writer, loop.time()))
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(i) for i in range(round(rate * seconds))))
    for _, writer, _ in idle:
        writer.close()
    return {"answers": answers, "errors": errors, "connections": opened, "late": late}


def bench_open_loop(
    engine: str,
    tmp: Path,
    rate: float,
    seconds: float,
    workers: int = 1,
    env_extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Creations offered at ``rate`` per second for ``seconds`` (open loop), on a fresh
    database; the server is warmed up with a short closed loop first."""
    now = datetime.now(UTC)
    with database(engine, tmp) as url:
        container, _, token, contact_id = prepared(url, now)
        container.dispose()
        with server(url, workers, env_extra) as (base, pid):
            body = {
                "subject": "The printer is on fire",
                "body": "Please help.",
                "type": "incident",
                "priority": "urgent",
                "requester_id": contact_id,
            }
            request = post_request(base, "/api/v1/tickets", token, body)
            warm = [KeepAlive(base, request) for _ in range(8)]
            for _ in range(max(20, 10 * workers)):
                for connection in warm:
                    connection.post()
            for connection in warm:
                connection.close()
            backends: set[int] = set()
            peak = [0]
            stop = threading.Event()

            def watch() -> None:
                while not stop.is_set():
                    now_ = database_backends(url)
                    backends.update(now_)
                    peak[0] = max(peak[0], len(now_))
                    time.sleep(0.05)

            before = database_backends(url)
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            cpu0, db0 = cpu_seconds(pid), database_cpu_seconds(url)
            started = time.perf_counter()
            run = asyncio.run(_open_loop(base, request, rate, seconds))
            wall = time.perf_counter() - started
            cpu, db1 = cpu_seconds(pid) - cpu0, database_cpu_seconds(url)
            stop.set()
            watcher.join()
            load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    created = [t for t, status, _ in run["answers"] if status == 201]
    shed = [(t, retry) for t, status, retry in run["answers"] if status == 503]
    other = [status for _, status, _ in run["answers"] if status not in (201, 503)]
    done = max(len(created), 1)
    return {
        "offered": round(rate * seconds),
        "created": len(created),
        "per_second": len(created) / wall,
        "p50_ms": percentile(created, 50) * 1000 if created else float("nan"),
        "p99_ms": percentile(created, 99) * 1000 if created else float("nan"),
        "max_ms": max(created) * 1000 if created else float("nan"),
        "shed": len(shed),
        "shed_p99_ms": percentile([t for t, _ in shed], 99) * 1000 if shed else None,
        "shed_without_retry_after": sum(1 for _, retry in shed if retry is None),
        "other": len(other) + len(run["errors"]),
        "first_other": (run["errors"] or [str(x) for x in other] or [""])[0],
        "connections": run["connections"],
        "client_late_p99_ms": percentile(run["late"], 99) * 1000 if run["late"] else 0.0,
        "server_cpu_ms": cpu / done * 1000,
        "database_cpu_ms": None if db0 is None or db1 is None else (db1 - db0) / done * 1000,
        "backends_peak": peak[0] if engine != "sqlite" else None,
        "backends_started": len(backends - before) if engine != "sqlite" else None,
        "load": f"{load} -> {load_end}",
    }


# ---------------------------------------------------------------------- seeding


def seed_open_tickets(
    container: Container, policy_version: int, n: int, due: int, now: datetime
) -> None:
    """``n`` open tickets, the first ``due`` of them due for the sweep (filed two hours ago,
    never answered: three milestones each); the rest due days from now. One INSERT … SELECT
    per table."""
    created = now - timedelta(hours=2)
    pg = container.engine.dialect.name == "postgresql"
    if pg:
        series = "SELECT g FROM generate_series(1, :n) AS g"
        minutes = "CAST(:now AS timestamptz) + (g % 20000) * interval '1 minute' + interval '1 day'"
        due_at = "CAST(:created AS timestamptz) + interval '1 hour'"
        created_v, now_v = created, now
        false = "false"
    else:
        series = (
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) "
            "SELECT g FROM s"
        )
        minutes = "datetime(:now, '+1 day', '+' || (g % 20000) || ' minutes')"
        due_at = "datetime(:created, '+1 hour')"
        created_v = created.replace(tzinfo=None).isoformat(" ")  # type: ignore[assignment]
        now_v = now.replace(tzinfo=None).isoformat(" ")  # type: ignore[assignment]
        false = "0"
    facts = '{"type": "incident", "priority": "urgent", "channel": "portal"}'
    with container.engine.begin() as conn:
        top = conn.execute(text("SELECT COALESCE(MAX(number), 0) FROM tickets")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO tickets (number, subject, type, priority, status, channel, tags,"
                " attributes, facts, policy_version_id, over_quota, community_answered,"
                " created_at, updated_at, last_seq, sla_state, sla_due_at, next_sla_event_at) "
                f"SELECT :top + g, 'Bench ticket ' || g, 'incident', 'urgent', 'new', 'portal',"
                f" '[]', '{{}}', '{facts}', :pv, {false}, {false}, :created, :created, 1,"
                f" 'running', CASE WHEN g <= :due THEN {due_at} ELSE {minutes} END,"
                f" CASE WHEN g <= :due THEN :created ELSE {minutes} END FROM ({series}) AS q"
            ),
            {"n": n, "due": due, "pv": policy_version, "created": created_v, "now": now_v,
             "top": top},
        )  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, seq, at, kind, actor, data) "
                "SELECT id, 1, :created, 'created', 'contact:1', '{}' FROM tickets "
                "WHERE number > :top AND number <= :top + :due"
            ),
            {"created": created_v, "top": top, "due": due},
        )
        conn.execute(
            text(
                "INSERT INTO sla_projections (ticket_id, metric, cycle, state, priority,"
                " started_at, due_at, used_seconds, left_seconds, next_event_at, evaluated_at,"
                " data) SELECT id, 'first_response', 0, 'running', 'urgent', created_at,"
                " sla_due_at, 0, 3600, next_sla_event_at, created_at,"
                ' \'{"calendar": "always", "target": "1h", "warnings": []}\' FROM tickets'
                " WHERE number > :top"
            ),
            {"top": top},
        )
        conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------------- 2. sweep


def bench_sweep(engine: str, tmp: Path, open_tickets: int, due: int) -> dict[str, float]:
    """The sweep of the due tickets, batch after batch until none is due. Besides the wall
    time: the CPU time of this process (the sweep's Python; PostgreSQL's own work is not in
    it) and the statements sent, which read the same on a machine busy with other work."""
    now = datetime.now(UTC).replace(microsecond=0)
    with database(engine, tmp) as url:
        container, version, _, _ = prepared(url, now)
        t0 = time.perf_counter()
        seed_open_tickets(container, version, open_tickets, due, now)
        seeded = time.perf_counter() - t0
        clock = FixedClock(now)
        uow = container.uow()
        with uow.read_only():
            uow.policies.parsed(version)  # a running worker has the policy parsed already
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        # on every engine: SQLite's writes may go through an engine of their own
        event.listen(Engine, "before_cursor_execute", count)
        t0, cpu0 = time.perf_counter(), time.process_time()
        swept = milestones = batches = 0
        while (report := sweep_due(uow, clock, limit=500)).tickets:
            swept += report.tickets
            milestones += report.warnings + report.breaches
            batches += 1
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        event.remove(Engine, "before_cursor_execute", count)
        container.dispose()
    if swept != due or milestones != 3 * due:
        raise RuntimeError(f"swept {swept} tickets / {milestones} milestones, expected {due}")
    return {"seconds": elapsed, "cpu_seconds": cpu, "statements": statements,
            "batches": batches, "seed_seconds": seeded, "swept": swept}  # fmt: skip


# ---------------------------------------------------------------------- 3. queue


def bench_queue(engine: str, tmp: Path, open_tickets: int, calls: int) -> dict[str, float]:
    now = datetime.now(UTC).replace(microsecond=0)
    with database(engine, tmp) as url:
        container, version, token, _ = prepared(url, now)
        seed_open_tickets(container, version, open_tickets, 0, now)
        container.dispose()
        with server(url) as (base, _):
            latencies = []
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
                params = {"order": "time_left", "open": "true", "limit": "50"}
                for i in range(calls + 5):
                    t0 = time.perf_counter()
                    r = c.get("/api/v1/tickets", params=params)
                    if i >= 5:  # warm-up
                        latencies.append(time.perf_counter() - t0)
                    r.raise_for_status()
                items = r.json().get("items", [])
                if len(items) != 50:
                    raise RuntimeError(f"queue answered {len(items)} items")
    return {
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "mean_ms": statistics.mean(latencies) * 1000,
    }


# ---------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--creates", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=1, help="API processes of the server (PostgreSQL only)"
    )
    parser.add_argument("--sweep-open", type=int, default=1_000_000)
    parser.add_argument("--sweep-due", type=int, default=1000)
    parser.add_argument("--queue-open", type=int, default=100_000)
    parser.add_argument("--queue-calls", type=int, default=200)
    parser.add_argument("--open-rates", default="300", help="offered creations/s, open loop")
    parser.add_argument("--open-seconds", type=float, default=20)
    parser.add_argument(
        "--server-env",
        default="",
        help="more settings for the server, e.g. SLADESK_MAX_IN_FLIGHT=16,SLADESK_POOL_SIZE=4",
    )
    parser.add_argument("--only", default="creations,sweep,queue")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"# sladesk service benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for engine in args.engines.split(","):
            if "creations" in only:
                workers = 1 if engine == "sqlite" else args.workers
                c = bench_creations(engine, tmp, args.creates, args.clients, workers)
                cpu = f"server {c['server_cpu_ms']:.2f} ms"
                if c["database_cpu_ms"] is not None:
                    cpu += f", database {c['database_cpu_ms']:.2f} ms"
                cpu += f", client {c['client_cpu_ms']:.2f} ms"
                print(
                    f"{engine:10} creations over HTTP ({args.clients} clients, {workers} API"
                    f" process{'es' if workers > 1 else ''}, {c['n']:.0f}):"
                    f" {c['per_second']:.0f}/s, p50 {c['p50_ms']:.1f} ms,"
                    f" p99 {c['p99_ms']:.1f} ms; CPU per creation: {cpu}; load {c['load']}"
                    + (f"; {c['errors']} failed, first: {c['first_error']}" if c["errors"] else ""),
                    flush=True,
                )
            if "open" in only:
                workers = 1 if engine == "sqlite" else args.workers
                extra = dict(kv.split("=", 1) for kv in args.server_env.split(",") if kv)
                for rate in (float(r) for r in args.open_rates.split(",")):
                    o = bench_open_loop(engine, tmp, rate, args.open_seconds, workers, extra)
                    cpu = f"server {o['server_cpu_ms']:.2f} ms"
                    if o["database_cpu_ms"] is not None:
                        cpu += f", database {o['database_cpu_ms']:.2f} ms"
                    shed = ""
                    if o["shed"]:
                        shed = (
                            f"; {o['shed']} shed (503, p99 {o['shed_p99_ms']:.1f} ms,"
                            f" {o['shed_without_retry_after']} without Retry-After)"
                        )
                    pg = ""
                    if o["backends_peak"] is not None:
                        pg = (
                            f"; database backends: {o['backends_peak']} at most,"
                            f" {o['backends_started']} started during the run"
                        )
                    print(
                        f"{engine:10} open loop {rate:.0f}/s for {args.open_seconds:.0f} s"
                        f" ({workers} API process{'es' if workers > 1 else ''}"
                        f"{', ' + args.server_env if args.server_env else ''}):"
                        f" {o['created']}/{o['offered']} created ({o['per_second']:.0f}/s),"
                        f" p50 {o['p50_ms']:.1f} ms, p99 {o['p99_ms']:.1f} ms,"
                        f" max {o['max_ms']:.0f} ms{shed}"
                        + (f"; {o['other']} other: {o['first_other']}" if o["other"] else "")
                        + f"; CPU per creation: {cpu}; {o['connections']} client connections"
                        f" (sent p99 {o['client_late_p99_ms']:.1f} ms late)"
                        f"{pg}; load {o['load']}",
                        flush=True,
                    )
            if "sweep" in only:
                s = bench_sweep(engine, tmp, args.sweep_open, args.sweep_due)
                print(
                    f"{engine:10} sweep of {args.sweep_due} due among {args.sweep_open} open:"
                    f" {s['seconds']:.2f} s, CPU {s['cpu_seconds']:.2f} s in this process,"
                    f" {s['statements']:.0f} statements for {s['batches']:.0f} batches and the"
                    f" last look (seeded in {s['seed_seconds']:.0f} s; load"
                    f" {' '.join(f'{x:.2f}' for x in os.getloadavg())})",
                    flush=True,
                )
            if "queue" in only:
                q = bench_queue(engine, tmp, args.queue_open, args.queue_calls)
                print(
                    f"{engine:10} queue top 50 by time left among {args.queue_open} open:"
                    f" p50 {q['p50_ms']:.1f} ms, p99 {q['p99_ms']:.1f} ms",
                    flush=True,
                )


if __name__ == "__main__":
    main()
