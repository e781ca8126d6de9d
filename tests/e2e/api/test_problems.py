"""Problem details and the parts of the API that need no data: health, OpenAPI, 401s."""

from __future__ import annotations

import httpx

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
