"""Who sees what of a ticket: staff everything; a contact the public messages and the history
kinds of ``CONTACT_HISTORY_KINDS`` only."""

from __future__ import annotations

import pytest

from sladesk.tickets import (
    CONTACT_HISTORY_KINDS,
    Actor,
    can_see_event,
    can_see_message,
    contact_sees_event,
)

AGENT = Actor.agent(1, "agent")
CONTACT = Actor.contact(7, 3)
SYSTEM = Actor.system("test")

STAFF_ONLY = ["accepted", "assigned", "attributes", "sla.warning", "sla.breached", "escalated"]


def test_a_contact_sees_the_listed_kinds_and_no_other() -> None:
    assert frozenset({"created", "message", "status", "priority", "type"}) == CONTACT_HISTORY_KINDS
    for kind in CONTACT_HISTORY_KINDS:
        assert contact_sees_event(kind, {}) and can_see_event(CONTACT, kind, {"public": True})


@pytest.mark.parametrize("kind", STAFF_ONLY)
def test_internal_kinds_are_for_staff_only(kind: str) -> None:
    assert not contact_sees_event(kind, {})
    assert not can_see_event(CONTACT, kind, {"public": True})
    assert can_see_event(AGENT, kind, {}) and can_see_event(SYSTEM, kind, {})


def test_an_internal_message_entry_is_hidden_from_contacts() -> None:
    assert not can_see_event(CONTACT, "message", {"author": "agent", "public": False})
    assert can_see_event(AGENT, "message", {"author": "agent", "public": False})


def test_messages() -> None:
    assert can_see_message(CONTACT, True) and not can_see_message(CONTACT, False)
    assert can_see_message(AGENT, False)
