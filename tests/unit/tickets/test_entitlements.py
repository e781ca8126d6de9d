"""``check_entitlement``: which channels a plan offers, the monthly quota, and whether the
community answers instead of support. Refusals name the ``channel`` field."""

from __future__ import annotations

import pytest

from sladesk.policy import Policy, load_policy
from sladesk.tickets import Entitlement, TicketRuleError, check_entitlement

POLICY = """\
policy: plans
version: "1"
locales: [en]
calendars:
  office: {timezone: UTC, hours: {mon-fri: ["09:00-18:00"]}}
priorities:
  medium: {label: {en: Medium}, definition: {en: Normal}}
types:
  incident: {label: {en: Incident}}
  question: {label: {en: Question}}
channels: [portal, email, whatsapp]
plans:
  pro: {label: {en: Pro}, ticket_quota: 2, channels: [portal, email]}
  unlimited: {label: {en: Unlimited}}
  free: {label: {en: Free}, community_types: [question]}
  forum: {label: {en: Forum}, support: false}
community_url: https://community.example.com/
help_center_url: https://help.example.com/
rules:
  - name: all
    calendar: office
    targets:
      - metric: first_response
        duration: 4h
"""


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY, "plans.yaml")


def test_without_a_policy_or_a_known_plan_everything_is_allowed() -> None:
    assert check_entitlement(None, "pro", "incident", "fax", 99) == Entitlement(used=99)


def test_a_plan_unknown_to_the_policy_gets_no_quota_and_support(policy: Policy) -> None:
    for plan in (None, "gold"):
        assert check_entitlement(policy, plan, "incident", "whatsapp", 5) == Entitlement(used=5)


def test_the_quota_counts_the_tickets_filed_before_this_one(policy: Policy) -> None:
    under = check_entitlement(policy, "pro", "incident", "email", 1)
    assert (under.over_quota, under.quota, under.used, under.community) == (False, 2, 1, False)
    at = check_entitlement(policy, "pro", "incident", "email", 2)
    assert (at.over_quota, at.quota, at.used) == (True, 2, 2)
    unlimited = check_entitlement(policy, "unlimited", "incident", "whatsapp", 10_000)
    assert (unlimited.over_quota, unlimited.quota) == (False, None)


def test_community_types_and_community_only_plans_are_answered_with_the_link(
    policy: Policy,
) -> None:
    question = check_entitlement(policy, "free", "question", "portal", 0)
    assert question.community and question.community_url == "https://community.example.com/"
    assert not check_entitlement(policy, "free", "incident", "portal", 0).community
    for type_ in ("incident", "question"):
        assert check_entitlement(policy, "forum", type_, "portal", 0).community


def test_a_channel_the_policy_does_not_offer_is_refused(policy: Policy) -> None:
    with pytest.raises(TicketRuleError) as caught:
        check_entitlement(policy, "unlimited", "incident", "fax", 0)
    error = caught.value
    assert (error.code, error.field, error.forbidden) == (
        "ticket.channel.unknown",
        "channel",
        False,
    )
    assert "email, portal, whatsapp" in error.message


def test_a_channel_outside_the_plan_is_refused(policy: Policy) -> None:
    with pytest.raises(TicketRuleError) as caught:
        check_entitlement(policy, "pro", "incident", "whatsapp", 0)
    error = caught.value
    assert (error.code, error.field) == ("ticket.channel.not_in_plan", "channel")
    assert "pro plan" in error.message and "email, portal" in error.message
