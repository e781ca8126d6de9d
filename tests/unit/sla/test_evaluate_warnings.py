"""Warnings (a share of the target, or a lead time before the deadline) and the instant the
sweep must wake the ticket. Hand-worked on the Buenos Aires calendar (12:00-21:00 UTC)."""

from __future__ import annotations

from sla_policies import created, only, policy, reply, run, status, target, z

from sladesk.sla import Warning

POL = policy(
    target("first_response", "4h", warn=["75%", "30m"]),
    target("resolution", "8h", pause_on=["pending_customer"], warn=["50%"]),
)


def test_warnings_at_a_share_and_at_a_lead_time() -> None:
    # 4h from Mon 12:00Z: 75% = 3h -> 15:00Z; 30m before due -> 15:30Z; due 16:00Z.
    fr = only(run(POL, [created("2026-03-09T12:00Z")], "2026-03-09T15:10Z"), "first_response")
    assert fr.warnings == (
        Warning("75%", z("2026-03-09T15:00Z"), True),
        Warning("30m", z("2026-03-09T15:30Z"), False),
    )


def test_warnings_cross_the_night() -> None:
    # Mon 17:00 local (20:00Z): 1h on Monday, then Tue from 12:00Z: 75% (3h) at 14:00Z,
    # 30m before due at 14:30Z, due 15:00Z.
    fr = only(run(POL, [created("2026-03-09T20:00Z")], "2026-03-09T23:00Z"), "first_response")
    assert [w.at for w in fr.warnings] == [z("2026-03-10T14:00Z"), z("2026-03-10T14:30Z")]
    assert fr.due_at == z("2026-03-10T15:00Z")


def test_warnings_not_reached_before_fulfilment_have_no_instant() -> None:
    events = [created("2026-03-09T12:00Z"), reply("2026-03-09T15:15Z")]
    fr = only(run(POL, events, "2026-03-09T18:00Z"), "first_response")
    assert fr.warnings == (
        Warning("75%", z("2026-03-09T15:00Z"), True),
        Warning("30m", None, False),
    )


def test_next_event_at_is_the_earliest_warning_or_deadline_ahead() -> None:
    # At 13:00Z: first_response 75% at 15:00Z; resolution 50% (4h) at 16:00Z -> 15:00Z.
    ev = run(POL, [created("2026-03-09T12:00Z")], "2026-03-09T13:00Z")
    assert ev.next_event_at == z("2026-03-09T15:00Z")
    # At 15:40Z: first_response due 16:00Z; resolution 50% at 16:00Z -> 16:00Z.
    ev = run(POL, [created("2026-03-09T12:00Z")], "2026-03-09T15:40Z")
    assert ev.next_event_at == z("2026-03-09T16:00Z")
    # Replied at 13:00Z, resolution paused from 14:00Z: nothing running, nothing to wake for.
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T13:00Z"),
        status("2026-03-09T14:00Z", "pending_customer"),
    ]
    ev = run(POL, events, "2026-03-09T15:00Z")
    assert ev.next_event_at is None
    res = only(ev, "resolution")
    # Paused before reaching 50%: no instant while paused.
    assert res.warnings == (Warning("50%", None, False),)


def test_next_event_at_skips_breached_targets() -> None:
    # At Mon 20:00Z first_response is breached (16:00Z); resolution due 20:00Z... passed too.
    ev = run(POL, [created("2026-03-09T12:00Z")], "2026-03-09T20:30Z")
    assert [t.state for t in ev.targets] == ["breached", "breached"]
    assert ev.next_event_at is None
