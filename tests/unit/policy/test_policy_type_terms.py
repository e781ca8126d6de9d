"""A ticket type's own terms: ``quota: false`` (not counted in a plan's monthly quota) and
``answer: <message>`` (the text the customer is sent when filing one), as Infraspeak's
technical-service requests use them."""

from __future__ import annotations

from pathlib import Path

from policy_texts import at, edit, problems

from sladesk.policy import load_policy, load_policy_file
from sladesk.tickets import check_entitlement

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"
FEATURE = "feature_request: {label: {en: Feature request, es: Funcionalidad}, sla: false"


def test_infraspeak_technical_service_is_outside_the_quota_and_answered_with_the_quote() -> None:
    policy = load_policy_file(EXAMPLES / "infraspeak.yaml")
    technical = policy.types["technical_service"]
    assert (technical.under_sla, technical.counts_toward_quota) == (False, False)
    assert technical.answer == "technical_service_quote"
    assert "personalized quote" in policy.messages["technical_service_quote"]["en"]
    assert policy.types["incident"].counts_toward_quota and policy.types["incident"].answer is None
    # the essential plan's 10 tickets are used up: an incident is over it, a request is not
    assert check_entitlement(policy, "essential", "incident", "portal", 10).over_quota
    assert not check_entitlement(policy, "essential", "technical_service", "portal", 10).over_quota


def test_the_keys_read_and_default() -> None:
    policy = load_policy(edit(FEATURE, FEATURE + ", quota: false, answer: quota_exceeded"))
    assert policy.types["feature_request"].counts_toward_quota is False
    assert policy.types["feature_request"].answer == "quota_exceeded"
    assert policy.types["incident"].counts_toward_quota is True


def test_an_answer_names_a_message_and_quota_is_a_boolean() -> None:
    text = edit(FEATURE, FEATURE + ", answer: quota_exceded")
    assert problems(text) == [
        f"p.yaml:{at(text, 'quota_exceded')}: types.feature_request.answer: unknown message "
        "'quota_exceded'; did you mean 'quota_exceeded'? (known: quota_exceeded)"
    ]
    text = edit(FEATURE, FEATURE + ", quota: sometimes")
    assert problems(text) == [
        f"p.yaml:{at(text, 'sometimes')}: types.feature_request.quota: expected true or false, "
        "got the string 'sometimes'"
    ]
