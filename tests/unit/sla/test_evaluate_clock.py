"""One clock at a time: arrivals out of hours, weekends, holidays, business days, pauses and
reopens. Every expectation is worked out by hand from the Buenos Aires calendar (open
12:00-21:00 UTC on working days; Mon 23 and Tue 24 March 2026 are holidays)."""

from __future__ import annotations

from sla_policies import (
    accepted,
    created,
    customer,
    h,
    only,
    policy,
    reply,
    run,
    status,
    target,
    z,
)

from sladesk.sla import TargetState

FR_2H = policy(target("first_response", "2h"))
FR_4H = policy(target("first_response", "4h"))
RES_8H = policy(target("resolution", "8h", pause_on=["pending_customer", "on_hold:partner_outage"]))


def test_out_of_hours_arrival_waits_for_the_next_opening() -> None:
    # Fri 6 Mar 19:00 local (22:00Z), after closing. Counting starts Mon 9 09:00 (12:00Z);
    # 2h later is 14:00Z. At 13:00Z one hour is used.
    fr = only(run(FR_2H, [created("2026-03-06T22:00Z")], "2026-03-09T13:00Z"), "first_response")
    assert fr.state is TargetState.RUNNING
    assert fr.started_at == z("2026-03-06T22:00Z")
    assert fr.due_at == z("2026-03-09T14:00Z")
    assert (fr.used, fr.left, fr.target) == (h(1), h(1), h(2))


def test_weekend_arrival_and_a_breach_at_the_due_instant() -> None:
    # Sat 7 Mar: nothing counts until Mon 12:00Z; 4h -> Mon 16:00Z. At 17:00Z: breached at
    # 16:00Z, 5h used, 1h over.
    fr = only(run(FR_4H, [created("2026-03-07T15:00Z")], "2026-03-09T17:00Z"), "first_response")
    assert fr.state is TargetState.BREACHED
    assert fr.breached_at == z("2026-03-09T16:00Z")
    assert fr.due_at == z("2026-03-09T16:00Z")
    assert (fr.used, fr.left) == (h(5), h(-1))


def test_breach_when_now_is_exactly_the_due_instant() -> None:
    fr = only(run(FR_4H, [created("2026-03-07T15:00Z")], "2026-03-09T16:00Z"), "first_response")
    assert fr.state is TargetState.BREACHED
    assert fr.left == h(0)


def test_reply_exactly_at_the_due_instant_is_met() -> None:
    events = [created("2026-03-07T15:00Z"), reply("2026-03-09T16:00Z")]
    fr = only(run(FR_4H, events, "2026-03-10T00:00Z"), "first_response")
    assert fr.state is TargetState.MET
    assert fr.fulfilled_at == z("2026-03-09T16:00Z")
    assert fr.breached_at is None
    assert (fr.used, fr.left) == (h(4), h(0))


def test_holidays_are_skipped() -> None:
    # Fri 20 Mar 17:00 local (20:00Z): 1h on Friday; Mon 23 and Tue 24 are holidays; 3h more
    # from Wed 25 09:00 local -> 12:00 local = 15:00Z.
    fr = only(run(FR_4H, [created("2026-03-20T20:00Z")], "2026-03-23T12:00Z"), "first_response")
    assert fr.due_at == z("2026-03-25T15:00Z")
    assert (fr.used, fr.left) == (h(1), h(3))


def test_deadline_landing_at_closing_time_is_the_closing_instant() -> None:
    # Mon 9 Mar 10:00 local (13:00Z) + 8h: the day closes at 18:00 local = 21:00Z.
    res = only(run(RES_8H, [created("2026-03-09T13:00Z")], "2026-03-09T14:00Z"), "resolution")
    assert res.due_at == z("2026-03-09T21:00Z")


def test_a_reply_fulfils_the_first_response_and_internal_notes_do_not() -> None:
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T12:30Z", public=False),
        reply("2026-03-09T13:10Z"),
    ]
    fr = only(run(FR_2H, events, "2026-03-09T18:00Z"), "first_response")
    assert fr.state is TargetState.MET
    assert fr.fulfilled_at == z("2026-03-09T13:10Z")
    assert fr.due_at == z("2026-03-09T14:00Z")
    assert (fr.used, fr.left) == (h(1 + 10 / 60), h(50 / 60))


def test_assignment_fulfils_first_response_when_the_policy_says_so() -> None:
    # Aivo: the first response is the assignment to an analyst; a public reply before it
    # does not count, an assignment event without an assignee does not either.
    pol = policy(target("first_response", "2h", fulfilled_by="assignment"))
    events = [
        created("2026-03-09T12:00Z"),
        reply("2026-03-09T12:20Z"),
        _assigned("2026-03-09T12:40Z", None),
        _assigned("2026-03-09T13:30Z", "ana@example.com"),
    ]
    fr = only(run(pol, events, "2026-03-09T15:00Z"), "first_response")
    assert fr.state is TargetState.MET
    assert fr.fulfilled_at == z("2026-03-09T13:30Z")
    assert fr.used == h(1.5)


def _assigned(at: str, who: str | None):  # type: ignore[no-untyped-def]
    from sla_policies import assigned

    return assigned(at, who)


def test_accepted_start_is_pending_until_support_accepts() -> None:
    # Blip: the clock starts when support accepts the ticket.
    pol = policy(target("resolution", "4h", start="accepted"))
    events = [created("2026-03-09T12:00Z"), accepted("2026-03-09T14:00Z")]
    before = only(run(pol, events, "2026-03-09T13:00Z"), "resolution")
    assert before.state is TargetState.PENDING
    assert (before.started_at, before.due_at, before.target, before.left) == (None,) * 4
    after = only(run(pol, events, "2026-03-09T15:00Z"), "resolution")
    assert after.state is TargetState.RUNNING
    assert after.started_at == z("2026-03-09T14:00Z")
    assert after.due_at == z("2026-03-09T18:00Z")
    assert after.used == h(1)


def test_without_a_created_event_the_first_event_starts_the_clock() -> None:
    fr = only(run(FR_2H, [customer("2026-03-09T12:30Z")], "2026-03-09T13:00Z"), "first_response")
    assert fr.started_at == z("2026-03-09T12:30Z")
    assert fr.due_at == z("2026-03-09T14:30Z")


def test_events_are_sorted_and_those_after_now_ignored() -> None:
    events = [reply("2026-03-09T13:00Z"), created("2026-03-09T12:00Z"), reply("2026-03-09T20:00Z")]
    fr = only(run(FR_2H, events[::-1], "2026-03-09T15:00Z"), "first_response")
    assert fr.fulfilled_at == z("2026-03-09T13:00Z")
    fr = only(run(FR_2H, [events[1], events[2]], "2026-03-09T15:00Z"), "first_response")
    assert fr.state is TargetState.BREACHED
    assert fr.fulfilled_at is None


# -- pauses ---------------------------------------------------------------------------------


def test_pending_customer_pauses_and_resumes_with_the_time_used() -> None:
    # Mon 9 Mar 09:00 local (12:00Z) -> 2h used at 14:00Z when the customer is asked. Back
    # to open Tue 10 at 12:00 local (15:00Z): 6h left -> 18:00 local (21:00Z), closing time.
    events = [
        created("2026-03-09T12:00Z"),
        status("2026-03-09T14:00Z", "pending_customer"),
        status("2026-03-10T15:00Z", "open"),
    ]
    paused = only(run(RES_8H, events, "2026-03-10T12:00Z"), "resolution")
    assert paused.state is TargetState.PAUSED
    assert paused.due_at is None
    assert (paused.used, paused.left) == (h(2), h(6))
    res = only(run(RES_8H, events, "2026-03-10T16:00Z"), "resolution")
    assert res.state is TargetState.RUNNING
    assert res.due_at == z("2026-03-10T21:00Z")
    assert (res.used, res.left) == (h(3), h(5))
    kinds = [(s.kind, s.why, s.due_at) for s in res.timeline]
    assert kinds == [
        ("running", "start", z("2026-03-09T20:00Z")),
        ("paused", "status pending_customer", None),
        ("running", "status open", z("2026-03-10T21:00Z")),
    ]
    assert [s.end for s in res.timeline] == [z("2026-03-09T14:00Z"), z("2026-03-10T15:00Z"), None]


def test_on_hold_pauses_only_for_the_listed_reason() -> None:
    # 12:00Z start; on hold at 13:00Z (1h used); now 15:00Z.
    def at_now(reason: str) -> object:
        events = [created("2026-03-09T12:00Z"), status("2026-03-09T13:00Z", "on_hold", reason)]
        return only(run(RES_8H, events, "2026-03-09T15:00Z"), "resolution")

    outage = at_now("partner_outage")
    assert outage.state is TargetState.PAUSED  # type: ignore[attr-defined]
    assert outage.used == h(1)  # type: ignore[attr-defined]
    other = at_now("waiting_for_developer")
    assert other.state is TargetState.RUNNING  # type: ignore[attr-defined]
    assert other.used == h(3)  # type: ignore[attr-defined]
    assert other.due_at == z("2026-03-09T20:00Z")  # type: ignore[attr-defined]


def test_solved_meets_resolution_and_a_reopen_resumes_it() -> None:
    # Solved Mon 15:00Z after 3h -> met (due was 20:00Z). Reopened Tue 12:00Z (09:00
    # local): 5h left -> Tue 17:00Z. At Tue 13:00Z: 4h used.
    events = [
        created("2026-03-09T12:00Z"),
        status("2026-03-09T15:00Z", "solved"),
        customer("2026-03-10T12:00Z"),
        status("2026-03-10T12:00Z", "open"),
    ]
    met = only(run(RES_8H, events, "2026-03-09T18:00Z"), "resolution")
    assert met.state is TargetState.MET
    assert (met.fulfilled_at, met.due_at) == (z("2026-03-09T15:00Z"), z("2026-03-09T20:00Z"))
    assert (met.used, met.left) == (h(3), h(5))
    res = only(run(RES_8H, events, "2026-03-10T13:00Z"), "resolution")
    assert res.state is TargetState.RUNNING
    assert res.fulfilled_at is None
    assert res.due_at == z("2026-03-10T17:00Z")
    assert (res.used, res.left) == (h(4), h(4))


def test_solved_late_is_breached_and_fulfilled() -> None:
    events = [created("2026-03-09T12:00Z"), status("2026-03-10T13:00Z", "solved")]
    res = only(run(RES_8H, events, "2026-03-11T00:00Z"), "resolution")
    assert res.state is TargetState.BREACHED
    assert res.breached_at == z("2026-03-09T20:00Z")
    assert res.fulfilled_at == z("2026-03-10T13:00Z")
    assert (res.used, res.left) == (h(10), h(-2))


def test_solved_stops_the_first_response_clock_until_reopened() -> None:
    events = [
        created("2026-03-09T12:00Z"),
        status("2026-03-09T13:00Z", "solved"),
        status("2026-03-10T12:00Z", "open"),
    ]
    stopped = only(run(FR_2H, events, "2026-03-09T20:00Z"), "first_response")
    assert stopped.state is TargetState.PAUSED
    assert stopped.used == h(1)
    again = only(run(FR_2H, events, "2026-03-10T12:30Z"), "first_response")
    assert again.due_at == z("2026-03-10T13:00Z")


# -- business days ---------------------------------------------------------------------------


def test_business_days_keep_the_time_of_day() -> None:
    # 1bd from Mon 9 Mar 09:00 local -> Tue 10 09:00 local (12:00Z); target = 9h of open time.
    pol = policy(target("resolution", "1bd", pause_on=["pending_customer"]))
    res = only(run(pol, [created("2026-03-09T12:00Z")], "2026-03-09T15:00Z"), "resolution")
    assert res.due_at == z("2026-03-10T12:00Z")
    assert (res.target, res.used, res.left) == (h(9), h(3), h(6))


def test_business_days_skip_holidays() -> None:
    # Fri 20 Mar 12:00 local (15:00Z) + 1bd: Mon 23 and Tue 24 are holidays -> Wed 25 15:00Z.
    pol = policy(target("resolution", "1bd"))
    res = only(run(pol, [created("2026-03-20T15:00Z")], "2026-03-20T16:00Z"), "resolution")
    assert res.due_at == z("2026-03-25T15:00Z")
    assert res.target == h(9)


def test_business_days_with_a_pause_count_as_business_time() -> None:
    # Target 9h (as above). 3h used by Mon 15:00Z; paused until Mon 18:00Z; 6h left from
    # 15:00 local: 3h on Monday (to 18:00 local) and 3h on Tuesday -> 12:00 local = 15:00Z.
    pol = policy(target("resolution", "1bd", pause_on=["pending_customer"]))
    events = [
        created("2026-03-09T12:00Z"),
        status("2026-03-09T15:00Z", "pending_customer"),
        status("2026-03-09T18:00Z", "open"),
    ]
    res = only(run(pol, events, "2026-03-09T19:00Z"), "resolution")
    assert res.due_at == z("2026-03-10T15:00Z")
    assert (res.used, res.left) == (h(4), h(5))
