"""The web console's benchmark: the server time of the pages agents open most.

1. **Queue page**: ``GET /queue`` (the first 50 open tickets by time left to breach, with
   each row's SLA badge, time left and deadline) among ``--open`` open tickets with SLA
   projections, seeded as ``bench/service_bench.py`` seeds them (one ``INSERT … SELECT`` per
   table), a quarter of them past a warning so that the ``warned`` badge has work to do.
2. **Ticket page**: ``GET /tickets/{id}`` of a ticket with ``--messages`` public messages
   (written through the services), its SLA panel and explain timeline.

Both are requested in this process through the real application (the API's factory, which
mounts the console) with httpx's ``ASGITransport``: no socket, so the figure is the server's
time plus ~1 ms of httpx, signed in as an agent through the sign-in form. Reported: p50 and
p99 over ``--calls`` requests after a warm-up, the CPU time of this process per request
(server and client) and, with PostgreSQL on this machine, of its backends serving the
benchmark's database (``+ PostgreSQL n ms``), which read right on a busy machine, and the
SQL statements per page. Target on the
2-core reference machine: p99 < 50 ms. Figures go to ``docs/performance.md`` (``## Web``).

    .venv/bin/python bench/web_bench.py                       # both engines
    .venv/bin/python bench/web_bench.py --engines sqlite --open 10000 --calls 50

PostgreSQL: ``SLADESK_BENCH_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each run creates and drops a database
of its own. Unreachable, it is skipped with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, event, text

from sladesk import services
from sladesk.api import create_app
from sladesk.services import Actor, FixedClock, NewAgent, NewTicket, Role

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_bench import (  # noqa: E402
    PG_URL,
    database,
    database_cpu_seconds,
    percentile,
    prepared,
    seed_open_tickets,
)

PASSWORD = "bench-password-123"
SYSTEM = Actor.system("web-bench")


def seed_warnings(engine: Engine, every: int) -> None:
    """Mark one projection in ``every`` as past its 50% warning (what the sweep records)."""
    with engine.begin() as conn:
        data = '{"calendar": "always", "target": "1h", "warnings": [{"threshold": "50%", "passed": true, "at": null}]}'  # noqa: E501
        conn.execute(
            text("UPDATE sla_projections SET data = :data WHERE ticket_id % :every = 0"),
            {"data": data, "every": every},
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE sla_projections"))


async def measure(
    app: Any, email: str, paths: dict[str, str], calls: int, url: str
) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as client:
        sign_in = await client.get("/")
        token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text)
        assert token is not None
        r = await client.post(
            "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        if r.status_code != 303:
            raise RuntimeError(f"sign-in: {r.status_code} {r.text[:300]}")
        results: dict[str, Any] = {}
        for name, path in paths.items():
            latencies: list[float] = []
            cpu = 0.0
            body = ""
            db_cpu_0 = 0.0
            for i in range(calls + 5):
                if i == 5:  # warm-up done: the database's CPU from here
                    db_cpu_0 = database_cpu_seconds(url) or 0.0
                t0, c0 = time.perf_counter(), time.process_time()
                r = await client.get(path)
                if i >= 5:  # warm-up
                    latencies.append(time.perf_counter() - t0)
                    cpu += time.process_time() - c0
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
                body = r.text
            results[name] = {
                "p50_ms": percentile(latencies, 50) * 1000,
                "p99_ms": percentile(latencies, 99) * 1000,
                "cpu_ms": cpu / max(calls, 1) * 1000,
                "db_cpu_ms": ((database_cpu_seconds(url) or 0.0) - db_cpu_0) / max(calls, 1) * 1000
                if url.startswith("postgresql")
                else None,
                "body": body,
            }
        return results


def bench(engine: str, tmp: Path, open_tickets: int, messages: int, calls: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    with database(engine, tmp) as url:
        container, version, _, contact_id = prepared(url, now)
        clock = container.clock
        assert isinstance(clock, FixedClock)
        email = "agent@bench.test"
        agent = services.create_agent(
            container.uow(), clock, SYSTEM, NewAgent(email, "Agent", "agent", password=PASSWORD)
        )
        clock.set(now - timedelta(hours=1))
        org_id = services.get_contact(container.uow(), clock, SYSTEM, contact_id).organization_id
        contact = Actor.contact(contact_id, org_id)
        ticket = services.create_ticket(
            container.uow(), clock, contact,
            NewTicket("A long conversation", "Message 1", type="incident", priority="normal"),
        )  # fmt: skip
        me = Actor.agent(agent.id, Role.AGENT, name="Agent")
        for i in range(2, messages + 1):
            clock.advance(timedelta(seconds=30))
            if i % 2 == 0:
                services.reply_publicly(container.uow(), clock, me, ticket.id, f"Message {i}")
            else:
                services.reply_publicly(container.uow(), clock, contact, ticket.id, f"Message {i}")
        clock.set(now)
        t0 = time.perf_counter()  # after the services' ticket: the seed numbers on from it
        seed_open_tickets(container, version, open_tickets, 0, now)
        seed_warnings(container.engine, 4)
        seeded = time.perf_counter() - t0
        app = create_app(container)
        paths = {
            "queue": "/queue",
            "ticket": f"/tickets/{ticket.id}",
            # every seeded ticket matches these filters: the worst case for the ordered scan
            "filtered": "/queue?priority=urgent&type=incident&channel=portal&unassigned=1",
            # a few matches ("Bench ticket 4242", 42420...) / every ticket matches ("bench")
            "search_few": "/queue?q=ticket+4242",
            "search_all": "/queue?q=bench",
        }
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        results = asyncio.run(measure(app, email, paths, calls, url))
        load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
        rows = len(re.findall(r'<td><a href="/tickets/\d+">', results["queue"]["body"]))
        if rows != 50:
            raise RuntimeError(f"the queue page shows {rows} rows")
        shown = len(re.findall(r"Message \d+", results["ticket"]["body"]))
        if shown < messages:
            raise RuntimeError(f"the ticket page shows {shown} of {messages} messages")
        if "badge-warned" not in results["queue"]["body"]:
            raise RuntimeError("no warned badge on the queue page")
        for name, least in (("filtered", 50), ("search_few", 1), ("search_all", 50)):
            found = len(re.findall(r'<td><a href="/tickets/\d+">', results[name]["body"]))
            if found < least:
                raise RuntimeError(f"{paths[name]} shows {found} rows, expected {least}+")
        statements = {name: statements_per_request(app, email, p) for name, p in paths.items()}
        container.dispose()
    return {"seeded": seeded, "load": f"{load} -> {load_end}", "statements": statements,
            **results}  # fmt: skip


def statements_per_request(app: Any, email: str, path: str) -> int:
    """The SQL statements one more request of ``path`` sends (sign-in and warm-up excluded)."""
    seen: list[int] = [0]

    def count(*_: object) -> None:
        seen[0] += 1

    async def run() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as c:
            page = await c.get("/")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            await c.post("/sign-in", data={"email": email, "password": PASSWORD,
                                           "csrf_token": token.group(1)})  # fmt: skip
            await c.get(path)
            event.listen(Engine, "before_cursor_execute", count)
            try:
                await c.get(path)
            finally:
                event.remove(Engine, "before_cursor_execute", count)
            return seen[0]

    return asyncio.run(run())


def paths_of(name: str) -> str:
    return {
        "filtered": "/queue?priority=urgent&type=incident&channel=portal&unassigned=1",
        "search_few": "/queue?q=ticket+4242",
        "search_all": "/queue?q=bench",
    }[name]


def db_cpu(result: dict[str, Any]) -> str:
    """`` + database CPU n ms`` (PostgreSQL's backends on this machine), or nothing."""
    return "" if result["db_cpu_ms"] is None else f" + PostgreSQL {result['db_cpu_ms']:.1f} ms"


def postgres_unavailable() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any reason to skip is printed
        return str(exc).splitlines()[0]
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(f"# sladesk web benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as d:
        for engine in args.engines.split(","):
            if engine == "postgresql" and (reason := postgres_unavailable()):
                print(f"{engine:10} skipped: PostgreSQL unreachable at {PG_URL}: {reason}")
                continue
            r = bench(engine, Path(d), args.open, args.messages, args.calls)
            q, t, s = r["queue"], r["ticket"], r["statements"]
            print(
                f"{engine:10} queue page (50 rows among {args.open} open):"
                f" p50 {q['p50_ms']:.1f} ms, p99 {q['p99_ms']:.1f} ms, CPU {q['cpu_ms']:.1f} ms"
                f"{db_cpu(q)}, {s['queue']} statements;"
                f" ticket page ({args.messages} messages): p50 {t['p50_ms']:.1f} ms,"
                f" p99 {t['p99_ms']:.1f} ms, CPU {t['cpu_ms']:.1f} ms{db_cpu(t)},"
                f" {s['ticket']} statements; seeded in {r['seeded']:.0f} s; load {r['load']}",
                flush=True,
            )
            for name in ("filtered", "search_few", "search_all"):
                x = r[name]
                print(
                    f"{engine:10}   {name:10} {paths_of(name):58}"
                    f" p50 {x['p50_ms']:.1f} ms, p99 {x['p99_ms']:.1f} ms,"
                    f" CPU {x['cpu_ms']:.1f} ms{db_cpu(x)}, {s[name]} statements",
                    flush=True,
                )


if __name__ == "__main__":
    main()
