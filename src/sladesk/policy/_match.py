"""What a rule's ``when`` means: matching a ticket, and one rule covering another.

Both questions read the same semantics, so they live together: every given key must hold; a
key holds when the ticket has any of its values; for the set-valued facts (add-ons, tags) any
listed value among the ticket's is enough. ``match_rule`` runs on every SLA evaluation, so a
policy's rules are compiled once into plain tuples of checks and kept in a small cache keyed
by the policy object itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from threading import Lock
from typing import TYPE_CHECKING, Protocol

from sladesk.policy._model import Conditions, Policy, Rule

if TYPE_CHECKING:
    from sladesk.sla import TicketFacts


class Facts(Protocol):
    """The ticket facts rules match on (:class:`sladesk.sla.TicketFacts` or alike)."""

    @property
    def type(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def plan(self) -> str | None: ...
    @property
    def addons(self) -> Iterable[str]: ...
    @property
    def channel(self) -> str | None: ...
    @property
    def organization(self) -> str | None: ...
    @property
    def tags(self) -> Iterable[str]: ...
    @property
    def attributes(self) -> Mapping[str, str]: ...


_SCALAR_FACTS = (
    ("types", "type"),
    ("priorities", "priority"),
    ("plans", "plan"),
    ("channels", "channel"),
    ("organizations", "organization"),
)
_SET_FACTS = (("addons", "addons"), ("tags", "tags"))

_Checks = tuple[tuple[str, frozenset[str]], ...]


class _Compiled:
    """One rule's ``when`` as only the checks it gives, in the order they are cheapest."""

    __slots__ = ("attributes", "rule", "scalars", "sets")

    def __init__(self, rule: Rule) -> None:
        when = rule.when
        self.rule = rule
        self.scalars: _Checks = tuple(
            (fact, v) for field, fact in _SCALAR_FACTS if (v := getattr(when, field))
        )
        self.sets: _Checks = tuple(
            (fact, v) for field, fact in _SET_FACTS if (v := getattr(when, field))
        )
        self.attributes: _Checks = tuple(when.attributes.items())

    def holds(self, facts: Facts) -> bool:
        for name, values in self.scalars:
            if getattr(facts, name) not in values:
                return False
        for name, values in self.sets:
            if values.isdisjoint(getattr(facts, name)):
                return False
        if self.attributes:
            attrs = facts.attributes
            for key, values in self.attributes:
                if attrs.get(key) not in values:
                    return False
        return True


_CACHE_SIZE = 64
_cache: dict[int, tuple[Policy, tuple[_Compiled, ...]]] = {}
_cache_lock = Lock()


def _compiled(policy: Policy) -> tuple[_Compiled, ...]:
    entry = _cache.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    compiled = tuple(_Compiled(rule) for rule in policy.rules)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[id(policy)] = (policy, compiled)
    return compiled


def match_rule(policy: Policy, facts: TicketFacts | Facts) -> Rule | None:
    """The first rule of ``policy`` whose ``when`` holds for ``facts``; ``None`` if none does
    (the ticket has no SLA)."""
    for c in _compiled(policy):
        if c.holds(facts):
            return c.rule
    return None


def conditions_hold(when: Conditions, facts: TicketFacts | Facts) -> bool:
    """Whether ``when`` holds for ``facts`` (what :func:`match_rule` asks of each rule; also
    the ``when`` of routing rules)."""
    return _Compiled(Rule("", when, ())).holds(facts)


def covers(earlier: Conditions, later: Conditions) -> bool:
    """True when every ticket ``later`` matches is also matched by ``earlier``: each key of
    ``earlier`` is present in ``later`` with a subset of its values. (A rule listed after a
    covering rule can never be chosen.)"""
    for field, _ in (*_SCALAR_FACTS, *_SET_FACTS):
        mine: frozenset[str] | None = getattr(earlier, field)
        if mine is None:
            continue
        theirs: frozenset[str] | None = getattr(later, field)
        if theirs is None or not theirs <= mine:
            return False
    for key, mine in earlier.attributes.items():
        theirs = later.attributes.get(key)
        if theirs is None or not theirs <= mine:
            return False
    return True
