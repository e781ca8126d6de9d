"""The request path is not the JSON API's own (issue 10): a second HTTP adapter — here a
stand-in for the web console, which imports ``sladesk.http`` and nothing of ``sladesk.api`` —
builds its router with ``OneHopRoute`` and the same dependencies, authenticates the same
tokens against the same database, and answers a missing or bad token its own way."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from live_server import LiveServer

from sladesk import services as s
from sladesk.bootstrap import Container
from sladesk.http import ActorDep, ClockDep, OneHopRoute, UowDep
from sladesk.services import Actor, AuthenticationFailed, NewAgent


def _console(container: Container) -> FastAPI:
    router = APIRouter(route_class=OneHopRoute)

    @router.get("/me", response_class=PlainTextResponse)
    def me(actor: ActorDep, uow: UowDep, clock: ClockDep) -> str:
        # one service call with the caller, its unit of work and the clock, in one hop
        tickets = s.list_tickets(uow, clock, actor)
        return f"{actor.key} sees {len(tickets)} tickets"

    app = FastAPI()
    app.state.container = container
    app.include_router(router)

    @app.exception_handler(AuthenticationFailed)
    async def to_login(_request: Request, _exc: Exception) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    return app


@pytest.fixture(scope="module")
def console(container: Container) -> Iterator[httpx.Client]:
    with LiveServer(_console(container)) as live, httpx.Client(base_url=live.url) as client:
        yield client


def test_a_second_adapter_authenticates_through_the_shared_path(
    container: Container, console: httpx.Client
) -> None:
    root = Actor.system("test")
    agent = s.create_agent(
        container.uow(), container.clock, root, NewAgent("web@desk.test", "Wen Web", role="admin")
    )
    actor = Actor.agent(agent.id, "admin", name=agent.name)
    token = s.create_api_token(container.uow(), container.clock, actor, agent_id=agent.id)
    answer = console.get("/me", headers={"Authorization": f"Bearer {token.secret}"})
    assert (answer.status_code, answer.text) == (200, f"agent:{agent.id} sees 0 tickets")
    for headers in ({}, {"Authorization": "Bearer sld_nope_nope"}):
        refused = console.get("/me", headers=headers)
        assert (refused.status_code, refused.headers["location"]) == (303, "/login")
