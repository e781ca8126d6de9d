"""Which rule a ticket gets (first match; any-of values, all keys), and rules that can never
apply because an earlier rule covers them."""

from __future__ import annotations

from dataclasses import replace
from textwrap import dedent, indent

import pytest
from policy_texts import BASE, at, problems

from sladesk.policy import Policy, load_policy, match_rule
from sladesk.sla._model import TicketFacts

HEAD = BASE[: BASE.index("rules:\n")]


def with_rules(rules: str) -> str:
    """BASE with its rules replaced by ``rules`` (YAML list items, written at column 0);
    each rule gets a one-target body so only `when` matters."""
    body = "\n  targets: [{metric: resolution, calendar: office, duration: 4h}]\n"
    items = dedent(rules).strip().split("\n- ")
    text = "\n".join(
        ("- " if i else "") + item.rstrip() + body.rstrip("\n") for i, item in enumerate(items)
    )
    return HEAD + "rules:\n" + indent(text, "  ") + "\n"


def facts(**changes: object) -> TicketFacts:
    base = TicketFacts(type="incident", priority="high", plan="pro", channel="email")
    return replace(base, **changes)  # type: ignore[arg-type]


class TestShadowing:
    def test_a_rule_without_when_shadows_every_later_rule(self) -> None:
        text = with_rules(
            """
            - name: everything
            - name: vip
              when: {addon: vip}
            - name: last
            """
        )
        assert problems(text) == [
            f"p.yaml:{at(text, '{addon: vip}')}: rules[1].when: rule 'vip' is shadowed by "
            "rules[0] 'everything': that rule comes first and matches every ticket this one "
            "matches (it has no `when`), so this rule never applies",
            f"p.yaml:{at(text, 'name: last')}: rules[2]: rule 'last' is shadowed by "
            "rules[0] 'everything': that rule comes first and matches every ticket this one "
            "matches (it has no `when`), so this rule never applies",
        ]

    def test_fewer_values_under_every_key_of_the_earlier_rule_is_shadowed(self) -> None:
        text = with_rules(
            """
            - name: incidents
              when: {type: [incident, question], priority: [urgent, high]}
            - name: urgent email incidents
              when: {type: incident, priority: urgent, channel: email}
            """
        )
        assert problems(text) == [
            f"p.yaml:{at(text, '{type: incident,')}: rules[1].when: rule 'urgent email "
            "incidents' is shadowed by rules[0] 'incidents': that rule comes first and matches "
            "every ticket this one matches, so this rule never applies"
        ]

    def test_set_valued_and_attribute_conditions(self) -> None:
        text = with_rules(
            """
            - name: tagged
              when: {tag: [vip, gold], attributes: {integration: [vendor_built, partner]}}
            - name: vip tagged
              when: {tag: vip, addon: vip, attributes: {integration: vendor_built, tier: "1"}}
            """
        )
        assert [p.split(": ")[1] for p in problems(text)] == ["rules[1].when"]

    @pytest.mark.parametrize(
        "later",
        [
            "{type: [incident, feature_request]}",  # a value the earlier rule does not list
            "{priority: urgent}",  # lacks the earlier rule's type key
            "{tag: [vip, other], type: incident}",
            "{type: incident, attributes: {integration: self_service}}",
        ],
    )
    def test_not_shadowed(self, later: str) -> None:
        text = with_rules(
            """
            - name: first
              when: {type: incident, attributes: {integration: vendor_built}, tag: vip}
            - name: second
              when: LATER
            """.replace("LATER", later)
        )
        assert problems(text) == []

    def test_only_the_first_shadowing_rule_is_named(self) -> None:
        text = with_rules(
            """
            - name: a
              when: {type: incident}
            - name: b
              when: {type: [incident, question]}
            """
        )
        assert problems(text) == []
        text = with_rules(
            """
            - name: a
              when: {type: [incident, question]}
            - name: b
              when: {type: incident}
            - name: c
              when: {type: incident, channel: email}
            """
        )
        assert [p.split(": ", 2)[2][:40] for p in problems(text)] == [
            "rule 'b' is shadowed by rules[0] 'a': th",
            "rule 'c' is shadowed by rules[0] 'a': th",
        ]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(
        with_rules(
            """
            - name: vip urgent
              when: {addon: vip, priority: [urgent, high]}
            - name: vendor integrations
              when: {type: incident, attributes: {integration: vendor_built, env: [prod, staging]}}
            - name: key accounts
              when: {tag: [key_account, strategic], organization: [acme, globex]}
            - name: free questions
              when: {plan: free, type: question, channel: [portal, whatsapp]}
            - name: incidents
              when: {type: incident}
            """
        )
    )


def rule_for(policy: Policy, **changes: object) -> str | None:
    rule = match_rule(policy, facts(**changes))
    return rule.name if rule is not None else None


class TestMatchRule:
    def test_first_matching_rule_wins(self, policy: Policy) -> None:
        vendor = {"integration": "vendor_built", "env": "prod"}
        assert rule_for(policy, addons=frozenset({"vip"}), attributes=vendor) == "vip urgent"
        assert rule_for(policy, attributes=vendor) == "vendor integrations"
        assert rule_for(policy) == "incidents"

    def test_any_of_the_listed_values_holds(self, policy: Policy) -> None:
        assert rule_for(policy, addons=frozenset({"vip"}), priority="urgent") == "vip urgent"
        assert rule_for(policy, addons=frozenset({"vip"}), priority="low") == "incidents"

    def test_every_given_key_must_hold(self, policy: Policy) -> None:
        free_q = {"plan": "free", "type": "question"}
        assert rule_for(policy, channel="whatsapp", **free_q) == "free questions"
        assert rule_for(policy, channel="email", **free_q) is None
        assert rule_for(policy, channel="portal", plan="pro", type="question") is None

    def test_addons_and_tags_are_sets(self, policy: Policy) -> None:
        assert rule_for(policy, addons=frozenset({"other", "vip"})) == "vip urgent"
        assert rule_for(policy, addons=frozenset()) == "incidents"
        both = {"tags": frozenset({"strategic", "x"}), "type": "question"}
        assert rule_for(policy, organization="acme", **both) == "key accounts"
        assert rule_for(policy, organization="initech", **both) is None
        assert rule_for(policy, organization="acme", type="question") is None

    def test_attributes(self, policy: Policy) -> None:
        assert rule_for(policy, attributes={"integration": "vendor_built", "env": "staging"}) == (
            "vendor integrations"
        )
        assert rule_for(policy, attributes={"integration": "vendor_built"}) == "incidents"
        assert rule_for(policy, attributes={"integration": "self_service", "env": "prod"}) == (
            "incidents"
        )

    def test_no_plan_matches_no_plan_condition(self, policy: Policy) -> None:
        assert rule_for(policy, plan=None, type="question", channel="portal") is None

    def test_duck_typed_facts(self, policy: Policy) -> None:
        class Facts:
            type = "question"
            priority = "low"
            plan = "free"
            addons: list[str] = []
            channel = "portal"
            organization = None
            tags = ["key_account"]
            attributes: dict[str, str] = {}

        assert match_rule(policy, Facts()) is policy.rules[3]

    def test_the_compiled_rules_follow_the_policy_object(self, policy: Policy) -> None:
        assert rule_for(policy) == "incidents"
        other = replace(policy, rules=policy.rules[:1])
        assert match_rule(other, facts()) is None
        assert rule_for(policy) == "incidents"
