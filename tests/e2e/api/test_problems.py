"""Problem details and the parts of the API that need no data: health, OpenAPI, 401s."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from types import SimpleNamespace

import httpx

from sladesk.config import Settings
from sladesk.http import hop

PROBLEM_JSON = "application/problem+json"


def test_health_needs_no_token(http: httpx.Client) -> None:
    r = http.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_openapi_and_docs_are_served(http: httpx.Client) -> None:
    spec = http.get("/api/openapi.json").json()
    assert "/api/v1/tickets" in spec["paths"]
    assert "bearerToken" in spec["components"]["securitySchemes"]
    assert http.get("/api/docs").status_code == 200


def test_no_token_is_a_401_problem(http: httpx.Client) -> None:
    r = http.get("/api/v1/tickets")
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.headers["www-authenticate"].startswith("Bearer")
    body = r.json()
    assert body["type"] == "urn:sladesk:problem:not-authenticated"
    assert body["status"] == 401
    assert body["instance"] == "/api/v1/tickets"
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()


def test_other_schemes_are_not_tokens(http: httpx.Client) -> None:
    r = http.get("/api/v1/tickets", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM_JSON


def test_unknown_path_and_method_are_problems(http: httpx.Client) -> None:
    r = http.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM_JSON
    r = http.delete("/api/v1/health")
    assert r.status_code == 405
    assert r.json()["status"] == 405


def test_a_bad_token_is_a_401_even_when_the_request_is_invalid_too(http: httpx.Client) -> None:
    """Routes authenticate in the same thread-pool call as they run (OneHopRoute), after
    FastAPI has read the body: an invalid body must still not answer before the token."""
    bad = {"Authorization": "Bearer sld_nosuchtoken_xyz"}
    for method, path, body in [
        ("POST", "/api/v1/tickets", {"subject": "no body field"}),
        ("GET", "/api/v1/tickets/not-a-number", None),
        ("GET", "/api/v1/tickets?limit=0", None),
    ]:
        r = http.request(method, path, json=body, headers=bad)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["type"] == "urn:sladesk:problem:not-authenticated"
        r = http.request(method, path, json=body)  # and without any token
        assert r.status_code == 401, (path, r.text)


def test_one_hop_routes_keep_their_openapi_contract(http: httpx.Client) -> None:
    spec = http.get("/api/openapi.json").json()
    create = spec["paths"]["/api/v1/tickets"]["post"]
    assert create["security"] == [{"bearerToken": []}]
    assert create["operationId"] == "create_ticket_api_v1_tickets_post"
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TicketCreate"
    )
    assert "201" in create["responses"]
    assert create["description"].startswith("File a ticket.")
    queue = spec["paths"]["/api/v1/tickets"]["get"]
    assert {"status", "order", "limit"} <= {p["name"] for p in queue["parameters"]}
    assert "Authorization" not in [p["name"] for p in queue["parameters"]]
    # what the stand-ins take for themselves (the request, the credentials, the container's
    # unit of work, clock and settings) is no parameter of the API
    names = {
        p["name"]
        for path in spec["paths"].values()
        for operation in path.values()
        for p in operation.get("parameters", [])
    }
    assert not {n for n in names if n.startswith("sladesk_") or n in ("uow", "clock", "settings")}


def test_a_route_runs_on_a_route_thread_in_a_copy_of_the_callers_context() -> None:
    """``hop``: what OneHopRoute runs a route with (``loop.run_in_executor`` on the API's
    thread pool), keeping the caller's context variables as Starlette's thread pool did."""
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")

    def route() -> str:
        request_id.set("changed in the route")  # in the copy: the caller keeps its value
        return threading.current_thread().name

    def seen() -> str:
        return request_id.get()

    container = SimpleNamespace(settings=Settings(pool_size=3))

    async def caller() -> tuple[str, str, str]:
        request_id.set("r-1")
        thread = await hop(container, route)  # type: ignore[arg-type]
        return thread, await hop(container, seen), request_id.get()  # type: ignore[arg-type]

    thread, in_route, after = asyncio.run(caller())
    assert thread.startswith("sladesk-api") and thread != threading.current_thread().name
    assert in_route == "r-1"
    assert after == "r-1"
