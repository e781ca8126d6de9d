"""The public face of ``sladesk.sla`` is exactly its ``__all__``."""

from __future__ import annotations

import sladesk.sla


def test_all_is_pinned() -> None:
    assert sorted(sladesk.sla.__all__) == [
        "Author",
        "COMPILED",
        "Cycle",
        "Evaluation",
        "Event",
        "EventKind",
        "Rollup",
        "Scenario",
        "Segment",
        "TargetResult",
        "TargetState",
        "TicketFacts",
        "Warning",
        "check_expectations",
        "evaluate",
        "evaluation_to_json",
        "format_duration",
        "format_instant",
        "load_scenario",
        "load_scenario_file",
        "rollup",
        "state_at",
    ]
    for name in sladesk.sla.__all__:
        assert hasattr(sladesk.sla, name)
