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
from sladesk.policy._match import match_rule
from sladesk.policy._model import (
    Action,
    Addon,
    Conditions,
    Fulfilment,
    Maintenance,
    Metric,
    PauseCondition,
    Plan,
    Policy,
    Priority,
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
    "MAX_POLICY_CHARS",
    "Action",
    "Addon",
    "Closing",
    "Conditions",
    "Duration",
    "Fulfilment",
    "Maintenance",
    "Metric",
    "OnCallPolicy",
    "PauseCondition",
    "Plan",
    "Policy",
    "Priority",
    "Rule",
    "StartEvent",
    "Status",
    "Target",
    "Text",
    "Threshold",
    "TicketType",
    "load_policy",
    "load_policy_file",
    "match_rule",
    "parse_duration",
    "parse_threshold",
    "validate_policy",
]
