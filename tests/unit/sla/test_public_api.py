"""The public face of ``sladesk.sla`` is exactly its ``__all__``."""

from __future__ import annotations

import sladesk.sla


def test_all_is_pinned() -> None:
    assert sorted(sladesk.sla.__all__) == [
        "Author",
        "Cycle",
        "Evaluation",
        "Event",
        "EventKind",
        "Segment",
        "TargetResult",
        "TargetState",
        "TicketFacts",
        "Warning",
        "evaluate",
    ]
    for name in sladesk.sla.__all__:
        assert hasattr(sladesk.sla, name)
