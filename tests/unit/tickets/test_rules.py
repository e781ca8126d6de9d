"""The pure ticket rules: status machine, decide_*, entitlements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sladesk.policy import Status
from sladesk.sla import Author, EventKind
from sladesk.tickets import (
    TRANSITIONS,
    Actor,
    TicketRuleError,
    TicketState,
    apply,
    check_transition,
    decide_call,
    decide_close,
    decide_internal_note,
    decide_priority_change,
    decide_reopen,
    decide_reply,
    quota_month,
)

NOW = datetime(2025, 3, 3, 10, tzinfo=UTC)
AGENT = Actor.agent(1, "agent")
CONTACT = Actor.contact(7, 3)


def state(status: Status = Status.OPEN) -> TicketState:
    return TicketState(status=status, priority="normal", type="incident", organization_id=3)


def test_closed_is_final_and_solved_only_reopens_or_closes() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert TRANSITIONS[Status.SOLVED] == {Status.OPEN, Status.CLOSED}
    with pytest.raises(TicketRuleError, match="closed is final"):
        check_transition(Status.CLOSED, Status.OPEN, None)
    with pytest.raises(TicketRuleError):
        check_transition(Status.SOLVED, Status.PENDING_CUSTOMER, None)


def test_contacts_cannot_add_internal_notes() -> None:
    with pytest.raises(TicketRuleError) as e:
        decide_internal_note(state(), CONTACT, "x", now=NOW)
    assert e.value.code == "ticket.note.contact" and e.value.forbidden
    (note,) = decide_internal_note(state(), AGENT, "x", now=NOW)
    assert note.public is False and note.author is Author.AGENT


def test_a_call_needs_a_summary_and_a_priority_change_a_reason() -> None:
    with pytest.raises(TicketRuleError, match="summary"):
        decide_call(state(), AGENT, " ", now=NOW)
    with pytest.raises(TicketRuleError, match="reason"):
        decide_priority_change(state(), AGENT, "urgent", None, now=NOW)
    (e,) = decide_priority_change(state(), AGENT, "urgent", "outage", now=NOW)
    assert (e.kind, e.priority, e.reason) == (EventKind.PRIORITY, "urgent", "outage")


def test_customer_reply_reopens_a_solved_ticket() -> None:
    events = decide_reply(state(Status.SOLVED), CONTACT, "still broken", now=NOW)
    assert apply(state(Status.SOLVED), events).status is Status.OPEN
    events = decide_reply(state(Status.NEW), AGENT, "hello", now=NOW)
    assert apply(state(Status.NEW), events).status is Status.OPEN


def test_close_and_reopen() -> None:
    with pytest.raises(TicketRuleError, match="evidence"):
        decide_close(state(), AGENT, None, now=NOW)
    assert apply(state(), decide_close(state(), AGENT, "their firewall", now=NOW)).is_final
    with pytest.raises(TicketRuleError, match="only a solved ticket"):
        decide_reopen(state(), CONTACT, None, now=NOW)


def test_quota_month_is_the_local_calendar_month() -> None:
    start, end = quota_month(datetime(2025, 3, 31, 23, 30, tzinfo=UTC), "Europe/Lisbon")
    assert start == datetime(2025, 3, 31, 23, tzinfo=UTC)  # April 1st, 00:00 WEST
    assert end == datetime(2025, 4, 30, 23, tzinfo=UTC)
