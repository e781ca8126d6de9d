"""SLA policies as files: load and validate a policy file into a frozen model, and pick the
rule that applies to a ticket.

>>> policy = load_policy_file("examples/policies/infraspeak.yaml")  # doctest: +SKIP
>>> match_rule(policy, facts).targets  # doctest: +SKIP

Pure: no I/O except :func:`load_policy_file` reading the file it is given. The format is
documented in ``docs/policies.md``; every problem in a file is reported at once as a
:class:`~sladesk.errors.PolicyError` whose errors name the file, line, column and field path.
"""

from sladesk.calendar import Duration, parse_duration
from sladesk.policy._durations import parse_threshold
from sladesk.policy._load import (
    MAX_POLICY_CHARS,
    load_policy,
    load_policy_file,
    validate_policy,
)
from sladesk.policy._match import conditions_hold, match_rule
from sladesk.policy._model import (
    Action,
    Addon,
    CallPolicy,
    Conditions,
    Fulfilment,
    Maintenance,
    Metric,
    PauseCondition,
    Plan,
    Policy,
    Priority,
    RoutingRule,
    Rule,
    StartEvent,
    Status,
    Target,
    Text,
    Threshold,
    TicketType,
)
from sladesk.policy._oncall import Closing, OnCallPolicy

__all__ = [
    "Action",
    "Addon",
    "CallPolicy",
    "Closing",
    "Conditions",
    "Duration",
    "Fulfilment",
    "MAX_POLICY_CHARS",
    "Maintenance",
    "Metric",
    "OnCallPolicy",
    "PauseCondition",
    "Plan",
    "Policy",
    "Priority",
    "RoutingRule",
    "Rule",
    "StartEvent",
    "Status",
    "Target",
    "Text",
    "Threshold",
    "TicketType",
    "conditions_hold",
    "load_policy",
    "load_policy_file",
    "match_rule",
    "parse_duration",
    "parse_threshold",
    "validate_policy",
]
