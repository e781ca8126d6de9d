"""`/api/v1/incidents` and `/api/v1/maintenance` over real HTTP on SQLite and PostgreSQL: an
agent opens an incident over two customers' tickets, posts one update that lands on both
(the customer reads it on their ticket), pauses and resumes both in one call each (the
ticket's history shows the hold and its reason), and resolves it; the schedule of
maintenance windows is there for a customer; mistakes are problems."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from api_world import POLICY_FILE, World

from sladesk.bootstrap import Container


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _ok(r: httpx.Response, code: int = 200) -> dict:  # type: ignore[type-arg]
    assert r.status_code == code, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_incident_over_http(world: World, http: httpx.Client) -> None:
    agent, contact = world.headers("agent"), world.headers("contact")
    a, b = world.new_ticket_a("Card payments fail"), world.new_ticket_a("Cards again")
    made = _ok(http.post("/api/v1/incidents", headers=agent, json={
        "kind": "partner_outage", "title": "Card processor outage", "ticket_ids": [a],
    }), 201)  # fmt: skip
    iid = made["incident"]["id"]
    linked = _ok(http.post(f"/api/v1/incidents/{iid}/tickets", headers=agent,
                           json={"ticket_ids": [b, a]}))  # fmt: skip
    assert sorted(x["ticket_id"] for x in linked["links"]) == sorted([a, b])
    assert linked["changed"] == [b]
    posted = _ok(http.post(f"/api/v1/incidents/{iid}/updates", headers=agent,
                           json={"body": "The card processor is down; we are on it."}))  # fmt: skip
    assert sorted(posted["changed"]) == sorted([a, b])
    seen = _ok(http.get(f"/api/v1/tickets/{b}", headers=contact))
    assert seen["messages"][-1]["body"] == "The card processor is down; we are on it."
    paused = _ok(http.post(f"/api/v1/incidents/{iid}/pause", headers=agent))
    assert paused["incident"]["paused"] and sorted(paused["changed"]) == sorted([a, b])
    again = http.post(f"/api/v1/incidents/{iid}/pause", headers=agent)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    held = _ok(http.get(f"/api/v1/tickets/{a}", headers=agent))
    assert (held["status"], held["status_reason"]) == ("on_hold", "partner_outage")
    resolved = _ok(http.post(f"/api/v1/incidents/{iid}/resolve", headers=agent,
                             json={"body": "Payments work again."}))  # fmt: skip
    assert resolved["incident"]["status"] == "resolved"
    assert sorted(resolved["changed"]) == sorted([a, b])
    back = _ok(http.get(f"/api/v1/tickets/{a}", headers=agent))
    assert back["status"] == "open" and back["messages"][-1]["body"] == "Payments work again."
    listed = _ok(http.get("/api/v1/incidents", headers=agent, params={"status": "resolved"}))
    assert iid in [i["id"] for i in listed]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "meteor", "title": "x"},
        {"kind": "partner_outage", "title": ""},
        {"kind": "partner_outage", "title": "x", "ticket_ids": [0]},
        {"kind": "partner_outage", "title": "x", "extra": 1},
    ],
)
def test_bad_incidents_are_problems(world: World, http: httpx.Client, body: dict) -> None:  # type: ignore[type-arg]
    r = http.post("/api/v1/incidents", headers=world.headers("agent"), json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_a_customer_reads_the_maintenance_schedule(world: World, http: httpx.Client) -> None:
    c = world.container
    start = c.clock.now() + timedelta(hours=3)
    made = _ok(http.post("/api/v1/maintenance", headers=world.headers("admin"), json={
        "title": "Database upgrade", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }), 201)  # fmt: skip
    got = _ok(http.get("/api/v1/maintenance", headers=world.headers("contact")))
    assert made["key"] in [w["key"] for w in got["windows"]]
    assert got["notice_before"] == "PT24H"  # Infraspeak declares no maintenance: the default
    assert got["banner"]["key"] == made["key"]  # within the default 24 hours' notice
    naive = http.post("/api/v1/maintenance", headers=world.headers("admin"), json={
        "title": "x", "starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-01T11:00:00",
    })  # fmt: skip
    assert naive.status_code == 422
