"""SLA evaluation: the state of every target of a ticket, as a pure function of the policy,
the ticket's facts, its event history and ``now``; scenarios to explain and test policies.

>>> evaluation = evaluate(policy, ticket, events, now)  # doctest: +SKIP
>>> [(t.metric, t.state, t.due_at) for t in evaluation.targets]  # doctest: +SKIP

Pure: no I/O (except :func:`load_scenario_file` reading the file it is given) and no clock
reading. The rules of the clocks are in ``_evaluate.py`` and ``docs/policies.md``.

``COMPILED`` tells whether evaluation runs compiled by mypyc (``scripts/compile``; see
docs/architecture.md, "Compiled modules") or as the pure Python sources: both give the same
answers, the compiled path faster.
"""

# ruff: noqa: E402 -- the check runs before the modules it guards are imported
from sladesk._native import NATIVE_MODULES, check_fresh, is_compiled

check_fresh()  # a compiled file must never shadow a changed source

from sladesk.sla._backtest import (
    COUNTERS,
    Change,
    GroupKey,
    Outcome,
    Side,
    Tally,
    compare,
    outcomes,
    recorded_outcomes,
)
from sladesk.sla._construct import make_event
from sladesk.sla._evaluate import decisions, evaluate
from sladesk.sla._explain import evaluation_to_json, format_duration, format_instant
from sladesk.sla._history import EventLog, unpack_history
from sladesk.sla._model import (
    Author,
    Cycle,
    Evaluation,
    Event,
    EventKind,
    Segment,
    TargetResult,
    TargetState,
    TicketFacts,
    Warning,
)
from sladesk.sla._replay import Decisions, recorded_decisions, tally_ticket
from sladesk.sla._rollup import Rollup, rollup, state_at
from sladesk.sla._scenario import (
    Scenario,
    check_expectations,
    load_scenario,
    load_scenario_file,
)

#: True when every module of the hot path runs compiled (mypyc), False when they run as
#: the pure Python sources (no compiler, ``scripts/compile --clean``, or a copy without them).
COMPILED: bool = all(is_compiled(m) for m in NATIVE_MODULES)

__all__ = [
    "COMPILED",
    "COUNTERS",
    "Author",
    "Change",
    "Cycle",
    "Decisions",
    "Evaluation",
    "Event",
    "EventKind",
    "EventLog",
    "GroupKey",
    "Outcome",
    "Segment",
    "Rollup",
    "TargetResult",
    "TargetState",
    "TicketFacts",
    "Scenario",
    "Side",
    "Tally",
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
