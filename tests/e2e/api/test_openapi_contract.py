"""The OpenAPI document says what the server does (issue 11, item 12): business durations are
signed and fractional and declared by a pattern, not ``format: duration``; a PATCH field the
server refuses as null is not nullable in the document; a 405 lists every method of the path;
a body that is not UTF-8 is a documented 422 on ``body``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, World
from hypothesis import given
from hypothesis import strategies as st

from sladesk.api.schemas.tickets import BUSINESS_TIME_PATTERN, iso_business_duration
from sladesk.bootstrap import Container


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


@pytest.fixture(scope="module")
def spec(http: httpx.Client) -> dict[str, Any]:
    return dict(http.get("/api/openapi.json").json())


def _walk(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        found.append(value)
        for v in value.values():
            found += _walk(v)
    elif isinstance(value, list):
        for v in value:
            found += _walk(v)
    return found


@given(st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)))
def test_every_business_duration_written_matches_the_declared_pattern(value: timedelta) -> None:
    assert re.fullmatch(BUSINESS_TIME_PATTERN, iso_business_duration(value))


def test_durations_are_declared_by_pattern_not_as_rfc3339_durations(spec: dict[str, Any]) -> None:
    assert not [s for s in _walk(spec) if s.get("format") == "duration"]
    left = spec["components"]["schemas"]["SlaTarget"]["properties"]["left"]["anyOf"][0]
    assert left["pattern"] == BUSINESS_TIME_PATTERN
    for example in ("-PT11H35M", "PT24M7.615203S", "PT0S", "PT24H"):
        assert re.fullmatch(left["pattern"], example)


def test_a_breached_ticket_answers_durations_the_document_allows(
    world: World, http: httpx.Client, spec: dict[str, Any]
) -> None:
    clock = world.container.clock
    ticket = world.new_ticket_a("Breached soon")
    clock.advance(timedelta(days=9, minutes=7, seconds=1, microseconds=615203))  # type: ignore[attr-defined]
    try:
        body = http.get(f"/api/v1/tickets/{ticket}", headers=world.headers("agent")).json()
    finally:
        clock.advance(-timedelta(days=9, minutes=7, seconds=1, microseconds=615203))  # type: ignore[attr-defined]
    values = [t[k] for t in body["sla"]["targets"] for k in ("target", "used", "left") if t.get(k)]
    assert any(v.startswith("-") for v in values), values
    assert any("." in v for v in values), values
    for value in values:
        assert re.fullmatch(BUSINESS_TIME_PATTERN, value), value


@pytest.mark.parametrize(
    ("schema", "fields"),
    [
        ("OrganizationUpdate", ("name", "addons", "locale", "time_zone")),
        ("ContactUpdate", ("name", "email", "active", "password")),
        ("AgentUpdate", ("name", "email", "role", "active", "password")),
    ],
)
def test_patch_fields_the_server_refuses_as_null_are_not_nullable(
    schema: str, fields: tuple[str, ...], world: World, http: httpx.Client, spec: dict[str, Any]
) -> None:
    properties = spec["components"]["schemas"][schema]["properties"]
    path = {
        "OrganizationUpdate": f"/api/v1/organizations/{world.org_a}",
        "ContactUpdate": f"/api/v1/contacts/{world.contact_a}",
        "AgentUpdate": f"/api/v1/agents/{world.agent_id}",
    }[schema]
    for name, prop in properties.items():
        nullable = {"type": "null"} in prop.get("anyOf", [])
        assert nullable == (name not in fields), (schema, name, prop)
        r = http.patch(path, json={name: None}, headers=world.headers("admin"))
        if name in fields:
            assert r.status_code == 422, (name, r.text)
            assert r.json()["errors"][0]["path"] == f"body.{name}"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/tickets", "GET, POST"),
        ("PUT", "/api/v1/organizations/1", "GET, PATCH"),
        ("PATCH", "/api/v1/tokens", "GET, POST"),
        ("POST", "/api/v1/health", "GET"),
    ],
)
def test_a_405_lists_every_method_of_the_path(
    method: str, path: str, allowed: str, http: httpx.Client
) -> None:
    r = http.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == allowed
    assert r.json()["type"] == "urn:sladesk:problem:method-not-allowed"


def test_a_body_that_is_not_utf8_is_a_422_on_the_body(
    world: World, http: httpx.Client, spec: dict[str, Any]
) -> None:
    before = world.counts()
    r = http.post(
        "/api/v1/tickets",
        content=b'{"subject": "caf\xe9", "body": "x"}',
        headers={**world.headers("contact"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {"path": "body", "message": "not UTF-8 text (byte 16: invalid continuation byte)"}
    ]
    assert "422" in spec["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert world.counts() == before
