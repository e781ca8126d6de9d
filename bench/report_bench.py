"""The report benchmark: ``compliance_report`` (docs/reports.md) over a million tickets.

A year of tickets (2026) with two SLA targets each (first response, resolution) in the
stored projections, spread over 200 organisations, 3 priorities, 2 types, 4 channels, 3
teams and 20 agents, with every state (met, breached, running, paused) and fulfilled
targets' business time. The data set is built with one ``INSERT … SELECT`` per table
(``generate_series`` on PostgreSQL, a recursive CTE on SQLite) and **kept between runs**:
a SQLite file under ``--cache`` and a PostgreSQL database named after the size; a run finds
them by a marker row and skips the build (``--rebuild`` forces it).

Measured: the whole use case (one read transaction: zone, goal versions, the aggregate
statement(s), the names), for each grouping in ``--by`` over the whole year, ``--repeat``
times; reported best and median wall time and this process's CPU time. Target: under 2 s on
both engines at 1,000,000 tickets on the 2-core reference machine.

``--methods scan,auto`` runs the SQL scan and the automatic choice (the packed columns of
``report_chunks`` at this size) interleaved; ``--changed N`` rewrites N tickets' projection
rows after the chunks are built, so the report reads them live.

    .venv/bin/python bench/report_bench.py                          # both engines, 1M
    .venv/bin/python bench/report_bench.py --engines sqlite --tickets 100000

PostgreSQL: ``SLADESK_BENCH_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewOrganization,
    compliance_report,
    create_agent,
    create_organization,
    publish_policy,
    refresh_report_chunks,
)

PG_URL = os.environ.get(
    "SLADESK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POLICY = Path(__file__).resolve().parents[1] / "tests" / "integration" / "desk_fixtures.py"
SYSTEM = Actor.system("bench")
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
ORGS, AGENTS = 200, 20
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
BY = ("organisation,priority", "week", "month,priority", "agent", "channel,type")


def _policy_text() -> str:
    """The test desk's policy (Lisbon business hours), read from the fixture module."""
    source = POLICY.read_text(encoding="utf-8")
    start = source.index('POLICY = """\\\n') + len('POLICY = """\\\n')
    return source[start : source.index('"""', start)]


def _marker(container: Container) -> int:
    with container.engine.connect() as conn:
        row = conn.execute(
            text("SELECT value FROM counters WHERE name = 'report_bench_tickets'")
        ).first()
    return int(row[0]) if row else 0


def build(container: Container, n: int) -> float:
    """People, the policy, then ``n`` tickets and ``2n`` projections in four statements."""
    t0 = time.perf_counter()
    clock = FixedClock(datetime(2025, 12, 1, tzinfo=UTC))
    uow = container.uow()
    version = publish_policy(uow, clock, SYSTEM, _policy_text()).id
    for i in range(ORGS):
        plan = ("standard", "premium")[i % 2]
        create_organization(uow, clock, SYSTEM, NewOrganization(f"Org {i:03d}", f"org-{i:03d}",
                                                                plan=plan))  # fmt: skip
    agents = [create_agent(uow, clock, SYSTEM, NewAgent(f"a{i}@bench.test", f"Agent {i:02d}",
                                                       team=f"tier{i % 3 + 1}")).id
              for i in range(AGENTS)]  # fmt: skip
    pg = container.engine.dialect.name == "postgresql"
    if pg:
        series = "SELECT g FROM generate_series(1, :n) AS g"
        created = "TIMESTAMPTZ '2026-01-01 00:00:00+00' + (g * :step) * interval '1 second'"
        plus = "{base} + ({secs}) * interval '1 second'"
        false, json = "false", "JSONB"
    else:
        series = (
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) "
            "SELECT g FROM s"
        )
        created = "strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || (g * :step) || ' seconds')"
        plus = "strftime('%Y-%m-%d %H:%M:%f', {base}, '+' || ({secs}) || ' seconds')"
        false, json = "0", "TEXT"
    step = 365 * 86400 // n
    first_org = 1
    with container.engine.begin() as conn:
        first_org = conn.execute(text("SELECT MIN(id) FROM organizations")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO tickets (number, subject, type, priority, status, channel, tags,"
                " attributes, facts, organization_id, assignee_id, team, policy_version_id,"
                " over_quota, community_answered, created_at, updated_at, last_seq, sla_state)"
                " SELECT g, 'Bench ticket ' || g,"
                " CASE WHEN g % 5 = 0 THEN 'question' ELSE 'incident' END,"
                " CASE g % 3 WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' ELSE 'normal' END,"
                " CASE WHEN g % 10 < 7 THEN 'solved' ELSE 'open' END,"
                " CASE g % 4 WHEN 0 THEN 'portal' WHEN 1 THEN 'email' WHEN 2 THEN 'chat'"
                " ELSE 'phone' END, '[]', '{}',"
                ' CAST(CASE WHEN g % 2 = 0 THEN \'{"plan": "standard"}\''
                ' ELSE \'{"plan": "premium"}\' END AS ' + json + "),"
                f" :org0 + g % {ORGS},"
                f" CASE WHEN g % 11 = 0 THEN NULL ELSE :agent0 + g % {AGENTS} END,"
                " 'tier' || (1 + g % 3), :pv,"
                f" {false}, {false}, {created}, {created}, 1, 'met' FROM ({series}) AS q"
            ),
            {"n": n, "step": step, "org0": first_org, "agent0": agents[0], "pv": version},
        )
        # first response: 70 % met, 15 % breached (answered late), 10 % running, 5 % overdue
        # resolution: 60 % met, 15 % breached, 15 % running, 10 % paused
        for metric, states, used in (
            ("first_response",
             "CASE WHEN id % 20 < 14 THEN 'met' WHEN id % 20 < 17 THEN 'breached'"
             " WHEN id % 20 < 19 THEN 'running' ELSE 'running' END",
             "(id * 7919) % 28800"),
            ("resolution",
             "CASE WHEN id % 20 < 12 THEN 'met' WHEN id % 20 < 15 THEN 'breached'"
             " WHEN id % 20 < 18 THEN 'running' ELSE 'paused' END",
             "(id * 104729) % 432000"),
        ):  # fmt: skip
            due = plus.format(base="created_at", secs="CASE WHEN id % 20 = 19 THEN 3600"
                              " ELSE 86400 * 400 END")  # fmt: skip
            fulfilled = plus.format(base="created_at", secs=used)
            conn.execute(
                text(
                    "INSERT INTO sla_projections (ticket_id, metric, cycle, state, priority,"
                    " started_at, due_at, fulfilled_at, breached_at, used_seconds,"
                    " left_seconds, next_event_at, evaluated_at, data)"
                    f" SELECT id, '{metric}', 0, {states}, priority, created_at, {due},"
                    f" CASE WHEN id % 20 < 17 THEN {fulfilled} END, NULL, {used}, 0, NULL,"
                    f" created_at, '{{}}' FROM tickets"
                )
            )
        conn.execute(
            text("INSERT INTO counters (name, value) VALUES ('report_bench_tickets', :n)"),
            {"n": n},
        )
    with container.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("ANALYZE"))
        if not pg:  # fold the build's write-ahead log into the file: reads skip the WAL
            # the app's writer connection may hold it open: then it folds later
            with contextlib.suppress(OperationalError):
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return time.perf_counter() - t0


def database_url(engine: str, n: int, cache: Path, rebuild: bool) -> str:
    if engine == "sqlite":
        cache.mkdir(parents=True, exist_ok=True)
        path = cache / f"report-{n}.db"
        if rebuild and path.exists():
            path.unlink()
        return f"sqlite:///{path}"
    name = f"sladesk_report_bench_{n}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        query = text("SELECT 1 FROM pg_database WHERE datname = :n")
        found = conn.execute(query, {"n": name}).first() is not None
        if found and rebuild:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            found = False
        if not found:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def rewrite(container: Container, count: int) -> None:
    """Replace the projection rows of ``count`` tickets by the same values with new ids, as
    the gateway does on every change: the chunks see them as changed."""
    columns = (
        "ticket_id, metric, cycle, state, priority, started_at, due_at, fulfilled_at,"
        " breached_at, used_seconds, left_seconds, next_event_at, evaluated_at, data"
    )
    where = "ticket_id > :lo AND ticket_id <= :lo + :n"
    top = _marker(container)
    params = {"lo": max(top - 100_000, 0), "n": count}
    sqlite = container.engine.dialect.name == "sqlite"
    with container.engine.begin() as conn:
        # SQLite hands a deleted top row's id out again: give the new rows ids above every
        # id used so far, as the gateway's rewrites of tickets below the top get
        base = conn.execute(text("SELECT max(id) FROM sla_projections")).scalar_one()
        mark = conn.execute(text("SELECT max(projection_mark) FROM report_chunks")).scalar()
        params["base"] = max(base, mark or 0)
        conn.execute(
            text(
                f"CREATE TEMP TABLE bench_p AS SELECT {columns} FROM sla_projections WHERE {where}"
            ),
            params,
        )
        conn.execute(text(f"DELETE FROM sla_projections WHERE {where}"), params)
        ids, values = ("id, ", ":base + row_number() OVER (), ") if sqlite else ("", "")
        conn.execute(
            text(
                f"INSERT INTO sla_projections ({ids}{columns}) SELECT"
                f" {values}{columns} FROM bench_p"
            ),
            params,
        )
        conn.execute(text("DROP TABLE bench_p"))  # fmt: skip


def measure(
    engine: str,
    n: int,
    cache: Path,
    rebuild: bool,
    repeat: int,
    by: list[str],
    methods: list[str],
    changed: int = 0,
) -> None:
    url = database_url(engine, n, cache, rebuild)
    container = bootstrap(Settings(database_url=url), clock=FixedClock(NOW), migrate=True)
    try:
        have = _marker(container)
        if have != n:
            if have:
                raise SystemExit(f"{url} holds another data set ({have}); use --rebuild")
            print(f"{engine}: building {n:,} tickets ...", flush=True)
            print(f"{engine}: built in {build(container, n):.1f} s", flush=True)
        else:
            print(f"{engine}: {n:,} tickets cached in {url.rsplit('/', 1)[-1]}", flush=True)
        if "scan" not in methods or len(methods) > 1:
            w0, c0 = time.perf_counter(), time.process_time()
            built = refresh_report_chunks(container.uow(), container.clock)
            print(f"{engine}: report chunks: {built} built in {time.perf_counter() - w0:.1f} s"
                  f" (cpu {time.process_time() - c0:.1f} s)", flush=True)  # fmt: skip
        if changed:
            rewrite(container, changed)
            print(f"{engine}: projection rows of {changed:,} tickets rewritten (new ids) since"
                  " the chunks were built: read live", flush=True)  # fmt: skip
        for grouping, method in [(g, m) for g in by for m in methods]:
            walls, cpus = [], []
            report = None
            for _ in range(repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                report = compliance_report(
                    container.uow(),
                    container.clock,
                    SYSTEM,
                    YEAR[0],
                    YEAR[1],
                    grouping,
                    method=method,
                )
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
            assert report is not None
            targets = sum(f.with_target for f in report.totals)
            load = os.getloadavg()[0]
            verdict = "ok" if min(walls) < 2.0 else "OVER 2 s"
            print(
                f"{engine:10} {method:7} by {grouping:22} groups {len(report.groups):5}  targets"
                f" {targets:9,}  best {min(walls):6.2f} s  median {statistics.median(walls):6.2f}"
                f" s  cpu(py) {min(cpus):5.2f} s  load {load:4.1f}  {verdict}",
                flush=True,
            )
    finally:
        container.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--by", default=";".join(BY), help="groupings separated by ';'")
    parser.add_argument("--cache", type=Path, default=Path(".bench-cache"))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--methods", default="auto",
                        help="auto, scan (SQL), columns (packed chunks); comma-separated, run"
                        " interleaved")  # fmt: skip
    parser.add_argument("--changed", type=int, default=0,
                        help="rewrite this many tickets' projection rows after the chunks are"
                        " built (the report reads them live)")  # fmt: skip
    args = parser.parse_args()
    for engine in args.engines.split(","):
        measure(engine, args.tickets, args.cache, args.rebuild, args.repeat,
                args.by.split(";"), args.methods.split(","), args.changed)  # fmt: skip


if __name__ == "__main__":
    main()
