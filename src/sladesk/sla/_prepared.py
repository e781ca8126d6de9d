"""What evaluation precomputes once per policy: each rule's targets keyed by metric, target
lengths in microseconds, pause conditions as sets, warning thresholds, and a cache from
ticket facts to the rule they match (tickets share few distinct facts, and facts change
rarely within a ticket).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sladesk.calendar import Calendar
from sladesk.policy import Fulfilment, Metric, Policy, Rule, StartEvent, Target, match_rule
from sladesk.sla._clocks import td_us
from sladesk.sla._model import TicketFacts

#: A target length: ("t", business microseconds) or ("bd", business days).
Length = tuple[str, int]
#: A target's identity across rules: its metric and its rank among the rule's targets of
#: that metric (a rule normally has one target per metric).
TargetKey = tuple[str, int]
FactsKey = tuple[object, ...]
#: A stretch of the history with constant (index of the matching rule or -1, priority,
#: type under SLA).
Stretch = tuple[int, str, bool]
#: What a rule measures for one sequence of stretches: each target that has a length at the
#: final priority, with its length and its duration as written in every stretch.
Plan = tuple[tuple["CompiledTarget", list[Length | None], list[str | None]], ...]

_MAX_MATCH_CACHE: Final = 65_536
_MAX_POLICIES: Final = 16


@dataclass(frozen=True, slots=True)
class CompiledTarget:
    key: TargetKey
    target: Target
    calendar_name: str
    calendar: Calendar
    metric: Metric
    metric_text: str  # str(metric), as results carry it
    repeats: bool  # next_response / periodic_update: measured in cycles
    from_accepted: bool
    by_assignment: bool
    lengths: Mapping[str, Length]  # priority -> length
    texts: Mapping[str, str]  # priority -> duration as written
    #: statuses that pause whatever the reason / (status, reason) pairs that pause
    pause_any: frozenset[str]
    pause_reasons: frozenset[tuple[str, str]]
    #: (text, fraction or None, lead in microseconds or None)
    warn: tuple[tuple[str, float | None, int | None], ...]

    def pauses(self, status: str, reason: str | None) -> bool:
        return status in self.pause_any or (
            reason is not None and (status, reason) in self.pause_reasons
        )


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    targets: tuple[CompiledTarget, ...]
    by_key: Mapping[TargetKey, CompiledTarget]


class CompiledPolicy:
    __slots__ = ("_match_cache", "_plans", "not_under_sla", "policy", "rules")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.rules = tuple(_compile_rule(policy, r) for r in policy.rules)
        self.not_under_sla = frozenset(k for k, t in policy.types.items() if not t.under_sla)
        self._match_cache: dict[FactsKey, int] = {}
        self._plans: dict[tuple[Stretch, ...], Plan] = {}

    def stretch(self, facts: TicketFacts) -> Stretch:
        return (self.match(facts), facts.priority, facts.type not in self.not_under_sla)

    def plan(self, stretches: tuple[Stretch, ...]) -> Plan:
        """The targets measured when the history went through ``stretches``, the last of
        which is under SLA and matches a rule; kept for the next ticket with the same
        sequence (most tickets have one stretch, and few distinct sequences occur)."""
        found = self._plans.get(stretches)
        if found is None:
            rule_idx, priority, _ = stretches[-1]
            found = tuple(
                (
                    ct,
                    [self.length_in(ct, r, p) if ok else None for r, p, ok in stretches],
                    [self.text_in(ct, r, p) if ok else None for r, p, ok in stretches],
                )
                for ct in self.rules[rule_idx].targets
                if priority in ct.lengths
            )
            if len(self._plans) >= _MAX_MATCH_CACHE:
                self._plans.clear()
            self._plans[stretches] = found
        return found

    def length_in(self, ct: CompiledTarget, rule_idx: int, priority: str) -> Length | None:
        """The length of ``ct``'s counterpart (same metric and rank) in a rule, or None."""
        if rule_idx < 0:
            return None
        other = self.rules[rule_idx].by_key.get(ct.key)
        return None if other is None else other.lengths.get(priority)

    def text_in(self, ct: CompiledTarget, rule_idx: int, priority: str) -> str | None:
        """The duration as written of ``ct``'s counterpart in a rule, or None."""
        if rule_idx < 0:
            return None
        other = self.rules[rule_idx].by_key.get(ct.key)
        return None if other is None else other.texts.get(priority)

    def match(self, facts: TicketFacts) -> int:
        """The index of the first rule matching ``facts``, or -1."""
        key: FactsKey = (
            facts.type,
            facts.priority,
            facts.plan,
            facts.addons,
            facts.channel,
            facts.organization,
            facts.tags,
            tuple(sorted(facts.attributes.items())) if facts.attributes else (),
        )
        found = self._match_cache.get(key)
        if found is None:
            found = _first_match(self.policy, facts)
            if len(self._match_cache) >= _MAX_MATCH_CACHE:
                self._match_cache.clear()
            self._match_cache[key] = found
        return found


def _compile_rule(policy: Policy, rule: Rule) -> CompiledRule:
    seen: dict[str, int] = {}
    out: list[CompiledTarget] = []
    for t in rule.targets:
        rank = seen.get(t.metric, 0)
        seen[t.metric] = rank + 1
        lengths: dict[str, Length] = {}
        texts: dict[str, str] = {}
        for prio, d in t.durations.items():
            texts[prio] = d.text
            if d.business_days is not None:
                lengths[prio] = ("bd", d.business_days)
            elif d.time is not None:
                lengths[prio] = ("t", td_us(d.time))
        warn = tuple(
            (
                th.text,
                th.fraction,
                td_us(th.lead) if th.lead is not None else None,
            )
            for th in t.warn
        )
        out.append(
            CompiledTarget(
                key=(str(t.metric), rank),
                target=t,
                calendar_name=t.calendar,
                calendar=policy.calendars[t.calendar],
                metric=t.metric,
                metric_text=str(t.metric),
                repeats=t.metric in (Metric.NEXT_RESPONSE, Metric.PERIODIC_UPDATE),
                from_accepted=t.start is StartEvent.ACCEPTED,
                by_assignment=t.fulfilled_by is Fulfilment.ASSIGNMENT,
                lengths=lengths,
                texts=texts,
                pause_any=frozenset(str(p.status) for p in t.pause_on if p.reason is None),
                pause_reasons=frozenset(
                    (str(p.status), p.reason) for p in t.pause_on if p.reason is not None
                ),
                warn=warn,
            )
        )
    return CompiledRule(rule, tuple(out), {c.key: c for c in out})


def _first_match(policy: Policy, facts: TicketFacts) -> int:
    rule = match_rule(policy, facts)
    if rule is None:
        return -1
    for i, r in enumerate(policy.rules):
        if r is rule:
            return i
    raise AssertionError("match_rule returned a rule not in the policy")


_COMPILED: Final[dict[int, CompiledPolicy]] = {}


def compiled(policy: Policy) -> CompiledPolicy:
    """The compiled form of ``policy``, built on first use and kept for the next tickets.
    Keyed by identity: a Policy is immutable, and a new version is a new object."""
    cp = _COMPILED.get(id(policy))
    if cp is None or cp.policy is not policy:
        if len(_COMPILED) >= _MAX_POLICIES:
            _COMPILED.clear()
        cp = CompiledPolicy(policy)
        _COMPILED[id(policy)] = cp
    return cp
