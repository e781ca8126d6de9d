"""What a ticket's answers carry, over real HTTP on each database: every write answers the
same ``sla`` (timeline included) as a read at that instant, a met target keeps the length it
was met under, a paused target says when it would be due if its clock resumed now, and the
first message says who wrote it and for whom."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, World
from pydantic import TypeAdapter

from sladesk.bootstrap import Container
from sladesk.policy import load_policy_file
from sladesk.services import FixedClock

DURATION = TypeAdapter(timedelta)


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text[:800]
    return r.json()


def _targets(ticket: Any) -> dict[str, Any]:
    return {t["metric"]: t for t in ticket["sla"]["targets"]}


def test_every_write_answers_the_sla_a_read_gives(
    world: World, http: httpx.Client, clock: FixedClock
) -> None:
    contact, agent = world.headers("contact"), world.headers("agent")

    def same_as_a_read(answer: Any, headers: dict[str, str]) -> Any:
        read = _ok(http.get(f"/api/v1/tickets/{answer['id']}", headers=headers))
        assert answer["sla"] == read["sla"]
        for t in answer["sla"]["targets"]:
            assert t["state"] == "pending" or t["timeline"], t
        return answer

    new = {"subject": "VPN drops", "body": "Every hour.", "type": "incident", "priority": "high"}
    filed = same_as_a_read(
        _ok(http.post("/api/v1/tickets", json=new, headers=contact), 201), contact
    )
    url = f"/api/v1/tickets/{filed['id']}"
    clock.advance(timedelta(hours=1))
    same_as_a_read(
        _ok(http.post(f"{url}/replies", json={"body": "Looking."}, headers=agent)), agent
    )
    clock.advance(timedelta(minutes=10))
    change = {"priority": "urgent", "reason": "the whole office is offline"}
    raised = same_as_a_read(_ok(http.post(f"{url}/priority", json=change, headers=agent)), agent)
    clock.advance(timedelta(minutes=10))
    paused = {"status": "pending_customer"}
    same_as_a_read(_ok(http.post(f"{url}/status", json=paused, headers=agent)), agent)
    same_as_a_read(
        _ok(http.post(f"{url}/replies", json={"body": "Still."}, headers=contact)), contact
    )

    # met under high (12h) after 1h, then raised to urgent (4h): the met target still says
    # 12h in every field, and 11h left
    first = _targets(raised)["first_response"]
    assert (first["state"], first["priority"]) == ("met", "high")
    assert (first["target"], first["target_text"], first["used"], first["left"]) == (
        "PT12H",
        "12h",
        "PT1H",
        "PT11H",
    )


def test_a_paused_target_says_when_it_would_be_due_if_resumed_now(
    world: World, http: httpx.Client, clock: FixedClock
) -> None:
    agent = world.headers("agent")
    url = f"/api/v1/tickets/{world.new_ticket_a()}"
    clock.advance(timedelta(hours=1))
    answer = _ok(http.post(f"{url}/status", json={"status": "pending_customer"}, headers=agent))
    assert _targets(answer)["resolution"]["state"] == "paused"
    clock.advance(timedelta(hours=30))
    res = _targets(_ok(http.get(url, headers=agent)))["resolution"]
    assert (res["state"], res["due_at"]) == ("paused", None)
    left = DURATION.validate_python(res["left"])
    assert left == DURATION.validate_python(res["target"]) - timedelta(hours=1)
    calendar = load_policy_file(POLICY_FILE).calendars[res["calendar"]]
    assert datetime.fromisoformat(res["due_if_resumed_at"]) == calendar.add(clock.now(), left)

    # resumed: due_at is the deadline, and due_if_resumed_at agrees with it
    answer = _ok(http.post(f"{url}/status", json={"status": "open"}, headers=agent))
    res = _targets(answer)["resolution"]
    assert res["state"] == "running"
    assert res["due_at"] == res["due_if_resumed_at"]
    assert datetime.fromisoformat(res["due_at"]) == calendar.add(clock.now(), left)


def test_a_ticket_an_agent_files_for_a_contact_says_who_wrote_it_and_for_whom(
    world: World, http: httpx.Client
) -> None:
    agent, contact = world.headers("agent"), world.headers("contact")
    new = {"subject": "Called in", "body": "Printer jams.", "requester_id": world.contact_a}
    filed = _ok(http.post("/api/v1/tickets", json=new, headers=agent), 201)
    first = filed["messages"][0]
    assert (first["author_kind"], first["author_id"], first["author_name"]) == (
        "agent",
        world.agent_id,
        "Arno Agent",
    )
    assert (first["on_behalf_of_id"], first["on_behalf_of_name"]) == (world.contact_a, "Alice A")
    # the contact sees it too: written by the agent, for them
    seen = _ok(http.get(f"/api/v1/tickets/{filed['id']}", headers=contact))["messages"][0]
    assert (seen["author_kind"], seen["author_name"], seen["on_behalf_of_name"]) == (
        "agent",
        "Arno Agent",
        "Alice A",
    )
    assert "on_behalf_of_id" not in seen and "author_id" not in seen
    # a contact's own ticket is in their own name, on nobody's behalf
    own = {"subject": "Mine", "body": "Also jams.", "type": "question"}
    mine = _ok(http.post("/api/v1/tickets", json=own, headers=contact), 201)["messages"][0]
    assert (mine["author_kind"], mine["author_name"], mine["on_behalf_of_name"]) == (
        "contact",
        "Alice A",
        None,
    )
