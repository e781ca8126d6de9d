"""Repeating targets: next_response cycles and periodic updates. Hand-worked on the Buenos
Aires calendar (open 12:00-21:00 UTC on working days)."""

from __future__ import annotations

from sla_policies import created, customer, h, only, policy, reply, run, status, target, z

from sladesk.sla import TargetState

NEXT_1H = policy(target("next_response", "1h", pause_on=["pending_customer"]))


def test_next_response_is_pending_until_the_first_reply_and_a_customer_message() -> None:
    events = [created("2026-03-09T12:00Z"), reply("2026-03-09T12:30Z")]
    nr = only(run(NEXT_1H, events, "2026-03-09T13:00Z"), "next_response")
    assert nr.state is TargetState.PENDING
    assert nr.cycles == ()


def test_next_response_cycles() -> None:
    # Cycle 1: customer 13:00Z, reply 13:40Z (due 14:00Z) -> met. Cycle 2: customer 14:00Z;
    # a second customer message at 14:20Z starts nothing, an internal note fulfils nothing;
    # at 15:30Z it is breached at 15:00Z.
    events = [
        created("2026-03-09T12:00Z"),
        customer("2026-03-09T12:10Z"),  # before the first reply: no cycle
        reply("2026-03-09T12:30Z"),
        customer("2026-03-09T13:00Z"),
        reply("2026-03-09T13:40Z"),
        customer("2026-03-09T14:00Z"),
        customer("2026-03-09T14:20Z"),
        reply("2026-03-09T14:30Z", public=False),
    ]
    nr = only(run(NEXT_1H, events, "2026-03-09T15:30Z"), "next_response")
    rows = [(c.started_at, c.due_at, c.fulfilled_at, c.breached_at, c.state) for c in nr.cycles]
    assert rows == [
        (z("2026-03-09T13:00Z"), z("2026-03-09T14:00Z"), z("2026-03-09T13:40Z"), None, "met"),
        (z("2026-03-09T14:00Z"), z("2026-03-09T15:00Z"), None, z("2026-03-09T15:00Z"), "breached"),
    ]
    assert nr.state is TargetState.BREACHED
    assert nr.started_at == z("2026-03-09T14:00Z")
    assert (nr.used, nr.left) == (h(1.5), h(-0.5))
    # A reply then closes cycle 2 late; the target's state is that of its latest cycle.
    later = only(
        run(NEXT_1H, [*events, reply("2026-03-09T16:00Z")], "2026-03-09T17:00Z"), "next_response"
    )
    assert later.state is TargetState.BREACHED
    assert later.fulfilled_at == z("2026-03-09T16:00Z")
    third = [*events, reply("2026-03-09T16:00Z"), customer("2026-03-09T20:30Z")]
    # Cycle 3 starts Mon 17:30 local: 30m on Monday, 30m on Tuesday -> Tue 12:30Z.
    nr = only(run(NEXT_1H, third, "2026-03-10T12:10Z"), "next_response")
    assert nr.state is TargetState.RUNNING
    assert nr.due_at == z("2026-03-10T12:30Z")
    assert len(nr.cycles) == 3
    assert (nr.used, nr.left) == (h(40 / 60), h(20 / 60))


def test_next_response_cycle_pauses_with_the_ticket() -> None:
    # Cycle from 13:00Z; pending_customer 13:20Z-15:00Z; 40m left from 15:00Z -> 15:40Z.
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T12:30Z"),
        customer("2026-03-09T13:00Z"),
        status("2026-03-09T13:20Z", "pending_customer"),
        status("2026-03-09T15:00Z", "open"),
    ]
    nr = only(run(NEXT_1H, events, "2026-03-09T15:10Z"), "next_response")
    assert nr.due_at == z("2026-03-09T15:40Z")
    assert nr.used == h(0.5)


def test_periodic_update_cycles() -> None:
    # Every 2h: cycle 1 12:00Z-13:00Z met; cycle 2 from 13:00Z due 15:00Z, updated at 16:00Z
    # -> breached at 15:00Z; cycle 3 from 16:00Z due 18:00Z, running at 17:00Z.
    pol = policy(target("periodic_update", "2h"))
    events = [created("2026-03-09T12:00Z"), reply("2026-03-09T13:00Z"), reply("2026-03-09T16:00Z")]
    pu = only(run(pol, events, "2026-03-09T17:00Z"), "periodic_update")
    assert [c.state for c in pu.cycles] == ["met", "breached", "running"]
    assert pu.cycles[1].breached_at == z("2026-03-09T15:00Z")
    assert pu.state is TargetState.RUNNING
    assert (pu.started_at, pu.due_at) == (z("2026-03-09T16:00Z"), z("2026-03-09T18:00Z"))
    assert (pu.used, pu.left) == (h(1), h(1))
    # Solved: no update is owed; the clock stops.
    solved = only(
        run(pol, [*events, status("2026-03-09T17:00Z", "solved")], "2026-03-10T17:00Z"),
        "periodic_update",
    )
    assert solved.state is TargetState.PAUSED
    assert solved.used == h(1)
