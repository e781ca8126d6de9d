"""The SLA a ticket's answers carry, over real HTTP on each database: a paused target says
when it would be due if its clock resumed now."""

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
