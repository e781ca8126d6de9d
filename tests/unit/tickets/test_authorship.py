"""Who wrote a ticket's first message, and on whose behalf (``first_message_authorship``)."""

from __future__ import annotations

from sladesk.tickets import Actor, Authorship, first_message_authorship

AGENT = Actor.agent(3, name="Al Agent")
CONTACT = Actor.contact(7, 2, name="Cleo Contact")


def test_a_contact_filing_writes_for_themself() -> None:
    assert first_message_authorship(CONTACT, 7, "Cleo Contact") == Authorship(
        "contact", 7, "Cleo Contact"
    )


def test_an_agent_filing_for_a_contact_writes_on_their_behalf() -> None:
    by = first_message_authorship(AGENT, 7, "Cleo Contact")
    assert (by.kind, by.id, by.name) == ("agent", 3, "Al Agent")
    assert (by.on_behalf_of_id, by.on_behalf_of_name) == (7, "Cleo Contact")


def test_an_agent_filing_for_an_organisation_writes_for_nobody_else() -> None:
    assert first_message_authorship(AGENT, None, None) == Authorship("agent", 3, "Al Agent")


def test_the_system_filing_for_a_contact_writes_on_their_behalf() -> None:
    by = first_message_authorship(Actor.system("mail"), 7, "Cleo Contact")
    assert (by.kind, by.id, by.name, by.on_behalf_of_id) == ("system", None, "mail", 7)
