"""Differential tests: the fast path of ``evaluate`` against the straightforward one.

``evaluate(..., explain=False)`` runs the dense walk (``_targets.walk``) over the calendar's
compiled table; ``explain=True`` runs the readable one (``_targets.Run``). Here both run on
random histories (``sla_histories``) under the seed policies and a policy that mixes every
metric, start event, fulfilment, pause kind, warning kind and two calendars, and must agree on
everything but the timeline — also when the reference reads business time through the
public ``Calendar.elapsed``/``Calendar.add``/``Calendar.add_business_days`` instead of the
table (calendars that refuse to hand out one: patching ``_clocks`` would not reach inside
its compiled form).
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sla_histories import random_ticket
from sla_policies import policy, target

from sladesk.calendar import Calendar
from sladesk.calendar._calendar import OpenTable
from sladesk.policy import Conditions, Policy, Rule, load_policy_file
from sladesk.sla import Evaluation, evaluate

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"

MIXED = policy(
    rules=[
        Rule(
            "urgent-vip",
            Conditions(priorities=frozenset({"urgent"}), tags=frozenset({"vip"})),
            (
                target("first_response", {"urgent": "30m", "high": "2h"}, warn=["50%", "10m"]),
                target(
                    "resolution",
                    {"urgent": "1bd", "high": "2bd", "normal": "5h"},
                    pause_on=["pending_customer", "on_hold:vendor"],
                    warn=["75%", "1h", "90%"],
                ),
                target("next_response", {"urgent": "1h", "high": "3h"}, calendar="24x7"),
                target(
                    "periodic_update",
                    {"urgent": "2h", "high": "1bd"},
                    pause_on=["pending_customer"],
                    warn=["80%"],
                ),
            ),
        ),
        Rule(
            "questions",
            Conditions(types=frozenset({"question"})),
            (
                target(
                    "first_response",
                    {"urgent": "1h", "high": "4h", "normal": "1bd"},
                    fulfilled_by="assignment",
                    start="accepted",
                ),
                target(
                    "resolution",
                    {"high": "3bd", "normal": "10bd"},
                    pause_on=["on_hold"],
                    start="accepted",
                ),
                target("next_response", "4h", pause_on=["pending_customer"]),
            ),
        ),
        Rule(
            "all",
            Conditions(),
            (
                target("first_response", {"urgent": "1h", "high": "4h", "normal": "8h"}),
                target("first_response", {"urgent": "2h", "high": "1bd"}, calendar="24x7"),
                target(
                    "resolution",
                    {"urgent": "8h", "high": "2bd", "normal": "40h"},
                    pause_on=["pending_customer", "on_hold:partner_outage"],
                    warn=["75%", "30m"],
                ),
                target("next_response", {"urgent": "2h", "normal": "1bd"}, warn=["50%"]),
                target(
                    "periodic_update",
                    {"urgent": "4h", "high": "8h", "normal": "2bd"},
                    start="accepted",
                ),
            ),
        ),
    ]
)

POLICIES: dict[str, Policy] = {"mixed": MIXED} | {
    name: load_policy_file(EXAMPLES / f"{name}.yaml")
    for name in ("aivo", "blip-go", "infraspeak", "liveagent-vip")
}


class _PublicMethodsOnly(Calendar):
    """The same calendar without its compiled table: evaluation then reads business time
    through the public ``elapsed``/``add``/``add_business_days``."""

    __slots__ = ()

    def table(self, lo_us: int, hi_us: int) -> OpenTable:
        raise ValueError("no table: use the public methods")


def _public_methods_only(pol: Policy) -> Policy:
    return replace(pol, calendars={k: _PublicMethodsOnly(c.spec) for k, c in pol.calendars.items()})


def _without_timeline(ev: Evaluation) -> Evaluation:
    return replace(ev, targets=tuple(replace(t, timeline=()) for t in ev.targets))


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_the_fast_walk_agrees_with_the_explaining_walk(name: str, seed: int) -> None:
    pol = POLICIES[name]
    facts, events, now = random_ticket(random.Random(seed), pol)
    fast = evaluate(pol, facts, events, now)
    slow = evaluate(pol, facts, events, now, explain=True)
    assert all(t.timeline == () for t in fast.targets)
    assert fast == _without_timeline(slow)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_fast_path_agrees_with_the_public_calendar_methods(name: str) -> None:
    pol = POLICIES[name]
    rng = random.Random(name)
    tickets = [random_ticket(rng, pol) for _ in range(150)]
    fast = [evaluate(pol, f, e, n) for f, e, n in tickets]
    public = _public_methods_only(pol)
    for (f, e, n), got in zip(tickets, fast, strict=True):
        reference = evaluate(public, f, e, n, explain=True)
        assert got == _without_timeline(reference), (f, e, n)
