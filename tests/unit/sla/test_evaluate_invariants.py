"""What every answer of ``evaluate`` must hold, checked by hypothesis over random histories
(docs/policies.md, "Evaluation rules", the rule of a target's length):

- ``left == target - used`` for every target that has started;
- ``target`` is the length its ``target_text`` and ``priority`` name (for exact durations);
- breached implies ``left <= 0``, and ``due_at`` is the instant ``used`` reached the target
  (the earliest one, for exact durations), at or before ``breached_at``;
- running: ``due_at`` is the instant ``used`` will reach the target if the clock runs on,
  and ``due_if_resumed_at`` is ``due_at``;
- paused: no ``due_at``; ``due_if_resumed_at`` is where ``used`` reaches the target if the
  clock resumes at ``now``;
- met: ``due_at`` is where ``used`` would have reached the target had the clock run on (or
  resumed) from the fulfilment, at or after ``fulfilled_at``.

``used`` at a past instant is read from the target's explain timeline (each stretch says the
time used when it began and whether the clock ran), with the calendar's public ``elapsed``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla_histories import random_ticket
from sla_policies import policy, target

from sladesk.policy import Conditions, Policy, Rule, load_policy_file, parse_duration
from sladesk.sla import (
    Author,
    Evaluation,
    Event,
    EventKind,
    TargetResult,
    TargetState,
    TicketFacts,
    evaluate,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"
US = timedelta(microseconds=1)

#: priorities move tickets between rules (and calendars); exact and business-day lengths;
#: priorities without a length; pauses on every metric that can pause.
POLICY = policy(
    rules=[
        Rule(
            "urgent",
            Conditions(priorities=frozenset({"urgent"})),
            (
                target(
                    "first_response",
                    {"urgent": "30m", "high": "2h", "normal": "1bd"},
                    pause_on=["pending_customer"],
                    warn=["50%"],
                ),
                target(
                    "resolution",
                    {"urgent": "1bd", "high": "2h", "normal": "5h"},
                    pause_on=["pending_customer", "on_hold:vendor"],
                ),
                target("next_response", {"urgent": "1h", "high": "3h"}, calendar="24x7"),
                target(
                    "periodic_update",
                    {"urgent": "2h", "high": "1bd"},
                    pause_on=["pending_customer"],
                ),
            ),
        ),
        Rule(
            "rest",
            Conditions(),
            (
                target(
                    "first_response", {"urgent": "1h", "high": "4h"}, pause_on=["pending_customer"]
                ),
                target(
                    "resolution",
                    {"urgent": "2bd", "high": "8h", "normal": "3bd"},
                    pause_on=["pending_customer"],
                ),
                target("next_response", {"urgent": "30m", "high": "2h", "normal": "4h"}),
            ),
        ),
    ]
)
SEEDS = {
    name: load_policy_file(EXAMPLES / f"{name}.yaml")
    for name in ("aivo", "blip-go", "infraspeak", "liveagent-vip")
}

_BASE = datetime(2026, 3, 2, 12, tzinfo=UTC)  # Monday, the Buenos Aires calendar opens
_PRIOS = ("urgent", "high", "normal")


@st.composite
def histories(draw: st.DrawFn) -> tuple[TicketFacts, list[Event], datetime]:
    """A ticket of POLICY: created, then 1-25 events a few minutes to days apart (often at
    the same instant or on a whole hour, where calendars open and close), then ``now``."""
    start = _BASE + timedelta(
        days=draw(st.integers(0, 60)), minutes=draw(st.sampled_from([0, 0, 17, 540, 1139]))
    )
    facts = TicketFacts(type="incident", priority=draw(st.sampled_from(_PRIOS)))
    events = [Event(start, EventKind.CREATED)]
    t = start
    for _ in range(draw(st.integers(1, 25))):
        gap = draw(
            st.one_of(
                st.just(0),
                st.integers(1, 600).map(lambda m: m * 60),
                st.integers(1, 72).map(lambda hours: hours * 3600),
                st.integers(1, 10**10).map(lambda us: us / 1e6),
            )
        )
        t += timedelta(seconds=gap)
        kind = draw(st.sampled_from(["reply", "customer", "status", "priority", "note"]))
        if kind == "reply":
            events.append(Event(t, EventKind.MESSAGE, author=Author.AGENT))
        elif kind == "customer":
            events.append(Event(t, EventKind.MESSAGE, author=Author.CUSTOMER))
        elif kind == "note":
            events.append(Event(t, EventKind.MESSAGE, author=Author.AGENT, public=False))
        elif kind == "status":
            status, reason = draw(
                st.sampled_from(
                    [
                        ("open", None),
                        ("pending_customer", None),
                        ("on_hold", "vendor"),
                        ("on_hold", "other"),
                        ("solved", None),
                    ]
                )
            )
            events.append(Event(t, EventKind.STATUS, status=status, reason=reason))
        else:
            events.append(Event(t, EventKind.PRIORITY, priority=draw(st.sampled_from(_PRIOS))))
    now = t + timedelta(minutes=draw(st.integers(0, 60 * 24 * 10)))
    if draw(st.booleans()):
        now = start + (now - start) * draw(st.floats(0, 1))
    return facts, events, now


def _used_at(t: TargetResult, x: datetime, pol: Policy) -> timedelta:
    """Business time the target had used at ``x``, from its explain timeline."""
    cal = pol.calendars[t.calendar]
    for s in reversed(t.timeline):
        if s.start <= x:
            return s.used + (cal.elapsed(s.start, x) if s.kind == "running" else timedelta(0))
    return timedelta(0)


def check(pol: Policy, facts: TicketFacts, events: list[Event], now: datetime) -> None:
    explained = evaluate(pol, facts, events, now, explain=True)
    fast = evaluate(pol, facts, events, now)
    assert [_without_timeline(t) for t in explained.targets] == list(fast.targets)
    _check_evaluation(pol, explained, now)


def _without_timeline(t: TargetResult) -> TargetResult:
    from dataclasses import replace

    return replace(t, timeline=())


def _check_evaluation(pol: Policy, ev: Evaluation, now: datetime) -> None:
    for t in ev.targets:
        where = f"{t.metric} ({t.state}, {t.priority} {t.target_text})"
        if t.state is TargetState.PENDING:
            assert (t.target, t.left, t.due_at, t.due_if_resumed_at) == (None,) * 4, where
            continue
        cal = pol.calendars[t.calendar]
        assert t.target is not None and t.left is not None, where
        assert t.left == t.target - t.used, where
        exact = parse_duration(t.target_text).time
        if exact is not None:
            assert t.target == exact, where
        single = not t.cycles  # the timeline's used is per cycle for repeating targets
        if t.state is TargetState.BREACHED:
            assert t.left <= timedelta(0), where
            assert t.due_at is not None and t.breached_at is not None, where
            assert t.due_at <= t.breached_at <= now, where
            assert t.due_if_resumed_at is None, where
            if single:
                assert _used_at(t, t.due_at, pol) == t.target, where
                if exact is not None:
                    assert _used_at(t, t.due_at - US, pol) < t.target, where
        elif t.state is TargetState.MET:
            assert t.fulfilled_at is not None and t.due_at is not None, where
            assert t.left >= timedelta(0), where
            assert t.fulfilled_at <= t.due_at, where
            assert t.used + cal.elapsed(t.fulfilled_at, t.due_at) == t.target, where
            assert t.due_if_resumed_at is None, where
            if single:
                assert _used_at(t, t.fulfilled_at, pol) == t.used, where
        elif t.state is TargetState.RUNNING:
            assert t.due_at is not None and t.due_at > now, where
            assert t.used + cal.elapsed(now, t.due_at) == t.target, where
            assert t.due_if_resumed_at == t.due_at, where
        else:
            assert t.state is TargetState.PAUSED, where
            assert t.due_at is None and t.due_if_resumed_at is not None, where
            # zero only where a business-day target paused once its day was used up (at the
            # close before the business-day deadline): resumed, it is due at once
            assert t.left >= timedelta(0), where
            assert t.due_if_resumed_at == cal.add(now, t.left), where
            assert t.used + cal.elapsed(now, t.due_if_resumed_at) == t.target, where
        if single and t.state is not TargetState.MET:
            assert _used_at(t, now, pol) == t.used, where
        for c in t.cycles:
            if c.breached_at is not None:
                assert c.due_at is not None and c.due_at <= c.breached_at, where


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_every_target_of_a_random_history_agrees_with_itself(
    history: tuple[TicketFacts, list[Event], datetime],
) -> None:
    check(POLICY, *history)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(SEEDS)), seed=st.integers(0, 2**32))
def test_every_target_under_the_seed_policies_agrees_with_itself(name: str, seed: int) -> None:
    pol = SEEDS[name]
    facts, events, now = random_ticket(random.Random(seed), pol)
    check(pol, facts, events, now)
