"""Facts that change along the history: re-prioritisation up and down, a priority without a
target, type changes, no SLA at all. Hand-worked on the Buenos Aires calendar (open
12:00-21:00 UTC on working days)."""

from __future__ import annotations

from sla_policies import created, h, only, policy, priority, reply, run, status, target, z

from sladesk.policy import Conditions, Rule
from sladesk.sla import Event, EventKind, TargetState

# urgent 2h, high 8h, normal: no first-response target (Blip's "normal: not defined").
FR = policy(target("first_response", {"urgent": "2h", "high": "8h"}))


def test_priority_up_counts_the_new_target_from_the_original_start() -> None:
    # Created high Mon 9 Mar 12:00Z; urgent at 13:00Z (1h used): 2h from 12:00Z = 14:00Z.
    events = [created("2026-03-09T12:00Z"), priority("2026-03-09T13:00Z", "urgent", "outage")]
    fr = only(run(FR, events, "2026-03-09T13:30Z"), "first_response")
    assert fr.state is TargetState.RUNNING
    assert (fr.priority, fr.target, fr.target_text) == ("urgent", h(2), "2h")
    assert fr.due_at == z("2026-03-09T14:00Z")
    assert (fr.used, fr.left) == (h(1.5), h(0.5))
    assert [(s.kind, s.due_at) for s in fr.timeline] == [
        ("running", z("2026-03-09T20:00Z")),
        ("running", z("2026-03-09T14:00Z")),
    ]
    assert fr.timeline[1].why == "priority high -> urgent (outage): 2h"


def test_priority_down_extends_the_deadline() -> None:
    # Created urgent 12:00Z (due 14:00Z); high at 13:00Z: 8h from 12:00Z = 20:00Z.
    events = [created("2026-03-09T12:00Z"), priority("2026-03-09T13:00Z", "high")]
    fr = only(run(FR, events, "2026-03-09T15:00Z", prio="urgent"), "first_response")
    assert fr.state is TargetState.RUNNING
    assert fr.due_at == z("2026-03-09T20:00Z")
    assert (fr.used, fr.left) == (h(3), h(5))


def test_priority_up_when_the_new_deadline_has_already_passed() -> None:
    # High, 3h used at 15:00Z when raised to urgent (2h): the urgent deadline (14:00Z) is
    # past, so the target is breached at the change, 15:00Z.
    events = [created("2026-03-09T12:00Z"), priority("2026-03-09T15:00Z", "urgent")]
    fr = only(run(FR, events, "2026-03-09T16:00Z"), "first_response")
    assert fr.state is TargetState.BREACHED
    assert fr.breached_at == z("2026-03-09T15:00Z")
    assert fr.due_at == z("2026-03-09T14:00Z")
    assert (fr.used, fr.left) == (h(4), h(-2))


def test_a_breach_stays_when_the_priority_goes_down_with_the_length_it_breached() -> None:
    # Urgent (2h): breached at 14:00Z; lowered to high (8h) at 15:00Z: still breached at
    # 14:00Z, and still judged by the 2h it breached (not 8h, which would leave +4h "left"
    # on a breached target).
    events = [created("2026-03-09T12:00Z"), priority("2026-03-09T15:00Z", "high")]
    for explain in (False, True):
        fr = only(
            run(FR, events, "2026-03-09T16:00Z", prio="urgent", explain=explain),
            "first_response",
        )
        assert fr.state is TargetState.BREACHED
        assert fr.breached_at == fr.due_at == z("2026-03-09T14:00Z")
        assert (fr.target, fr.target_text, fr.priority) == (h(2), "2h", "urgent")
        assert (fr.used, fr.left) == (h(4), h(-2))


def test_a_late_breach_keeps_its_length_when_the_priority_goes_down_again() -> None:
    # High, raised to urgent at 15:00Z with 3h used: breached at the change (due 14:00Z);
    # lowered back to high at 16:00Z: still breached by the urgent 2h.
    events = [
        created("2026-03-09T12:00Z"),
        priority("2026-03-09T15:00Z", "urgent"),
        priority("2026-03-09T16:00Z", "high"),
    ]
    for explain in (False, True):
        fr = only(run(FR, events, "2026-03-09T17:00Z", explain=explain), "first_response")
        assert fr.state is TargetState.BREACHED
        assert (fr.due_at, fr.breached_at) == (z("2026-03-09T14:00Z"), z("2026-03-09T15:00Z"))
        assert (fr.target, fr.target_text, fr.priority) == (h(2), "2h", "urgent")
        assert (fr.used, fr.left) == (h(5), h(-3))


def test_a_met_target_keeps_the_length_it_was_met_under() -> None:
    # Met under high (8h) at 19:00Z with 7h used; raised to urgent (2h) at 20:00Z: the
    # answer still says 8h, high, 1h left, due 20:00Z: target and target_text agree.
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T19:00Z"),
        priority("2026-03-09T20:00Z", "urgent"),
    ]
    for explain in (False, True):
        fr = only(run(FR, events, "2026-03-10T12:00Z", explain=explain), "first_response")
        assert fr.state is TargetState.MET
        assert (fr.target, fr.target_text, fr.priority) == (h(8), "8h", "high")
        assert (fr.used, fr.left) == (h(7), h(1))
        assert fr.due_at == z("2026-03-09T20:00Z")


RES = policy(target("resolution", {"urgent": "2h", "high": "8h"}))


def test_a_reopened_target_follows_the_priority_in_effect() -> None:
    # High; solved at 13:00Z (1h used); raised to urgent (2h) at 13:30Z while solved;
    # reopened at 14:00Z: running again under urgent, 1h left at the reopen -> due 15:00Z.
    events = [
        created("2026-03-09T12:00Z"),
        status("2026-03-09T13:00Z", "solved"),
        priority("2026-03-09T13:30Z", "urgent"),
        status("2026-03-09T14:00Z", "open"),
    ]
    for explain in (False, True):
        res = only(run(RES, events, "2026-03-09T14:30Z", explain=explain), "resolution")
        assert res.state is TargetState.RUNNING
        assert (res.target, res.target_text, res.priority) == (h(2), "2h", "urgent")
        assert (res.used, res.left) == (h(1.5), h(0.5))
        assert res.due_at == res.due_if_resumed_at == z("2026-03-09T15:00Z")


def test_a_reopen_past_the_new_length_is_a_breach_at_the_reopen() -> None:
    # High; solved at 15:00Z (3h used); urgent (2h) while solved; reopened at 16:00Z: the 2h
    # were used up at 14:00Z, so the target is breached at the reopen.
    events = [
        created("2026-03-09T12:00Z"),
        status("2026-03-09T15:00Z", "solved"),
        priority("2026-03-09T15:30Z", "urgent"),
        status("2026-03-09T16:00Z", "open"),
    ]
    for explain in (False, True):
        res = only(run(RES, events, "2026-03-09T16:30Z", explain=explain), "resolution")
        assert res.state is TargetState.BREACHED
        assert (res.due_at, res.breached_at) == (z("2026-03-09T14:00Z"), z("2026-03-09T16:00Z"))
        assert (res.target, res.used, res.left) == (h(2), h(3.5), h(-1.5))


def test_a_fulfilled_target_keeps_its_outcome() -> None:
    # Met under high at 19:00Z (7h used of 8h); later raised to urgent: still met.
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T19:00Z"),
        priority("2026-03-09T20:00Z", "urgent"),
    ]
    fr = only(run(FR, events, "2026-03-10T12:00Z"), "first_response")
    assert fr.state is TargetState.MET
    assert fr.fulfilled_at == z("2026-03-09T19:00Z")
    assert fr.breached_at is None


def test_a_priority_without_a_duration_has_no_target_while_it_holds() -> None:
    events = [created("2026-03-09T12:00Z")]
    ev = run(FR, events, "2026-03-09T15:00Z", prio="normal")
    assert ev.rule == "all"
    assert ev.targets == ()
    assert "normal" in ev.reason
    assert ev.next_event_at is None


def test_a_target_appearing_later_counts_from_the_original_start() -> None:
    # Normal (no target) until 14:00Z, then high: 8h from 12:00Z -> 20:00Z, 3h used at 15:00Z.
    events = [created("2026-03-09T12:00Z"), priority("2026-03-09T14:00Z", "high")]
    fr = only(run(FR, events, "2026-03-09T15:00Z", prio="normal"), "first_response")
    assert fr.state is TargetState.RUNNING
    assert fr.due_at == z("2026-03-09T20:00Z")
    assert fr.used == h(3)


def test_a_first_response_given_before_its_target_existed_is_judged_by_the_target_now() -> None:
    # Normal (no target); replied at 13:00Z (1h used); high at 14:00Z: 8h from 12:00Z, met.
    # (The walk of a fulfilled first response stops at the reply; the length still comes
    # from the facts in effect now.)
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T13:00Z"),
        priority("2026-03-09T14:00Z", "high"),
    ]
    for explain in (False, True):
        fr = only(
            run(FR, events, "2026-03-09T15:00Z", prio="normal", explain=explain), "first_response"
        )
        assert fr.state is TargetState.MET
        assert (fr.priority, fr.target, fr.target_text) == ("high", h(8), "8h")
        assert (fr.used, fr.left) == (h(1), h(7))
        assert fr.fulfilled_at == z("2026-03-09T13:00Z")
        # the deadline had the clock run on from the reply: 13:00Z + 7h
        assert fr.due_at == z("2026-03-09T20:00Z")


def test_type_outside_the_sla_has_no_targets_and_says_why() -> None:
    ev = run(FR, [created("2026-03-09T12:00Z")], "2026-03-09T15:00Z", kind="feature_request")
    assert (ev.rule, ev.targets, ev.next_event_at) == (None, (), None)
    assert ev.reason == "type feature_request is outside the SLA"


def test_a_type_change_out_of_the_sla_removes_the_targets() -> None:
    events = [
        created("2026-03-09T12:00Z"),
        Event(z("2026-03-09T13:00Z"), EventKind.TYPE, type="feature_request"),
    ]
    ev = run(FR, events, "2026-03-09T15:00Z")
    assert ev.rule is None
    assert ev.reason == "type feature_request is outside the SLA"


def test_no_matching_rule_means_no_sla() -> None:
    pol = policy(
        rules=[
            Rule(
                "incidents",
                Conditions(types=frozenset({"incident"})),
                (target("first_response", "2h"),),
            )
        ]
    )
    ev = run(pol, [created("2026-03-09T12:00Z")], "2026-03-09T15:00Z", kind="question")
    assert (ev.rule, ev.targets) == (None, ())
    assert ev.reason == "no rule matches the ticket"
    # An attribute change that re-matches a rule of another calendar (24x7).
    rules = [
        Rule(
            "vendor-built",
            Conditions(attributes={"integration": frozenset({"vendor_built"})}),
            (target("first_response", "2h", calendar="24x7"),),
        ),
        Rule("rest", Conditions(), (target("first_response", "8h"),)),
    ]
    pol = policy(rules=rules)
    events = [
        created("2026-03-07T12:00Z"),  # Saturday
        Event(
            z("2026-03-07T13:00Z"), EventKind.ATTRIBUTES, attributes={"integration": "vendor_built"}
        ),
    ]
    ev = run(pol, events, "2026-03-07T13:30Z")
    fr = only(ev, "first_response")
    assert (ev.rule, fr.calendar) == ("vendor-built", "24x7")
    assert fr.due_at == z("2026-03-07T14:00Z")
    assert fr.used == h(1.5)
