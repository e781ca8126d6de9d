"""How long one incident action takes over N linked tickets (one transaction each), on a
SQLite file and on PostgreSQL (``SLADESK_TEST_POSTGRES_URL``): pause, one public update,
resume. Each action runs every ticket through the ticket commands (load, decide, evaluate,
apply, audit, outbox), so its cost grows linearly with N; the figure to read is ms per ticket.

    .venv/bin/python bench/incidents_bench.py --tickets 200
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from sladesk import services as s
from sladesk.services import Actor, FixedClock, NewAgent, NewContact, NewOrganization, NewTicket
from sladesk.store import Caches, UnitOfWork, make_engine, upgrade

POLICY = (Path(__file__).resolve().parents[1] / "examples/policies/blip-go.yaml").read_text()
PG = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def run(url: str, n: int, search_path: str | None = None) -> dict[str, float]:
    engine = make_engine(url, search_path=search_path) if search_path else make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(engine, Caches())
    clock = FixedClock(datetime(2026, 12, 7, 13, 0, tzinfo=UTC))  # Monday 10:00 São Paulo
    root = Actor.system("bench")
    a = s.create_agent(uow, clock, root, NewAgent("admin@b.test", "Admin", role="admin"))
    admin = Actor.agent(a.id, "admin", name="Admin")
    s.publish_policy(uow, clock, admin, POLICY, source="blip-go.yaml")
    org = s.create_organization(uow, clock, admin, NewOrganization("Org", "org", plan="pro"))
    c = s.create_contact(uow, clock, admin, NewContact(org.id, "c@org.test", "C"))
    who = Actor.contact(c.id, org.id, name="C")
    ids = [
        s.create_ticket(
            uow, clock, who, NewTicket(f"T{i}", "x", type="incident", priority="urgent")
        ).id  # fmt: skip
        for i in range(n)
    ]
    incident = s.create_incident(uow, clock, admin, kind="partner_outage", title="Outage",
                                 ticket_ids=ids)  # fmt: skip
    out: dict[str, float] = {}
    for name, action in (
        ("pause", lambda: s.pause_incident(uow, clock, admin, incident.incident.id)),
        ("update", lambda: s.post_incident_update(uow, clock, admin, incident.incident.id, "Hi")),
        ("resume", lambda: s.resume_incident(uow, clock, admin, incident.incident.id)),
    ):
        t0 = time.perf_counter()
        done = action()
        out[name] = time.perf_counter() - t0
        assert len(done.changed) == n, (name, len(done.changed))
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200)
    n = parser.parse_args().tickets
    with tempfile.TemporaryDirectory() as tmp:
        results = {"sqlite": run(f"sqlite:///{tmp}/bench.db", n)}
    schema = f"b_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG, pool_size=1)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        results["postgresql"] = run(PG, n, search_path=schema)
    except Exception as exc:  # noqa: BLE001 - a bench without PostgreSQL still reports SQLite
        print(f"postgresql: skipped ({type(exc).__name__}: {exc})")
    finally:
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()
    for engine, figures in results.items():
        parts = ", ".join(f"{k} {v * 1000:.0f} ms ({v * 1000 / n:.1f} ms/ticket)"
                          for k, v in figures.items())  # fmt: skip
        print(f"{engine}: {n} linked tickets, one transaction per action: {parts}")


if __name__ == "__main__":
    main()
