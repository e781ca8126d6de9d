"""What of a ticket's history a contact sees, over real HTTP, once every kind of entry is there:
the commands' entries and the sweep's SLA milestones (``sla.warning``, ``sla.breached``).

A contact sees the history kinds of ``sladesk.tickets.CONTACT_HISTORY_KINDS`` and nothing
else: internal milestones, assignments, acceptance and internal notes stay with support.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, World

from sladesk import services
from sladesk.bootstrap import Container
from sladesk.jobs.sweep import sweep_due
from sladesk.services import FixedClock
from sladesk.tickets import CONTACT_HISTORY_KINDS


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _history(http: httpx.Client, world: World, role: str, ticket: int) -> list[dict[str, Any]]:
    r = http.get(f"/api/v1/tickets/{ticket}", headers=world.headers(role))  # type: ignore[arg-type]
    assert r.status_code == 200, r.text[:800]
    history: list[dict[str, Any]] = r.json()["history"]
    return history


def test_a_contact_never_sees_the_sweeps_milestones_nor_internal_entries(
    world: World, http: httpx.Client, clock: FixedClock, container: Container
) -> None:
    c, agent = container, world.actors["agent"]
    ticket = world.new_ticket_a("Swept ticket")
    services.accept_ticket(c.uow(), clock, agent, ticket)
    services.assign_ticket(c.uow(), clock, agent, ticket, assignee_id=world.agent_id)
    services.reply_publicly(c.uow(), clock, agent, ticket, "We are on it.")
    services.add_internal_note(c.uow(), clock, agent, ticket, f"{world.internal_marker} swept")
    services.change_priority(c.uow(), clock, agent, ticket, "high", "Your site is down")
    # a month later every target of the ticket has warned and breached
    clock.advance(timedelta(days=30))
    report = sweep_due(c.uow(), clock)
    assert report.warnings >= 2 and report.breaches >= 2, report

    staff_kinds = {e["kind"] for e in _history(http, world, "agent", ticket)}
    assert {"sla.warning", "sla.breached", "assigned", "accepted"} <= staff_kinds

    seen = _history(http, world, "contact", ticket)
    kinds = [e["kind"] for e in seen]
    assert set(kinds) <= CONTACT_HISTORY_KINDS, kinds
    assert not any(k.startswith("sla.") for k in kinds), kinds
    # what the contact is meant to see is all there: the public reply, the status, the priority
    assert {"created", "message", "status", "priority"} <= set(kinds), kinds
    assert [e["data"]["public"] for e in seen if e["kind"] == "message"] == [True], seen
