"""How fast `sladesk policy backtest` replays stored tickets: read + evaluate twice (the
version in force and the draft) + aggregate, end to end through ``services.backtest_policy``,
on SQLite and PostgreSQL, and its memory as the count grows.

The tickets are bench/sla_bench.py's (seed 20261123, ~22 SLA events each: customer
messages, replies, notes, pauses, re-prioritisations, solves, reopens) stored as sladesk
stores them (history rows, and each ticket row's packed SLA history), under sla_bench's
3-target Buenos Aires policy; the draft tightens every first response by a quarter. Seeded
databases are kept in ``--cache`` (SQLite files; PostgreSQL databases named ``--name`` and
the count) so a second run measures at once.

The comparison is the loop a script would write against the same store without a back-test
command: one ticket at a time (`gateway.load` + `gateway.sla_history`), evaluating under
both policies; it runs on the first ``--naive`` tickets only, and its rate is scaled.

    .venv/bin/python bench/backtest_bench.py                      # 100,000 tickets, both engines
    .venv/bin/python bench/backtest_bench.py --tickets 1000000 --engines postgresql
    .venv/bin/python bench/backtest_bench.py --tickets 20000 --engines sqlite
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sladesk.sla  # noqa: E402
from sla_bench import POLICY, generate  # noqa: E402
from sladesk.bootstrap import Container, bootstrap  # noqa: E402
from sladesk.config import Settings  # noqa: E402
from sladesk.policy import load_policy  # noqa: E402
from sladesk.services import (  # noqa: E402
    Actor,
    FixedClock,
    NewOrganization,
    backtest_policy,
    create_organization,
    publish_policy,
)
from sladesk.sla import evaluate  # noqa: E402
from sladesk.store._codec import pack_history  # noqa: E402
from sladesk.store._tables import (  # noqa: E402  (the bench writes rows directly)
    SlaProjection,
    Ticket,
    TicketEvent,
)
from sladesk.tickets import Scope  # noqa: E402

PG_URL = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SYSTEM = Actor.system("bench")
DRAFT = POLICY.replace("durations: {urgent: 1h, high: 4h, normal: 8h}",
                       "durations: {urgent: 45m, high: 3h, normal: 6h}", 1)  # fmt: skip
NOW = datetime(2027, 1, 1, tzinfo=UTC)
CHUNK = 5_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _url(engine: str, n: int, cache: Path, prefix: str) -> tuple[str, bool]:
    """The database URL for ``n`` tickets, and whether it is already seeded."""
    if engine == "sqlite":
        path = cache / f"{prefix}-{n}.db"
        return f"sqlite:///{path}", path.exists() and path.with_suffix(".done").exists()
    name = f"{prefix}_{n}".replace("-", "_")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            done = False
        else:
            done = True
    admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    if done:
        probe = create_engine(url)
        with probe.connect() as conn:
            done = bool(
                conn.execute(text("SELECT to_regclass('bench_seeded') IS NOT NULL")).scalar()
            )
        probe.dispose()
    return url, done


Rows = list[dict[str, Any]]


def _rows(n: int) -> Iterator[tuple[Rows, Rows, Rows]]:
    """Tickets, their events and their SLA projections (as the desk keeps them: evaluated
    at the end of each history), ``CHUNK`` tickets at a time (ids 1..n)."""
    policy = load_policy(POLICY)
    for first in range(0, n, CHUNK):
        count = min(CHUNK, n - first)
        tickets, events, projections = [], [], []
        for i, (facts, history, _now) in enumerate(generate(count, seed=20261123 + first)):
            tid = first + i + 1
            created = history[0].at
            tickets.append({
                "id": tid, "number": tid, "subject": f"Bench ticket {tid}", "type": facts.type,
                "priority": facts.priority, "status": "open", "channel": "portal",
                "tags": [], "attributes": {},
                "facts": {"type": facts.type, "priority": facts.priority, "plan": None,
                          "addons": [], "channel": "portal", "organization": "bench",
                          "tags": [], "attributes": {}},
                "policy_version_id": 1, "over_quota": False, "community_answered": False,
                "created_at": created, "updated_at": history[-1].at,
                "last_seq": len(history),
                "sla_history_packed": pack_history((e.kind.value, e.at, _data(e))
                                                   for e in history),
            })  # fmt: skip
            for seq, e in enumerate(history, 1):
                events.append({"ticket_id": tid, "seq": seq, "at": e.at, "kind": e.kind.value,
                               "actor": "bench", "data": _data(e)})  # fmt: skip
            at = history[-1].at
            for t in evaluate(policy, facts, history, at).targets:
                projections.append({
                    "ticket_id": tid, "metric": t.metric, "cycle": 0, "state": t.state.value,
                    "priority": t.priority, "started_at": t.started_at, "due_at": t.due_at,
                    "fulfilled_at": t.fulfilled_at, "breached_at": t.breached_at,
                    "used_seconds": t.used.total_seconds(), "left_seconds": None,
                    "next_event_at": None, "evaluated_at": at, "data": {},
                })  # fmt: skip
        yield tickets, events, projections


def _data(e: sladesk.sla.Event) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if e.kind.value == "message":
        data = {"author": (e.author.value if e.author else "system"), "public": e.public}
    for name in ("status", "reason", "priority", "type", "assignee"):
        value = getattr(e, name)
        if value is not None:
            data[name] = value
    return data


def seed(container: Container, n: int) -> None:
    """The policy (version 1), and ``n`` tickets with their histories, in chunks."""
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    version = publish_policy(container.uow(), clock, SYSTEM, POLICY)
    assert version.id == 1
    create_organization(container.uow(), clock, SYSTEM, NewOrganization("Bench", "bench"))
    t0 = time.perf_counter()
    done = 0
    for tickets, events, projections in _rows(n):
        with container.engine.begin() as conn:
            conn.execute(insert(Ticket.__table__), tickets)
            conn.execute(insert(TicketEvent.__table__), events)
            conn.execute(insert(SlaProjection.__table__), projections)
        done += len(tickets)
        rate = done / (time.perf_counter() - t0)
        print(f"\r  seeding {done:,}/{n:,} tickets ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    with container.engine.begin() as conn:
        if container.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('tickets_id_seq', :n)"), {"n": n})
            conn.execute(text("CREATE TABLE bench_seeded (n int)"))
        conn.execute(text("ANALYZE"))


def naive(container: Container, limit: int) -> float:
    """Tickets per second of the one-ticket-at-a-time loop (first ``limit`` tickets)."""
    policy, draft = load_policy(POLICY), load_policy(DRAFT)
    uow = container.uow()
    t0 = time.perf_counter()
    with uow.read_only():
        ids = list(
            uow.db.execute(select(text("id")).select_from(text("tickets")).order_by(text("id"))
                           .limit(limit)).scalars()
        )  # fmt: skip
        for tid in ids:
            t = uow.gateway.load(tid, Scope.all_organizations())
            history = uow.gateway.sla_history(tid)
            assert t.facts is not None
            evaluate(policy, t.facts, history, NOW)
            evaluate(draft, t.facts, history, NOW)
    return len(ids) / (time.perf_counter() - t0)


def measure(engine: str, n: int, cache: Path, naive_n: int, prefix: str) -> dict[str, float]:
    url, seeded = _url(engine, n, cache, prefix)
    container = bootstrap(Settings(database_url=url), clock=FixedClock(NOW), migrate=True)
    try:
        if not seeded:
            seed(container, n)
            if engine == "sqlite":
                Path(make_url(url).database or "").with_suffix(".done").touch()
        rss0 = _rss_mb()
        gc.disable()  # as `sladesk policy backtest` runs it
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = backtest_policy(container.uow(), container.clock, SYSTEM, DRAFT,
                                 by=("priority",))  # fmt: skip
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        cpu1, t1 = time.process_time(), time.perf_counter()
        both = backtest_policy(container.uow(), container.clock, SYSTEM, DRAFT,
                               by=("priority",), reevaluate=True)  # fmt: skip
        wall2, cpu2 = time.perf_counter() - t1, time.process_time() - cpu1
        gc.enable()
        assert both.tickets == n
        assert report.tickets == n, (report.tickets, report.skipped)
        base = naive(container, naive_n)
    finally:
        container.dispose()
    return {
        "tickets": n, "wall": wall, "cpu": cpu, "rate": n / wall, "cpu_rate": n / cpu,
        "both_rate": n / wall2, "both_cpu_rate": n / cpu2,
        "naive_rate": base, "flipped": report.flipped_total, "shifted": report.shifted_total,
        "rss_before": rss0, "rss_after": _rss_mb(),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--naive", type=int, default=5_000, help="tickets for the naive loop")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/sladesk-backtest-bench"))
    parser.add_argument(
        "--name", default="sladesk_backtest",
        help="the seeded databases' name before the count (SQLite file, PostgreSQL database)",
    )  # fmt: skip
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"sladesk.sla compiled: {sladesk.sla.COMPILED}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    print(
        "| engine | tickets | wall s | tickets/s | tickets/s CPU | `--reevaluate` tickets/s "
        "(CPU) | one-by-one tickets/s | ratio | peak RSS MB | flipped | shifted |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for engine in args.engines.split(","):
        r = measure(engine, args.tickets, args.cache, min(args.naive, args.tickets), args.name)
        print(f"| {engine} | {r['tickets']:,} | {r['wall']:.1f} | {r['rate']:,.0f} | "
              f"{r['cpu_rate']:,.0f} | {r['both_rate']:,.0f} ({r['both_cpu_rate']:,.0f}) | "
              f"{r['naive_rate']:,.0f} | "
              f"{r['rate'] / r['naive_rate']:.1f}x | {r['rss_after']:.0f} | "
              f"{r['flipped']:,} | {r['shifted']:,} |", flush=True)  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
