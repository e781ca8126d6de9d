"""A chat first-response target is a policy target like any other (issue 16): a rule for
the chat channel gives it in seconds or minutes; its clock starts when the chat is opened
(the customer's first communication) and stops at the agent's first chat message; the
ticket the chat becomes carries it, on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import POLICY, Desk

from sladesk import services as s
from sladesk.policy import load_policy
from sladesk.sla import TargetResult, TargetState

#: the desk's policy with a chat rule first: 90 seconds to the first response, around the
#: clock, and the chat's resolution on the business calendar
CHAT_RULE = """\
rules:
  - name: live_chat
    when: {channel: chat}
    targets:
      - metric: first_response
        calendar: always
        duration: 90s
        warn: ["30s"]
      - metric: resolution
        calendar: support
        duration: 8h
"""
CHAT_POLICY = POLICY.replace("rules:\n", CHAT_RULE, 1)


@pytest.fixture
def chat_desk(desk: Desk) -> Desk:
    s.publish_policy(desk.uow, desk.clock, desk.admin, CHAT_POLICY, source="chat.yaml")
    return desk


def test_the_policy_language_takes_a_chat_target_in_seconds_or_minutes() -> None:
    policy = load_policy(CHAT_POLICY, source="chat.yaml")
    rule = policy.rules[0]
    assert rule.name == "live_chat" and rule.when.channels == frozenset({"chat"})
    first = rule.targets[0]
    assert first.metric == "first_response"
    assert first.durations["normal"].time == timedelta(seconds=90)
    minutes = load_policy(CHAT_POLICY.replace("duration: 90s", "duration: 2m"), source="m.yaml")
    assert minutes.rules[0].targets[0].durations["urgent"].time == timedelta(minutes=2)


def _chat(desk: Desk, answer_after: timedelta | None) -> int:
    """A chat opened now, accepted after 20 s, the agent's first message ``answer_after``
    the opening (None: never), closed 10 minutes after the opening; its ticket's id."""
    opened = desk.clock.now()
    token, view = s.start_chat(desk.uow, desk.clock, name="Vera", email="vera@example.org",
                               first_message="Is the export broken?")  # fmt: skip
    chat_id = view.session.id
    desk.clock.set(opened + timedelta(seconds=20))
    s.accept_chat(desk.uow, desk.clock, desk.agent, chat_id)  # "Al Agent joined": not an answer
    s.post_visitor_message(desk.uow, desk.clock, token, "Hello?")
    if answer_after is not None:
        desk.clock.set(opened + answer_after)
        s.post_agent_message(desk.uow, desk.clock, desk.agent, chat_id, "Looking at it now")
        desk.clock.set(opened + answer_after + timedelta(seconds=5))
        s.post_agent_message(desk.uow, desk.clock, desk.agent, chat_id, "Fixed!")
    desk.clock.set(opened + timedelta(minutes=10))
    closed = s.close_chat(desk.uow, desk.clock, desk.agent, chat_id)
    assert closed.session.ticket_id is not None
    return closed.session.ticket_id


def _first_response(desk: Desk, ticket_id: int) -> TargetResult:
    ticket = s.get_ticket(desk.uow, desk.clock, desk.agent, ticket_id)
    assert ticket.channel == "chat" and ticket.sla is not None
    (first,) = [t for t in ticket.sla.targets if t.metric == "first_response"]
    return first


def test_the_clock_starts_at_the_chat_and_stops_at_the_agents_first_chat_message(
    chat_desk: Desk,
) -> None:
    opened = chat_desk.clock.now()
    ticket_id = _chat(chat_desk, answer_after=timedelta(seconds=75))
    first = _first_response(chat_desk, ticket_id)
    assert first.target_text == "90s" and first.target == timedelta(seconds=90)
    assert first.started_at == opened  # the chat's opening, not its closing (10 min later)
    assert first.state is TargetState.MET
    assert first.fulfilled_at == opened + timedelta(seconds=75)  # not the accept at 20 s
    assert first.used == timedelta(seconds=75) and first.due_at == opened + timedelta(seconds=90)
    assert [w.passed for w in first.warnings] == [True]  # 30 s before due: passed at 60 s
    ticket = s.get_ticket(chat_desk.uow, chat_desk.clock, chat_desk.agent, ticket_id)
    assert ticket.status == "open"  # answered: the agent's reply opened it
    # the transcript is still the ticket's one message: the answer adds no duplicate
    assert [m.kind for m in ticket.messages] == ["reply"]
    assert "Al Agent: Looking at it now" in ticket.messages[0].body


def test_a_late_first_chat_message_breaches_and_an_unanswered_chat_keeps_running(
    chat_desk: Desk,
) -> None:
    opened = chat_desk.clock.now()
    late = _first_response(chat_desk, _chat(chat_desk, answer_after=timedelta(minutes=3)))
    assert late.state is TargetState.BREACHED
    assert late.breached_at == opened + timedelta(seconds=90)
    assert late.fulfilled_at == opened + timedelta(minutes=3)

    opened = chat_desk.clock.now()
    waiting = _first_response(chat_desk, _chat(chat_desk, answer_after=None))
    assert waiting.started_at == opened
    assert waiting.state is TargetState.BREACHED and waiting.fulfilled_at is None
    assert waiting.breached_at == opened + timedelta(seconds=90)
