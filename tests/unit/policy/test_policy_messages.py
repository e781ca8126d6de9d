"""Every text under ``messages`` is one sladesk sends: its own (``quota_exceeded``,
``community_answer``) or one a ``tell_customer`` action names. A text nothing sends is an
error at its line with the closest key sladesk reads (issue 11, item 9: Blip's
``community_redirect`` texts were silently never sent)."""

# ruff: noqa: E501  (expected messages read best one per line)

from __future__ import annotations

from pathlib import Path

import pytest
from policy_texts import BASE, at, edit, problems

from sladesk.policy import load_policy, load_policy_file
from sladesk.policy._load import SYSTEM_MESSAGES

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"
NEVER_SENT = "is never sent (sladesk sends quota_exceeded, community_answer, email_out_of_hours itself, and other messages when a tell_customer action or a type's answer names them)"


def test_a_text_nothing_sends_is_located_with_the_key_sladesk_reads() -> None:
    text = edit(
        "  quota_exceeded:", "  community_redirect: {en: Ask, es: Pregunta}\n  quota_exceeded:"
    )
    assert problems(text) == [
        f"p.yaml:{at(text, '{en: Ask')}: messages.community_redirect: message "
        f"'community_redirect' {NEVER_SENT}; did you mean 'community_answer'?"
    ]


def test_a_text_a_tell_customer_action_names_is_fine() -> None:
    text = edit("  quota_exceeded:", "  late: {en: Late, es: Tarde}\n  quota_exceeded:")
    assert problems(text) == [
        f"p.yaml:{at(text, '{en: Late')}: messages.late: message 'late' {NEVER_SENT}"
    ]
    text = edit('on_breach: [{notify: "role:lead"}]', "on_breach: [{tell_customer: late}]", text)
    assert problems(text) == []


def test_sladesks_own_texts_may_use_only_their_placeholders() -> None:
    text = edit("Late: over {quota}.", "Late: {quota} of {limit}.")
    assert problems(text) == [
        f"p.yaml:{at(text, chr(34) + 'Late')}: messages.quota_exceeded.en: unknown placeholder "
        "{limit} (this text may use {quota}, {used})"
    ]
    text = edit("Late: over {quota}.", "Late: over {quota.")
    assert "not a valid text template" in problems(text)[0]


def test_every_text_of_sladesks_own_is_one_something_sends() -> None:
    from sladesk.channels.email._outgoing import COMMUNITY_KEYS, OUT_OF_HOURS_KEY
    from sladesk.services._ticket_create import _DEFAULT_TEXTS

    assert set(_DEFAULT_TEXTS) | set(COMMUNITY_KEYS) | {OUT_OF_HOURS_KEY} == set(SYSTEM_MESSAGES)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_example_policies_send_every_text_they_define(path: Path) -> None:
    policy = load_policy_file(path)  # raises on any problem
    told = {
        a.to
        for rule in policy.rules
        for t in rule.targets
        for a in (*t.on_warning, *t.on_breach)
        if a.kind == "tell_customer"
    }
    answers = {t.answer for t in policy.types.values() if t.answer is not None}
    if policy.closing is not None and policy.closing.message is not None:
        answers.add(policy.closing.message)  # Aivo's evidence_and_close
    assert set(policy.messages) <= told | answers | set(SYSTEM_MESSAGES)


def test_blip_answers_questions_with_its_own_spanish_and_portuguese_texts() -> None:
    blip = load_policy_file(EXAMPLES / "blip-go.yaml")
    texts = blip.messages["community_answer"]
    assert set(texts) == {"es", "pt"}
    assert "comunidad" in texts["es"] and "comunidade" in texts["pt"]


def test_base_is_still_valid() -> None:
    assert load_policy(BASE).messages["quota_exceeded"]["es"] == "Tarde: más de {quota}."


def test_a_type_answer_counts_as_sending_its_message() -> None:
    infraspeak = load_policy_file(EXAMPLES / "infraspeak.yaml")
    quote = infraspeak.types["technical_service"]
    assert quote.answer == "technical_service_quote"
    assert "personalized quote" in infraspeak.messages["technical_service_quote"]["en"]
