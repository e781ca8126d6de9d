"""Fixtures and seeding for the jobs tests: ``jobs_db`` (the shared ``engine`` fixture of
conftest, on a SQLite file and on a PostgreSQL schema of its own, plus the URL and schema a
subprocess needs), ``pg_db`` (PostgreSQL only, for the concurrency test), and due tickets
seeded with bulk inserts, the way a busy help desk would have them after a quiet night.

PostgreSQL comes from ``SLADESK_TEST_POSTGRES_URL`` (default ``127.0.0.1:5432/test``); when
none answers the PostgreSQL cases are skipped with the reason, unless
``SLADESK_REQUIRE_POSTGRES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, text

from sladesk.store import make_engine, upgrade
from sladesk.store._tables import Contact, Organization, PolicyVersion, Ticket, TicketEvent

PG_URL = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

#: a policy on a 24x7 calendar, so the expected instants are plain arithmetic
POLICY = """\
policy: jobs-test
version: "1"
locales: [en]
calendars:
  always: {timezone: UTC, hours: 24x7}
priorities:
  urgent: {label: {en: Urgent}, definition: {en: Down}}
  low: {label: {en: Low}, definition: {en: Anything else}}
types:
  incident: {label: {en: Incident}, definition: {en: Broken}}
channels: [portal]
messages:
  late: {en: "We are late because {reason}."}
rules:
  - name: all
    targets:
      - metric: first_response
        calendar: always
        durations: {urgent: 1h, low: 8h}
        warn: ["50%"]
        on_warning: [{notify: "role:lead"}]
        on_breach: [{notify: "role:lead"}, {webhook: ops}, {tell_customer: late}]
      - metric: resolution
        calendar: always
        durations: {urgent: 4h, low: 40h}
        warn: ["50%"]
        on_warning: [{page: on_call}]
"""

#: per urgent ticket created two hours before NOW and never answered:
#: first_response 50% (+30m) and breach (+1h); resolution 50% (+2h, exactly NOW)
MILESTONES_PER_TICKET = 3
ACTIONS_PER_TICKET = 1 + 3 + 1
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _pg_engine() -> tuple[Engine, str]:
    schema = f"jobs_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: skip (or fail in CI)
        admin.dispose()
        if os.environ.get("SLADESK_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL answers at {PG_URL}: {exc}")
    admin.dispose()
    return make_engine(PG_URL, search_path=schema, pool_size=8), schema


def _drop_schema(schema: str) -> None:
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@dataclass
class Database:
    engine: Engine
    url: str  # for subprocesses
    search_path: str | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


@pytest.fixture
def jobs_db(engine: Engine) -> Database:
    """The shared ``engine`` fixture (conftest: a SQLite file and a private PostgreSQL
    schema, migrated and empty), with what a subprocess needs to reach the same database."""
    search_path: str | None = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            search_path = str(conn.execute(text("SHOW search_path")).scalar_one()).strip('"')
    url = engine.url.render_as_string(hide_password=False)
    return Database(engine, url, search_path)


@pytest.fixture
def pg_db() -> Iterator[Database]:
    """PostgreSQL only (the concurrency tests)."""
    engine, schema = _pg_engine()
    try:
        upgrade(engine)
        yield Database(engine, PG_URL, schema)
    finally:
        engine.dispose()
        _drop_schema(schema)


def seed_due_tickets(
    engine: Engine,
    n: int,
    *,
    created_at: datetime = NOW - timedelta(hours=2),
    priority: str = "urgent",
    policy_text: str = POLICY,
    chunk: int = 5000,
) -> list[int]:
    """Insert one published policy and ``n`` unanswered tickets created at ``created_at``,
    each due for the sweep since its creation (as a service would leave it before the first
    warning instant). Bulk inserts: 10,000 tickets take about a second."""
    with engine.begin() as conn:
        policy_id = conn.execute(
            insert(PolicyVersion)
            .values(
                name="jobs-test",
                version="1",
                text=policy_text,
                effective_from=created_at - timedelta(days=1),
                published_by="test",
                current=True,
            )
            .returning(PolicyVersion.id)
        ).scalar_one()
        # one customer files them all: escalations to the requester have someone to go to
        org_id = conn.execute(
            insert(Organization)
            .values(name="Jobs", slug=f"jobs-{secrets.token_hex(4)}", addons=[], locale="pt",
                    time_zone="Europe/Lisbon", created_at=created_at - timedelta(days=1))
            .returning(Organization.id)
        ).scalar_one()  # fmt: skip
        contact_id = conn.execute(
            insert(Contact)
            .values(organization_id=org_id, email=f"c-{secrets.token_hex(4)}@jobs.test",
                    name="C", active=True, created_at=created_at - timedelta(days=1))
            .returning(Contact.id)
        ).scalar_one()  # fmt: skip
        first = int(conn.execute(text("SELECT COALESCE(MAX(number), 0) FROM tickets")).scalar_one())
        ids: list[int] = []
        for start in range(0, n, chunk):
            count = min(chunk, n - start)
            rows = [
                {
                    "number": first + start + i + 1,
                    "subject": f"Printer {start + i} on fire",
                    "type": "incident",
                    "priority": priority,
                    "status": "new",
                    "channel": "portal",
                    "organization_id": org_id,
                    "requester_id": contact_id,
                    "tags": [],
                    "attributes": {},
                    "facts": {"type": "incident", "priority": priority, "channel": "portal"},
                    "policy_version_id": policy_id,
                    "over_quota": False,
                    "community_answered": False,
                    "created_at": created_at,
                    "updated_at": created_at,
                    "last_seq": 1,
                    "sla_state": "running",
                    "next_sla_event_at": created_at,
                }
                for i in range(count)
            ]
            new_ids = list(conn.execute(insert(Ticket).returning(Ticket.id), rows).scalars())
            conn.execute(
                insert(TicketEvent),
                [
                    {
                        "ticket_id": tid,
                        "seq": 1,
                        "at": created_at,
                        "kind": "created",
                        "actor": "contact:1",
                        "data": {},
                    }
                    for tid in new_ids
                ],
            )
            ids.extend(new_ids)
    return ids
