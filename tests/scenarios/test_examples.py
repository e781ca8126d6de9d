"""The seed policies in examples/policies/ against their hand-computed scenarios.

Every ``examples/scenarios/<policy>/*.yaml`` is evaluated under ``examples/policies/<policy>.yaml``
and must meet its ``expect:`` block exactly. The expectations were worked out by hand from the
seed documents and the calendars (the computation is the comment at the top of each file), not
by running the evaluator: a failure here means the evaluator and the hand computation disagree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sladesk.policy import load_policy_file
from sladesk.sla import check_expectations, evaluate, load_scenario_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
POLICIES = EXAMPLES / "policies"
SCENARIOS = EXAMPLES / "scenarios"
POLICY_NAMES = ("aivo", "blip-go", "infraspeak", "liveagent-vip")
MIN_SCENARIOS = 8

#: Scenarios whose hand-computed expectation is right and the evaluator is known to be wrong:
#: "<policy>/<file name>" -> reason. Each is an xfail(strict=True), so it fails loudly once
#: the evaluator is fixed and the entry must be removed.
KNOWN_EVALUATOR_BUGS: dict[str, str] = {}


def _scenario_params() -> list[object]:
    params: list[object] = []
    for name in POLICY_NAMES:
        for path in sorted((SCENARIOS / name).glob("*.yaml")):
            key = f"{name}/{path.name}"
            marks = []
            if key in KNOWN_EVALUATOR_BUGS:
                marks.append(
                    pytest.mark.xfail(
                        strict=True, reason=f"evaluator bug: {KNOWN_EVALUATOR_BUGS[key]}"
                    )
                )
            params.append(pytest.param(name, path, id=key, marks=marks))
    return params


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_policy_loads_without_errors(name: str) -> None:
    policy = load_policy_file(POLICIES / f"{name}.yaml")
    assert policy.rules


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_each_policy_has_enough_scenarios(name: str) -> None:
    scenarios = sorted((SCENARIOS / name).glob("*.yaml"))
    assert len(scenarios) >= MIN_SCENARIOS, f"{name}: only {len(scenarios)} scenarios"


def test_no_stray_scenario_directories() -> None:
    dirs = {p.name for p in SCENARIOS.iterdir() if p.is_dir()}
    assert dirs == set(POLICY_NAMES)


@pytest.mark.parametrize(("name", "path"), _scenario_params())
def test_scenario_meets_its_expectations(name: str, path: Path) -> None:
    policy = load_policy_file(POLICIES / f"{name}.yaml")
    scenario = load_scenario_file(path)
    evaluation = evaluate(policy, scenario.ticket, scenario.events, scenario.now)
    assert check_expectations(evaluation, scenario.expect) == []
