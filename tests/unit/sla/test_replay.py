"""The back-test's per-ticket step on plain values (``decisions``, ``recorded_decisions``,
``tally_ticket``) answers what the evaluation and the value-based back-test functions
(``evaluate`` → ``outcomes``, ``recorded_outcomes``, ``compare``, ``Tally``) answer, on random
histories under the seed policies and their drafts."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sla_histories import random_ticket

from sladesk.policy import Policy, load_policy, load_policy_file
from sladesk.sla import (
    COUNTERS,
    Decisions,
    Outcome,
    Tally,
    TargetState,
    compare,
    decisions,
    evaluate,
    outcomes,
    recorded_decisions,
    recorded_outcomes,
    tally_ticket,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"
NAMES = ("aivo", "blip-go", "infraspeak", "liveagent-vip")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _us(at: datetime | None) -> int | None:
    return None if at is None else (at - _EPOCH) // _US


def _draft(name: str) -> Policy:
    """The seed policy with every duration changed (hours to three quarters, a business day
    more): flips and shifts, both ways."""
    text = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if "duration" in line:
            line = re.sub(r"\b(\d+)h\b", lambda m: f"{int(m[1]) * 45}m", line)
            line = re.sub(r"\b(\d+)bd\b", lambda m: f"{int(m[1]) + 1}bd", line)
        lines.append(line)
    return load_policy("\n".join(lines), f"{name}-draft.yaml")


@pytest.mark.parametrize("name", NAMES)
def test_decisions_are_the_evaluations_states_and_deadlines(name: str) -> None:
    policy = load_policy_file(EXAMPLES / f"{name}.yaml")
    rng = random.Random(f"replay-{name}")
    seen: set[TargetState] = set()
    for _ in range(400):
        facts, events, now = random_ticket(rng, policy)
        got = decisions(policy, facts, events, now)
        want = {
            t.metric: (t.state, _us(t.due_at)) for t in evaluate(policy, facts, events, now).targets
        }
        assert got == want
        assert list(got) == list(want)  # in the evaluation's order
        seen.update(state for state, _ in got.values())
    assert len(seen) >= 3  # the histories reach several states


def _as_outcomes(ds: Decisions) -> dict[str, Outcome]:
    return {
        m: Outcome(m, s, None if d is None else _EPOCH + _US * d, timedelta(0))
        for m, (s, d) in ds.items()
    }


@pytest.mark.parametrize("name", NAMES)
def test_the_tally_and_the_changes_are_compares_and_tallys(name: str) -> None:
    policy = load_policy_file(EXAMPLES / f"{name}.yaml")
    rng = random.Random(f"tally-{name}")
    threshold = timedelta(minutes=30)
    draft = _draft(name)
    tally = Tally()
    groups: dict[tuple[tuple[tuple[str, str], ...], str], list[int]] = {}
    changed = 0
    for i in range(300):
        facts, events, now = random_ticket(rng, policy)
        group = (("priority", facts.priority),)
        current = evaluate(policy, facts, events, now)
        if i % 2:  # recorded: the projections as stored, some running past their deadline
            projected = [
                (t.metric, t.state.value, t.due_at, t.used.total_seconds()) for t in current.targets
            ]
            later = now + timedelta(hours=rng.choice((0, 2, 48)))
            before = recorded_outcomes(projected, later)
            packed = "\n".join(
                f"{m}\t{st}\t{'' if d is None else _us(d)}\t{round(u * 10**6)}"
                for m, st, d, u in projected
            )
            before_d = recorded_decisions(packed, (later - _EPOCH) // _US)
            assert before == {
                m: replace(o, used=before[m].used) for m, o in _as_outcomes(before_d).items()
            }
        else:
            before = outcomes(current)
            before_d = decisions(policy, facts, events, now)
        after = outcomes(evaluate(draft, facts, events, now))
        after_d = decisions(draft, facts, events, now)
        changes = compare(before, after, threshold)
        tally.add(group, before, after, changes)
        rows = tally_ticket(groups, group, before_d, after_d, threshold // _US)
        assert [(c.metric, c.kind, c.current_state, c.draft_state, _us(c.current_due_at),
                 _us(c.draft_due_at)) for c in changes] == rows  # fmt: skip
        changed += len(rows)
    assert changed > 0  # the draft changes something
    assert groups.keys() == tally.groups.keys()
    for key, counts in groups.items():
        before_side, after_side = tally.groups[key]
        c = tally.changes[key]
        assert counts == [
            *(before_side.counts[k] for k in COUNTERS),
            *(after_side.counts[k] for k in COUNTERS),
            c["added"], c["removed"], c["flip"], c["shift"],
        ]  # fmt: skip
