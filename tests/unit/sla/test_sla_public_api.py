"""The public face of ``sladesk.sla`` is exactly its ``__all__``."""

from __future__ import annotations

import sladesk.sla


def test_all_is_pinned() -> None:
    assert sorted(sladesk.sla.__all__) == [
        "Author",
        "COMPILED",
        "COUNTERS",
        "Change",
        "Cycle",
        "Decisions",
        "Evaluation",
        "Event",
        "EventKind",
        "EventLog",
        "GroupKey",
        "Outcome",
        "Rollup",
        "Scenario",
        "Segment",
        "Side",
        "Tally",
        "TargetResult",
        "TargetState",
        "TicketFacts",
        "Warning",
        "check_expectations",
        "compare",
        "decisions",
        "evaluate",
        "evaluation_to_json",
        "format_duration",
        "format_instant",
        "load_scenario",
        "load_scenario_file",
        "make_event",
        "outcomes",
        "recorded_decisions",
        "recorded_outcomes",
        "rollup",
        "state_at",
        "tally_ticket",
        "unpack_history",
    ]
    for name in sladesk.sla.__all__:
        assert hasattr(sladesk.sla, name)
