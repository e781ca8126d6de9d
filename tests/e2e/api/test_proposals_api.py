"""`/api/v1/proposals` over real HTTP on SQLite and PostgreSQL: a customer proposes, another
organisation's customer sees the proposal but never the proposer's name or organisation,
subscribes once, cannot change the status; support approves with a public comment that
everyone reads, and sees who proposed and follows; the list sorts and filters; a ticket
becomes a proposal."""

from __future__ import annotations

import httpx
import pytest
from api_world import POLICY_FILE, World

from sladesk.bootstrap import Container


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def test_customers_see_each_others_proposals_without_names(
    world: World, http: httpx.Client
) -> None:
    a, b, agent = world.headers("contact"), world.headers("other_contact"), world.headers("agent")
    body = {"title": "Bulk export", "description": "All tickets as CSV"}
    made = http.post("/api/v1/proposals", headers=a, json=body)
    assert made.status_code == 201, made.text
    mine = made.json()
    assert (mine["audience"], mine["proposed_by"], mine["subscribers"]) == ("contact", "Alice A", 1)
    pid = mine["id"]
    theirs = http.get(f"/api/v1/proposals/{pid}", headers=b)
    assert theirs.status_code == 200
    seen = theirs.json()
    assert seen["proposed_by"] is None and not seen["own_organization"]
    assert "organization_name" not in seen and "tickets" not in seen
    assert "Alice" not in theirs.text and world.org_a_marker not in theirs.text
    listed = http.get("/api/v1/proposals", headers=b)
    assert "Alice" not in listed.text and world.org_a_marker not in listed.text
    assert pid in [p["id"] for p in listed.json()]
    # one subscription each
    for _ in range(2):
        sub = http.post(f"/api/v1/proposals/{pid}/subscription", headers=b)
        assert sub.status_code == 200 and sub.json()["subscribers"] == 2
    # a customer cannot change the status
    refused = http.post(f"/api/v1/proposals/{pid}/status", headers=b,
                        json={"status": "planned", "comment": "please"})  # fmt: skip
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    approved = http.post(f"/api/v1/proposals/{pid}/status", headers=agent,
                         json={"status": "planned", "comment": "Approved for Q3"})  # fmt: skip
    assert approved.status_code == 200, approved.text
    staff = approved.json()
    assert staff["audience"] == "staff" and staff["status"] == "planned"
    assert staff["organization_name"] == f"Acme {world.org_a_marker}"
    assert sorted(staff["subscriber_names"]) == ["Alice A", "Bob B"]
    after = http.get(f"/api/v1/proposals/{pid}", headers=b).json()
    assert [(c["status_to"], c["body"]) for c in after["comments"]] == [
        ("planned", "Approved for Q3")
    ]
    bad = http.post(f"/api/v1/proposals/{pid}/status", headers=agent, json={"status": "proposed"})
    assert bad.status_code == 422  # planned cannot go back to proposed
    wrong = http.get("/api/v1/proposals", headers=b, params={"status": "shipped"})
    assert wrong.status_code == 422
    planned = http.get("/api/v1/proposals", headers=b, params={"status": "planned"}).json()
    assert [p["id"] for p in planned] == [pid]
    by_activity = http.get("/api/v1/proposals", headers=b, params={"order": "activity"}).json()
    assert by_activity[0]["id"] == pid


def test_support_turns_a_ticket_into_a_proposal(world: World, http: httpx.Client) -> None:
    agent, b = world.headers("agent"), world.headers("other_contact")
    ticket = world.new_ticket_a("Please add a dark theme")
    made = http.post("/api/v1/proposals/from-ticket", headers=agent, json={"ticket_id": ticket})
    assert made.status_code == 201, made.text
    p = made.json()
    assert p["title"] == "Please add a dark theme" and p["proposed_by"] == "Alice A"
    assert [t["ticket_id"] for t in p["tickets"]] == [ticket]
    again = http.post("/api/v1/proposals/from-ticket", headers=agent, json={"ticket_id": ticket})
    assert again.status_code == 409
    other = http.get(f"/api/v1/proposals/{p['id']}", headers=b).json()
    assert other["proposed_by"] is None and "tickets" not in other
    missing = http.get("/api/v1/proposals/999999", headers=b)
    assert missing.status_code == 404
