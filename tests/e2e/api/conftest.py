"""Fixtures for the API suite: a real database (a SQLite file, and PostgreSQL in a schema of
its own), the real app from ``bootstrap`` + ``create_app``, served by uvicorn on loopback.
Every test talks real HTTP (Starlette's TestClient is not used: it warns on httpx).

Every test module runs once per backend (``backend`` is parametrised). PostgreSQL is skipped
with the reason only when it does not answer, and that is a failure when
``SLADESK_REQUIRE_POSTGRES=1`` (CI). The clock is a ``FixedClock`` the tests move.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from live_server import LiveServer

from sladesk.api import create_app
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import FixedClock
from sladesk.store import make_engine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: Tuesday 10 March 2026, 10:00 in Lisbon (WET = UTC): inside Infraspeak's support hours
START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Database:
    backend: str
    url: str
    schema: str | None = None

    def engine(self) -> sa.Engine:
        return make_engine(self.url, search_path=self.schema, pool_size=4)


def _postgres_url() -> str:
    return os.environ.get("SLADESK_TEST_POSTGRES_URL", DEFAULT_PG_URL)


def _postgres_answers(url: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to connect: the reason is reported
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A fresh, empty database for one test module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "sladesk.db"
        yield Database("sqlite", f"sqlite:///{path}")
        return
    url = _postgres_url()
    why = _postgres_answers(url)
    if why is not None:
        if os.environ.get("SLADESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (SLADESK_REQUIRE_POSTGRES=1) but {url}: {why}")
        pytest.skip(f"PostgreSQL does not answer at {url}: {why}")
    schema = f"api_e2e_{secrets.token_hex(4)}"
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Database("postgres", url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def container(database: Database, clock: FixedClock) -> Iterator[Container]:
    settings = Settings(
        database_url=database.url,
        jobs_in_process=False,
        migrate_on_start=True,
    )
    c = bootstrap(settings, clock=clock, engine=database.engine())
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture(scope="module")
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[LiveServer]:
    """The app behind a real uvicorn on a free loopback port."""
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client to the live server, without credentials."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
