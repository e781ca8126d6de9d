"""A bad request writes nothing, and says what was wrong as an RFC 9457 problem.

Each case is sent over real HTTP; the rows of tickets, events, messages, SLA projections,
outbox and audit log are counted before and after, and must not move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, RoleName, World

from sladesk.bootstrap import Container


@dataclass(frozen=True)
class Bad:
    role: RoleName
    method: str
    path: Callable[[World], str]
    json: Any
    status: int
    problem: str  # urn:sladesk:problem:<slug>
    error_path: str | None = None  # a field path that must be named in `errors`
    headers: dict[str, str] | None = None


def _tickets(w: World) -> str:
    return "/api/v1/tickets"


def _on_a(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/api/v1/tickets/{w.ticket_a}{suffix}"


GOOD = {"subject": "Fine", "body": "Fine", "type": "incident"}
CASES = {
    "missing body field": Bad(
        "contact", "POST", _tickets, {"subject": "No body"}, 422, "invalid-request", "body.body"
    ),
    "over-long subject": Bad(
        "contact", "POST", _tickets, GOOD | {"subject": "x" * 201}, 422, "invalid-request",
        "body.subject",
    ),
    "unknown field": Bad(
        "contact", "POST", _tickets, GOOD | {"secret": 1}, 422, "invalid-request", "body.secret"
    ),
    "not JSON": Bad("contact", "POST", _tickets, None, 422, "invalid-request"),
    "unknown priority": Bad(
        "contact", "POST", _tickets, GOOD | {"priority": "critical"}, 422, "invalid-request",
        "priority",
    ),
    "unknown type": Bad(
        "agent", "POST", _tickets, GOOD | {"type": "complaint", "requester_id": 1}, 422,
        "invalid-request", "type",
    ),
    "empty idempotency key": Bad(
        "contact", "POST", _tickets, GOOD, 422, "invalid-request", "header.Idempotency-Key",
        headers={"Idempotency-Key": ""},
    ),
    "priority change without reason": Bad(
        "agent", "POST", _on_a("/priority"), {"priority": "urgent"}, 422, "invalid-request",
        "body.reason",
    ),
    "priority change to an unknown level": Bad(
        "agent", "POST", _on_a("/priority"), {"priority": "p0", "reason": "x"}, 422,
        "invalid-request", "priority",
    ),
    "note by a contact": Bad(
        "contact", "POST", _on_a("/notes"), {"body": "let me in"}, 403, "forbidden"
    ),
    "reply on another organisation's ticket": Bad(
        "other_contact", "POST", _on_a("/replies"), {"body": "hello"}, 404, "not-found"
    ),
    "close an unsolved ticket without evidence": Bad(
        "agent", "POST", _on_a("/close"), {}, 422, "ticket-rule", "reason"
    ),
    "status that does not exist": Bad(
        "agent", "POST", _on_a("/status"), {"status": "limbo"}, 422, "invalid-request",
        "body.status"
    ),
    "a change that sets a name to null": Bad(
        "admin", "PATCH", lambda w: f"/api/v1/organizations/{w.org_a}", {"name": None}, 422,
        "invalid-request", "body.name",
    ),
    "a change to a field that never changes": Bad(
        "admin", "PATCH", lambda w: f"/api/v1/organizations/{w.org_a}", {"slug": "new"}, 422,
        "invalid-request", "body.slug",
    ),
    "a change to an unknown time zone": Bad(
        "admin", "PATCH", lambda w: f"/api/v1/organizations/{w.org_a}",
        {"plan": "basic", "time_zone": "Mars/Olympus"}, 422, "invalid-request", "time_zone",
    ),
    "policy that does not validate": Bad(
        "admin", "POST", lambda w: "/api/v1/policies",
        {"text": "policy: broken\nversion: 1\n", "source": "broken.yaml"}, 422, "invalid-policy",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_bad_request_writes_nothing(case: Bad, world: World, http: httpx.Client) -> None:
    before = world.counts()
    headers = world.headers(case.role) | (case.headers or {})
    if case.json is None:
        r = http.request(case.method, case.path(world), content=b"{not json", headers=headers)
    else:
        r = http.request(case.method, case.path(world), json=case.json, headers=headers)
    assert r.status_code == case.status, r.text[:800]
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == f"urn:sladesk:problem:{case.problem}"
    assert problem["status"] == case.status
    assert problem["instance"] == case.path(world)
    if case.error_path is not None:
        paths = [e["path"] for e in problem.get("errors", [])]
        assert case.error_path in paths, problem
    assert world.counts() == before


def test_policy_errors_name_line_column_and_field(world: World, http: httpx.Client) -> None:
    text = POLICY_FILE.read_text(encoding="utf-8").replace(
        "durations: {urgent: 4h, high: 12h, medium: 1bd, low: 2bd}",
        "durations: {urgent: 4h, high: 12h, medium: 1bd, low: soon}",
    )
    before = world.counts()
    r = http.post(
        "/api/v1/policies",
        json={"text": text, "source": "infraspeak.yaml"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert errors, r.json()
    located = [e for e in errors if "durations" in e["path"]]
    assert located, errors
    assert located[0]["line"] is not None and located[0]["column"] is not None
    line = text.splitlines()[located[0]["line"] - 1]
    assert "soon" in line
    assert world.counts() == before


def test_validate_lists_every_problem_and_writes_nothing(world: World, http: httpx.Client) -> None:
    text = POLICY_FILE.read_text(encoding="utf-8").replace(
        "default_priority: medium", "default_priority: meh"
    )
    before = world.counts()
    r = http.post(
        "/api/v1/policies/validate",
        json={"text": text, "source": "infraspeak.yaml"},
        headers=world.headers("agent"),
    )
    check = r.json()
    assert r.status_code == 200, check
    assert check["valid"] is False
    [error] = [e for e in check["errors"] if e["path"] == "default_priority"]
    assert "meh" in text.splitlines()[error["line"] - 1]
    good = http.post(
        "/api/v1/policies/validate",
        json={"text": POLICY_FILE.read_text(encoding="utf-8")},
        headers=world.headers("agent"),
    ).json()
    assert good == {"valid": True, "name": "infraspeak-support", "version": "2026-01", "errors": []}
    assert world.counts() == before


def test_a_change_to_an_email_in_use_is_a_conflict_and_writes_nothing(
    world: World, http: httpx.Client
) -> None:
    before = world.counts()
    r = http.patch(
        f"/api/v1/contacts/{world.contact_a2}",
        json={"name": "Renamed", "email": world.contact_a_email},
        headers=world.headers("admin"),
    )
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"] == "urn:sladesk:problem:conflict"
    assert [e["path"] for e in problem["errors"]] == ["email"]
    assert world.counts() == before
    got = http.get(f"/api/v1/contacts/{world.contact_a2}", headers=world.headers("admin")).json()
    assert got["name"] != "Renamed"
