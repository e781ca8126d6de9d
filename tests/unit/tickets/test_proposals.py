"""The proposal rules, pure: every pair of statuses is allowed exactly when the table says,
only staff move them, declining needs a why, planned and released notify, and a customer
sees the proposer's name only within the proposer's organisation."""

from __future__ import annotations

import itertools

import pytest

from sladesk.tickets import (
    NOTIFY_ON,
    PROPOSAL_TRANSITIONS,
    Actor,
    Forbidden,
    InvalidRequest,
    ProposalStatus,
    TicketRuleError,
    decide_proposal_status,
    proposer_label,
)

AGENT = Actor.agent(1, "agent", name="Al")
CONTACT = Actor.contact(5, 10, name="Alice")


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(ProposalStatus, 2)))
def test_every_move_follows_the_table(a: ProposalStatus, b: ProposalStatus) -> None:
    if b in PROPOSAL_TRANSITIONS[a]:
        d = decide_proposal_status(AGENT, a.value, b.value, "why")
        assert (d.before, d.to, d.notify) == (a, b, b in NOTIFY_ON)
    else:
        with pytest.raises(TicketRuleError):
            decide_proposal_status(AGENT, a.value, b.value, "why")


def test_the_rules() -> None:
    assert {ProposalStatus.PLANNED, ProposalStatus.RELEASED} == NOTIFY_ON
    assert PROPOSAL_TRANSITIONS[ProposalStatus.RELEASED] == frozenset()
    with pytest.raises(Forbidden):
        decide_proposal_status(CONTACT, "proposed", "planned", None)
    with pytest.raises(InvalidRequest):
        decide_proposal_status(AGENT, "proposed", "declined", None)
    with pytest.raises(InvalidRequest):  # a comment alone needs words
        decide_proposal_status(AGENT, "proposed", None, " ")
    alone = decide_proposal_status(AGENT, "planned", "planned", "On track")
    assert (alone.to, alone.notify, alone.comment) == (ProposalStatus.PLANNED, False, "On track")


def test_who_sees_the_proposer() -> None:
    assert proposer_label(AGENT, 10, "Alice") == "Alice"
    assert proposer_label(Actor.contact(6, 10), 10, "Alice") == "Alice"
    assert proposer_label(Actor.contact(7, 11), 10, "Alice") is None
    assert proposer_label(Actor.contact(8, None), None, "Alice") is None
    assert proposer_label(AGENT, None, None) is None
