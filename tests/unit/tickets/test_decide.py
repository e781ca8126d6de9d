"""Each ``decide_*`` / ``check_*`` ticket rule on its own: the events it decides (kind, fields,
the status move it implies) and every refusal, with its code and whether it is a 403."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sladesk.policy import Status
from sladesk.sla import Author, Event, EventKind
from sladesk.tickets import (
    Actor,
    InvalidRequest,
    TicketRuleError,
    TicketState,
    apply,
    check_attach,
    check_transition,
    decide_accept,
    decide_assign,
    decide_call,
    decide_close,
    decide_create,
    decide_internal_note,
    decide_priority_change,
    decide_reopen,
    decide_reply,
    decide_solve,
    decide_status_change,
    decide_type_change,
    parse_status,
)

NOW = datetime(2026, 3, 10, 10, tzinfo=UTC)
AGENT = Actor.agent(1, "agent")
CONTACT = Actor.contact(7, 3)
SYSTEM = Actor.system("test")


def state(status: Status = Status.OPEN, **fields: object) -> TicketState:
    values: dict[str, object] = {
        "status": status,
        "priority": "medium",
        "type": "incident",
        "organization_id": 3,
        "requester_id": 7,
    }
    return TicketState(**{**values, **fields})  # type: ignore[arg-type]


def refused(call: object, code: str, *, forbidden: bool = False) -> TicketRuleError:
    assert callable(call)
    with pytest.raises(TicketRuleError) as caught:
        call()
    assert caught.value.code == code, caught.value
    assert caught.value.forbidden is forbidden
    return caught.value


def status_moves(events: list[Event]) -> list[tuple[str | None, str | None]]:
    return [(e.status, e.reason) for e in events if e.kind is EventKind.STATUS]


# -- create ---------------------------------------------------------------------------------


def test_create_is_the_customers_first_communication() -> None:
    assert decide_create(CONTACT, now=NOW) == [Event(at=NOW, kind=EventKind.CREATED)]


def test_a_ticket_the_community_answers_is_answered_by_the_system_and_solved() -> None:
    created, answer, solved = decide_create(CONTACT, now=NOW, community_reply=True)
    assert created.kind is EventKind.CREATED
    assert (answer.kind, answer.author, answer.public) == (EventKind.MESSAGE, Author.SYSTEM, True)
    assert (solved.status, solved.reason) == ("solved", "community")
    assert {e.at for e in (created, answer, solved)} == {NOW}


# -- attach ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CLOSED])
def test_a_file_may_be_attached_to_any_ticket_not_closed(status: Status) -> None:
    assert check_attach(state(status)) is None


def test_nothing_is_attached_to_a_closed_ticket() -> None:
    refused(lambda: check_attach(state(Status.CLOSED)), "ticket.closed")


# -- accept ---------------------------------------------------------------------------------


def test_accepting_a_new_ticket_opens_it() -> None:
    events = decide_accept(state(Status.NEW), AGENT, now=NOW)
    assert [e.kind for e in events] == [EventKind.ACCEPTED, EventKind.STATUS]
    after = apply(state(Status.NEW), events)
    assert after.accepted and after.status is Status.OPEN


def test_accepting_an_open_ticket_changes_no_status() -> None:
    assert decide_accept(state(Status.PENDING_CUSTOMER), AGENT, now=NOW) == [
        Event(at=NOW, kind=EventKind.ACCEPTED)
    ]


def test_accept_refusals() -> None:
    refused(lambda: decide_accept(state(), CONTACT, now=NOW), "ticket.accept.forbidden",
            forbidden=True)  # fmt: skip
    refused(lambda: decide_accept(state(Status.CLOSED), AGENT, now=NOW), "ticket.closed")
    refused(lambda: decide_accept(state(accepted=True), AGENT, now=NOW), "ticket.accept.twice")
    refused(lambda: decide_accept(state(Status.SOLVED), AGENT, now=NOW), "ticket.accept.solved")


# -- reply ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status", "moves"),
    [
        (CONTACT, Status.SOLVED, [("open", "customer replied")]),
        (CONTACT, Status.PENDING_CUSTOMER, [("open", None)]),
        (CONTACT, Status.ON_HOLD, []),  # on hold waits for a third party, not the customer
        (CONTACT, Status.NEW, []),
        (AGENT, Status.NEW, [("open", None)]),
        (AGENT, Status.PENDING_CUSTOMER, []),
        (AGENT, Status.SOLVED, []),
    ],
)
def test_a_reply_is_a_public_message_and_may_move_the_status(
    actor: Actor, status: Status, moves: list[tuple[str, str | None]]
) -> None:
    first, *rest = decide_reply(state(status), actor, " text ", now=NOW)
    author = Author.CUSTOMER if actor.is_contact else Author.AGENT
    assert (first.kind, first.author, first.public) == (EventKind.MESSAGE, author, True)
    assert status_moves(rest) == moves


def test_a_system_reply_is_authored_by_the_system() -> None:
    (message, _open) = decide_reply(state(Status.NEW), SYSTEM, "auto", now=NOW)
    assert message.author is Author.SYSTEM


def test_reply_refusals() -> None:
    refused(lambda: decide_reply(state(Status.CLOSED), CONTACT, "x", now=NOW), "ticket.closed")
    error = refused(lambda: decide_reply(state(), CONTACT, "  \n", now=NOW), "ticket.reply.empty")
    assert error.field == "body"


# -- internal note --------------------------------------------------------------------------


def test_an_internal_note_is_a_private_message_and_moves_nothing() -> None:
    for status in (Status.NEW, Status.SOLVED, Status.CLOSED):  # notes stay possible when closed
        (note,) = decide_internal_note(state(status), AGENT, "x", now=NOW)
        assert (note.kind, note.author, note.public) == (EventKind.MESSAGE, Author.AGENT, False)


def test_internal_note_refusals() -> None:
    refused(lambda: decide_internal_note(state(), CONTACT, "x", now=NOW), "ticket.note.contact",
            forbidden=True)  # fmt: skip
    error = refused(lambda: decide_internal_note(state(), AGENT, " ", now=NOW), "ticket.note.empty")
    assert error.field == "body"


# -- call -----------------------------------------------------------------------------------


def test_a_call_is_a_public_agent_message_and_opens_a_new_ticket() -> None:
    message, opened = decide_call(state(Status.NEW), AGENT, "agreed to restart", now=NOW)
    assert (message.kind, message.author, message.public) == (EventKind.MESSAGE, Author.AGENT, True)
    assert (opened.status, opened.reason) == ("open", None)
    assert len(decide_call(state(Status.ON_HOLD), AGENT, "update", now=NOW)) == 1


def test_call_refusals() -> None:
    refused(lambda: decide_call(state(), CONTACT, "x", now=NOW), "ticket.call.forbidden",
            forbidden=True)  # fmt: skip
    refused(lambda: decide_call(state(Status.CLOSED), AGENT, "x", now=NOW), "ticket.closed")
    error = refused(lambda: decide_call(state(), AGENT, "", now=NOW),
                    "ticket.call.summary_required")  # fmt: skip
    assert error.field == "summary"


# -- assign ---------------------------------------------------------------------------------


def test_assigning_names_the_agent_and_team_and_opens_a_new_ticket() -> None:
    assigned, opened = decide_assign(state(Status.NEW), AGENT, 5, "tier2", now=NOW)
    assert (assigned.kind, assigned.assignee, assigned.team) == (EventKind.ASSIGNED, "5", "tier2")
    assert opened.status == "open"
    (team_only,) = decide_assign(state(assignee_id=5), AGENT, None, "tier2", now=NOW)
    assert (team_only.assignee, team_only.team) == (None, "tier2")
    after = apply(state(), decide_assign(state(), AGENT, 9, None, now=NOW))
    assert after.assignee_id == 9


def test_assign_refusals() -> None:
    refused(lambda: decide_assign(state(), CONTACT, 5, None, now=NOW), "ticket.assign.forbidden",
            forbidden=True)  # fmt: skip
    refused(lambda: decide_assign(state(Status.CLOSED), AGENT, 5, None, now=NOW), "ticket.closed")
    error = refused(lambda: decide_assign(state(), AGENT, None, None, now=NOW),
                    "ticket.assign.empty")  # fmt: skip
    assert error.field == "assignee_id"
    same = state(assignee_id=5, team="tier1")
    refused(lambda: decide_assign(same, AGENT, 5, None, now=NOW), "ticket.assign.same")
    refused(lambda: decide_assign(same, AGENT, 5, "tier1", now=NOW), "ticket.assign.same")
    (moved,) = decide_assign(same, AGENT, 5, "tier2", now=NOW)  # same agent, another team
    assert moved.team == "tier2"


# -- status ---------------------------------------------------------------------------------


def test_a_status_change_is_one_status_event_with_its_reason_trimmed() -> None:
    events = decide_status_change(state(), AGENT, "on_hold", " partner_outage ", now=NOW)
    assert status_moves(events) == [("on_hold", "partner_outage")]
    assert status_moves(
        decide_status_change(state(), AGENT, "pending_customer", None, now=NOW)
    ) == [("pending_customer", None)]


def test_on_hold_may_change_only_its_reason() -> None:
    held = state(Status.ON_HOLD, status_reason="partner_outage")
    events = decide_status_change(held, AGENT, "on_hold", "third_party", now=NOW)
    assert status_moves(events) == [("on_hold", "third_party")]
    refused(lambda: decide_status_change(held, AGENT, "on_hold", "partner_outage", now=NOW),
            "ticket.status.same")  # fmt: skip


def test_closing_by_status_needs_evidence_unless_solved() -> None:
    refused(lambda: decide_status_change(state(), AGENT, "closed", None, now=NOW),
            "ticket.close.reason_required")  # fmt: skip
    assert status_moves(decide_status_change(state(Status.SOLVED), AGENT, "closed", None,
                                             now=NOW)) == [("closed", None)]  # fmt: skip


def test_status_change_refusals() -> None:
    refused(lambda: decide_status_change(state(), CONTACT, "solved", None, now=NOW),
            "ticket.status.forbidden", forbidden=True)  # fmt: skip
    refused(lambda: decide_status_change(state(), AGENT, "open", None, now=NOW),
            "ticket.status.same")  # fmt: skip
    refused(lambda: decide_status_change(state(), AGENT, "waiting", None, now=NOW),
            "ticket.status.unknown")  # fmt: skip
    refused(lambda: decide_status_change(state(), AGENT, "on_hold", " ", now=NOW),
            "ticket.status.reason_required")  # fmt: skip
    refused(lambda: decide_status_change(state(Status.SOLVED), AGENT, "pending_customer", None,
                                         now=NOW), "ticket.status.transition")  # fmt: skip
    refused(lambda: decide_status_change(state(Status.CLOSED), AGENT, "open", None, now=NOW),
            "ticket.closed")  # fmt: skip


# -- priority and type ----------------------------------------------------------------------


def test_a_priority_change_carries_the_reason_the_customer_sees() -> None:
    (e,) = decide_priority_change(state(), AGENT, "urgent", " outage ", now=NOW,
                                  known=["urgent", "medium"])  # fmt: skip
    assert (e.kind, e.priority, e.reason) == (EventKind.PRIORITY, "urgent", "outage")
    assert apply(state(), [e]).priority == "urgent"


def test_priority_change_refusals() -> None:
    refused(lambda: decide_priority_change(state(), CONTACT, "urgent", "x", now=NOW),
            "ticket.priority.forbidden", forbidden=True)  # fmt: skip
    refused(lambda: decide_priority_change(state(Status.CLOSED), AGENT, "urgent", "x", now=NOW),
            "ticket.closed")  # fmt: skip
    refused(lambda: decide_priority_change(state(), AGENT, "urgent", " ", now=NOW),
            "ticket.priority.reason_required")  # fmt: skip
    refused(lambda: decide_priority_change(state(), AGENT, "medium", "why", now=NOW),
            "ticket.priority.same")  # fmt: skip
    with pytest.raises(InvalidRequest) as caught:
        decide_priority_change(state(), AGENT, "p0", "x", now=NOW, known=["urgent", "medium"])
    assert caught.value.field == "priority" and "urgent, medium" in str(caught.value)


def test_a_type_change_names_the_type() -> None:
    (e,) = decide_type_change(state(), AGENT, "question", None, now=NOW, known=["question"])
    assert (e.kind, e.type, e.reason) == (EventKind.TYPE, "question", None)
    assert apply(state(), [e]).type == "question"


def test_type_change_refusals() -> None:
    refused(lambda: decide_type_change(state(), CONTACT, "question", None, now=NOW),
            "ticket.type.forbidden", forbidden=True)  # fmt: skip
    refused(lambda: decide_type_change(state(Status.CLOSED), AGENT, "question", None, now=NOW),
            "ticket.closed")  # fmt: skip
    refused(lambda: decide_type_change(state(), AGENT, "incident", None, now=NOW),
            "ticket.type.same")  # fmt: skip
    with pytest.raises(InvalidRequest) as caught:
        decide_type_change(state(), AGENT, "bug", None, now=NOW, known=["incident", "question"])
    assert caught.value.field == "type"


# -- solve, reopen, close -------------------------------------------------------------------


@pytest.mark.parametrize("actor", [AGENT, CONTACT])
def test_agents_and_the_customer_may_solve(actor: Actor) -> None:
    events = decide_solve(state(Status.PENDING_CUSTOMER), actor, "works now", now=NOW)
    assert status_moves(events) == [("solved", "works now")]


def test_solve_refusals() -> None:
    refused(lambda: decide_solve(state(Status.SOLVED), AGENT, None, now=NOW), "ticket.solve.twice")
    refused(lambda: decide_solve(state(Status.CLOSED), AGENT, None, now=NOW), "ticket.closed")


def test_reopening_a_solved_ticket_opens_it_with_a_reason() -> None:
    assert status_moves(decide_reopen(state(Status.SOLVED), CONTACT, None, now=NOW)) == [
        ("open", "reopened")
    ]
    assert status_moves(decide_reopen(state(Status.SOLVED), AGENT, "again", now=NOW)) == [
        ("open", "again")
    ]


def test_reopen_refusals() -> None:
    error = refused(lambda: decide_reopen(state(Status.PENDING_CUSTOMER), CONTACT, None, now=NOW),
                    "ticket.reopen.not_solved")  # fmt: skip
    assert "pending_customer" in str(error)
    refused(lambda: decide_reopen(state(Status.CLOSED), CONTACT, None, now=NOW), "ticket.closed")


def test_closing_a_solved_ticket_needs_no_reason_an_unsolved_one_needs_evidence() -> None:
    assert status_moves(decide_close(state(Status.SOLVED), AGENT, None, now=NOW)) == [
        ("closed", None)
    ]
    events = decide_close(state(), AGENT, " their firewall ", now=NOW)
    assert status_moves(events) == [("closed", "their firewall")]
    assert apply(state(), events).is_final


def test_close_refusals() -> None:
    refused(lambda: decide_close(state(Status.SOLVED), CONTACT, None, now=NOW),
            "ticket.close.forbidden", forbidden=True)  # fmt: skip
    refused(lambda: decide_close(state(Status.CLOSED), AGENT, "x", now=NOW), "ticket.closed")
    error = refused(lambda: decide_close(state(), AGENT, "  ", now=NOW),
                    "ticket.close.reason_required")  # fmt: skip
    assert error.field == "reason"


# -- the status machine ---------------------------------------------------------------------


def test_parse_status_names_the_known_ones() -> None:
    assert parse_status("on_hold") is Status.ON_HOLD
    error = refused(lambda: parse_status("waiting"), "ticket.status.unknown")
    assert error.field == "status" and "pending_customer" in str(error)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.NEW, Status.SOLVED),
        (Status.OPEN, Status.PENDING_CUSTOMER),
        (Status.PENDING_CUSTOMER, Status.OPEN),
        (Status.SOLVED, Status.OPEN),
        (Status.SOLVED, Status.CLOSED),
    ],
)
def test_allowed_transitions_pass(current: Status, target: Status) -> None:
    assert check_transition(current, target, None) is None


def test_transition_refusals() -> None:
    refused(lambda: check_transition(Status.CLOSED, Status.OPEN, None), "ticket.closed")
    error = refused(lambda: check_transition(Status.SOLVED, Status.ON_HOLD, "x"),
                    "ticket.status.transition")  # fmt: skip
    assert error.field == "status"
    refused(lambda: check_transition(Status.OPEN, Status.OPEN, None), "ticket.status.transition")
    error = refused(lambda: check_transition(Status.OPEN, Status.ON_HOLD, None),
                    "ticket.status.reason_required")  # fmt: skip
    assert error.field == "reason"
    assert check_transition(Status.OPEN, Status.ON_HOLD, "third_party") is None
