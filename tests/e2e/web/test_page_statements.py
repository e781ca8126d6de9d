"""The statements one request of the console's ticket page and queue sends through the web
application: the session's person check (one SELECT, outside a transaction) and the page's
read model (``tests/integration/test_page_budgets.py`` pins those on both engines). A page
handler that calls one more service for its own read fails here: put the read in the
page's read model instead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from web_world import PASSWORD, LiveServer, World, sign_in

from sladesk.bootstrap import Container

#: the session's person, checked on every request (``services.sign_in.session_person``)
PERSON = 1
#: the read models' budgets, as ``tests/integration/test_page_budgets.py`` pins them
TICKET_PAGE = 13
QUEUE_PAGE = 7


@pytest.fixture
def agent(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, world.agent_email, PASSWORD).status_code == 303
        yield c


def _statements(container: Container, client: httpx.Client, path: str) -> list[str]:
    assert client.get(path).status_code == 200  # warm: the policy parsed and cached
    seen: list[str] = []

    def count(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT")):
            seen.append(" ".join(sql.split())[:120])

    engine: Engine = container.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200
    return seen


def test_the_ticket_page_sends_its_read_model_and_the_person_check(
    container: Container, world: World, agent: httpx.Client
) -> None:
    seen = _statements(container, agent, f"/tickets/{world.tickets_a[0]}")
    assert len(seen) == PERSON + TICKET_PAGE, "\n".join(seen)


@pytest.mark.parametrize("query", ["", "?priority=urgent&type=incident", "?q=printer"])
def test_the_queue_sends_its_read_model_and_the_person_check(
    container: Container, agent: httpx.Client, query: str
) -> None:
    seen = _statements(container, agent, f"/queue{query}")
    extra = 1 if query else 0  # a priority filter is checked; a search reads its matches
    assert len(seen) == PERSON + QUEUE_PAGE + extra, "\n".join(seen)
