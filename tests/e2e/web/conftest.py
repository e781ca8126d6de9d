"""Fixtures for the web console's tests: a fresh SQLite file per module, the real app (the
API's factory, which mounts the console), a ``FixedClock`` the tests move, and a live server
on loopback. The services below are tested on both engines elsewhere; the console's own
logic is engine-independent, so these run on SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from web_world import LiveServer, World

from sladesk.api import create_app
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import FixedClock

#: Tuesday 10 March 2026, 10:00 in Lisbon: inside Infraspeak's support hours
START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
SECRET = "web-tests-secret-key-0123456789abcdef"


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[Container]:
    path = tmp_path_factory.mktemp("web") / "sladesk.db"
    settings = Settings(database_url=f"sqlite:///{path}", jobs_in_process=False, secret_key=SECRET)
    c = bootstrap(settings, clock=clock, migrate=True)
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container).build()


@pytest.fixture(scope="module")
def server(container: Container, world: World) -> Iterator[LiveServer]:
    with LiveServer(create_app(container)) as live:
        yield live


@pytest.fixture
def browser_client(server: LiveServer) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client, like a browser without JavaScript."""
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as client:
        yield client
