"""What ``tests/unit/sla/test_native.py`` compares between the compiled and the pure path:
``evaluation_to_json`` of every example scenario under its policy, of random histories
(``sla_histories``) under the seed policies, half of them explained, and of the first
tickets of ``bench/sla_bench.py`` (with the ``decisions`` a back-test reads of them).

Run as a script it prints the answers as JSON; the test runs it from a copy of the sources
without the compiled files, and compares with the answers of the process it runs in.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sla_histories import random_ticket

import sladesk.sla
from sladesk.policy import load_policy, load_policy_file
from sladesk.sla import (
    decisions,
    evaluate,
    evaluation_to_json,
    load_scenario_file,
    recorded_decisions,
    tally_ticket,
)

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
SEED_POLICIES = ("aivo", "blip-go", "infraspeak", "liveagent-vip")
RANDOM_PER_POLICY = 250
BENCH_TICKETS = 2_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("sla_bench", REPO / "bench" / "sla_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> list[Any]:
    out: list[Any] = []
    for name in SEED_POLICIES:
        policy = load_policy_file(EXAMPLES / "policies" / f"{name}.yaml")
        for path in sorted((EXAMPLES / "scenarios" / name).glob("*.yaml")):
            s = load_scenario_file(path)
            for explain in (False, True):
                ev = evaluate(policy, s.ticket, s.events, s.now, explain=explain)
                out.append([f"{name}/{path.name}", evaluation_to_json(ev)])
        rng = random.Random(f"native-{name}")
        for i in range(RANDOM_PER_POLICY):
            facts, events, now = random_ticket(rng, policy)
            ev = evaluate(policy, facts, events, now, explain=i % 2 == 1)
            out.append([f"{name}/random/{i}", evaluation_to_json(ev)])
    bench = _bench_module()
    policy = load_policy(bench.POLICY, "bench-policy.yaml")
    groups: dict[Any, list[int]] = {}
    for i, (facts, events, now) in enumerate(bench.generate(BENCH_TICKETS)):
        out.append([f"bench/{i}", evaluation_to_json(evaluate(policy, facts, events, now))])
        got = decisions(policy, facts, events, now)  # a back-test's step
        out.append([f"bench/{i}/decisions", {m: [s.value, d] for m, (s, d) in got.items()}])
        ev = evaluate(policy, facts, events, now)
        stored = "\n".join(
            f"{t.metric}\t{t.state.value}\t{'' if d is None else (d - EPOCH) // US}\t0"
            for t, d in ((t, t.due_at) for t in ev.targets)
        )
        later = recorded_decisions(stored, (now - EPOCH) // US + 3_600_000_000)
        rows = tally_ticket(groups, (("priority", facts.priority),), later, got, 0)
        out.append(
            [f"bench/{i}/changes", [[m, k, a.value, b.value, x, y] for m, k, a, b, x, y in rows]]
        )
    out.append(
        ["bench/tally", sorted([[list(map(list, g)), m, c] for (g, m), c in groups.items()])]
    )
    return out


if __name__ == "__main__":
    json.dump(
        {"compiled": sladesk.sla.COMPILED, "file": sladesk.__file__, "answers": answers()},
        sys.stdout,
    )
