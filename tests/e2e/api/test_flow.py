"""One help-desk conversation end to end over real HTTP, on each database:

a contact files a ticket (idempotently) -> an agent replies and writes an internal note -> the
contact sees the reply but not the note -> the agent re-prioritises with a reason the contact
sees -> the queue comes back ordered by business time left to breach.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, World
from pydantic import TypeAdapter

from sladesk.bootstrap import Container
from sladesk.services import FixedClock

DURATION = TypeAdapter(timedelta)


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text[:800]
    return r.json()


def test_a_ticket_from_filing_to_the_queue(
    world: World, http: httpx.Client, clock: FixedClock
) -> None:
    contact, agent = world.headers("contact"), world.headers("agent")

    # the contact files a ticket; a retry with the same key gets the same ticket
    new = {"subject": "Cannot log in", "body": "Since this morning.", "type": "incident"}
    key = {"Idempotency-Key": f"flow-{world.tag}"}
    created = http.post("/api/v1/tickets", json=new, headers=contact | key)
    filed = _ok(created, 201)
    assert created.headers["location"] == str(http.base_url.join(f"/api/v1/tickets/{filed['id']}"))
    again = _ok(http.post("/api/v1/tickets", json=new, headers=contact | key), 201)
    assert again["id"] == filed["id"]
    ticket = filed["id"]
    assert filed["audience"] == "contact"
    assert "assignee_id" not in filed
    assert filed["priority"] == "medium"  # the policy's default
    targets = {t["metric"]: t for t in filed["sla"]["targets"]}
    assert targets["first_response"]["state"] == "running"
    assert targets["first_response"]["target_text"] == "1bd"
    assert targets["resolution"]["target"] == "PT24H"  # business hours, never "P1D"

    # an agent answers in public and writes an internal note
    clock.advance(timedelta(minutes=30))
    url = f"/api/v1/tickets/{ticket}"
    _ok(http.post(f"{url}/replies", json={"body": "Please try a password reset."}, headers=agent))
    note = f"{world.internal_marker}: account locked by the SSO sync"
    seen_by_agent = _ok(http.post(f"{url}/notes", json={"body": note}, headers=agent))
    assert seen_by_agent["audience"] == "agent"
    assert [m["kind"] for m in seen_by_agent["messages"]] == ["reply", "reply", "note"]
    first = {t["metric"]: t for t in seen_by_agent["sla"]["targets"]}["first_response"]
    assert first["state"] == "met"

    # the contact sees the reply, not the note
    r = http.get(url, headers=contact)
    seen = _ok(r)
    assert world.internal_marker not in r.text
    bodies = [m["body"] for m in seen["messages"]]
    assert bodies == ["Since this morning.", "Please try a password reset."]

    # re-prioritised with a reason the customer sees
    reason = "Your whole team is locked out"
    _ok(http.post(f"{url}/priority", json={"priority": "urgent", "reason": reason}, headers=agent))
    r = http.get(url, headers=contact)
    seen = _ok(r)
    assert seen["priority"] == "urgent"
    assert reason in r.text
    assert any(h["kind"] == "priority" for h in seen["history"]), seen["history"]

    # two more tickets, then the queue ordered by business time left
    for priority in ("low", "high"):
        body = {"subject": f"{priority} one", "body": "…", "type": "incident"}
        body |= {"priority": priority, "requester_id": world.contact_a}
        _ok(http.post("/api/v1/tickets", json=body, headers=agent), 201)
    clock.advance(timedelta(minutes=10))
    page = _ok(http.get("/api/v1/tickets", params={"order": "time_left"}, headers=agent))
    lefts = [
        DURATION.validate_python(row["time_left"]) for row in page["items"] if row["time_left"]
    ]
    assert len(lefts) >= 3
    assert lefts == sorted(lefts)
    order = [row["subject"] for row in page["items"]]
    assert order.index("high one") < order.index("low one")  # 12 business hours < 2bd

    # the contact's queue holds only their organisation's tickets, without agent fields
    mine = _ok(http.get("/api/v1/tickets", params={"order": "time_left"}, headers=contact))
    assert {row["organization_id"] for row in mine["items"]} == {world.org_a}
    assert all("assignee_id" not in row for row in mine["items"])


def test_the_ticket_carries_the_explain_timeline(
    world: World, http: httpx.Client, clock: FixedClock
) -> None:
    ticket = world.new_ticket_a("Timeline please")
    clock.advance(timedelta(minutes=20))
    _ok(
        http.post(
            f"/api/v1/tickets/{ticket}/replies",
            json={"body": "On it."},
            headers=world.headers("agent"),
        )
    )
    seen = _ok(http.get(f"/api/v1/tickets/{ticket}", headers=world.headers("agent")))
    first = {t["metric"]: t for t in seen["sla"]["targets"]}["first_response"]
    assert first["state"] == "met"
    assert first["used"] == "PT20M"
    assert [s["kind"] for s in first["timeline"]][:1] == ["running"], first["timeline"]
