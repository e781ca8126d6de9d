"""Fixtures for the service and store tests: a real SQLite file and a real PostgreSQL,
fresh per test.

``engine`` is parametrised over both. PostgreSQL comes from ``SLADESK_TEST_POSTGRES_URL``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets its own
schema (``search_path``), dropped afterwards. Without a PostgreSQL the tests are skipped with
the reason, unless ``SLADESK_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewContact,
    NewOrganization,
    create_agent,
    create_contact,
    create_organization,
    publish_policy,
)
from sladesk.store import Caches, UnitOfWork, make_engine, upgrade

PG_URL = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

#: Monday 2025-03-03 10:00 in Lisbon (WET = UTC): inside business hours
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)

POLICY = """\
policy: test-support
version: "1"
locales: [en]
calendars:
  support:
    timezone: Europe/Lisbon
    hours: {mon-fri: ["09:00-18:00"]}
  always: {timezone: UTC, hours: 24x7}
priorities:
  urgent: {label: {en: Urgent}, definition: {en: "Production is down"}}
  high:   {label: {en: High},   definition: {en: "A major function is impaired"}}
  normal: {label: {en: Normal}, definition: {en: "Everything else"}}
default_priority: normal
types:
  incident: {label: {en: Incident}, definition: {en: "Something is broken"}}
  question: {label: {en: Question}, definition: {en: "How do I..."}}
  feature_request:
    label: {en: Feature request}
    definition: {en: "An idea"}
    sla: false
channels: [portal, email, phone, chat]
plans:
  standard: {label: {en: Standard}, ticket_quota: 2}
  premium: {label: {en: Premium}}
  free:
    label: {en: Free}
    support: false
    community_types: [question]
    channels: [portal]
addons:
  vip: {label: {en: VIP}, plans: [premium]}
  integrations_24x7: {label: {en: Integrations 24x7}}
community_url: https://community.example.com/
messages:
  quota_exceeded: {en: "Your plan includes {quota} tickets a month; this one is over it."}
rules:
  - name: support
    when: {type: [incident, question]}
    targets:
      - metric: first_response
        calendar: support
        durations: {urgent: 1h, high: 4h, normal: 8h}
        warn: ["75%"]
        on_breach: [{notify: "role:lead"}]
      - metric: resolution
        calendar: support
        durations: {urgent: 4h, high: 2bd, normal: 5bd}
        pause_on: [pending_customer, "on_hold:partner_outage"]
"""


def _require_pg() -> bool:
    return os.environ.get("SLADESK_REQUIRE_POSTGRES") == "1"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'sladesk.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    admin = make_engine(PG_URL, pool_size=1)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect: skip with the reason (or fail in CI)
        admin.dispose()
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {exc}"
        if _require_pg():
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(PG_URL, search_path=schema, pool_size=25)
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def caches() -> Caches:
    return Caches()


@pytest.fixture
def uow(engine: Engine, caches: Caches) -> UnitOfWork:
    return UnitOfWork(engine, caches)


@dataclass
class Desk:
    """A help desk with people and a published policy."""

    uow: UnitOfWork
    clock: FixedClock
    admin: Actor
    agent: Actor
    lead: Actor
    acme: int  # organisation ids
    globex: int
    free: int
    alice: Actor  # contact of acme (standard plan, quota 2)
    bob: Actor  # contact of globex (premium)
    carol: Actor  # contact of free (community-only for questions)


@pytest.fixture
def desk(uow: UnitOfWork, clock: FixedClock) -> Desk:
    root = Actor.system("test")
    a = create_agent(uow, clock, root, NewAgent("admin@desk.test", "Ada Admin", role="admin"))
    admin = Actor.agent(a.id, "admin", name=a.name)
    ag = create_agent(uow, clock, admin, NewAgent("agent@desk.test", "Al Agent", team="tier1"))
    ld = create_agent(uow, clock, admin, NewAgent("lead@desk.test", "Lee Lead", role="lead"))
    publish_policy(uow, clock, admin, POLICY, source="test.yaml")
    orgs = {}
    for slug, plan in (("acme", "standard"), ("globex", "premium"), ("freeco", "free")):
        orgs[slug] = create_organization(
            uow, clock, admin, NewOrganization(slug.title(), slug, plan=plan, time_zone="UTC")
        ).id
    people = {}
    for name, org in (("alice", "acme"), ("bob", "globex"), ("carol", "freeco")):
        c = create_contact(
            uow, clock, admin, NewContact(orgs[org], f"{name}@{org}.test", name.title())
        )
        people[name] = Actor.contact(c.id, orgs[org], name=c.name)
    return Desk(
        uow=uow,
        clock=clock,
        admin=admin,
        agent=Actor.agent(ag.id, "agent", name=ag.name),
        lead=Actor.agent(ld.id, "lead", name=ld.name),
        acme=orgs["acme"],
        globex=orgs["globex"],
        free=orgs["freeco"],
        alice=people["alice"],
        bob=people["bob"],
        carol=people["carol"],
    )
