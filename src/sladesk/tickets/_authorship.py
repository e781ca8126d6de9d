"""Who wrote a message, and on whose behalf.

A ticket's first message is the customer's communication, but not always in their hand: an
agent files from a call or an e-mail, a channel files from what arrived. The author is who
wrote it (and is accountable for the text); ``on_behalf_of`` is the contact it speaks for.
A contact filing for themself writes on nobody's behalf, as a seeded ticket does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sladesk.tickets._actor import Actor


@dataclass(frozen=True, slots=True)
class Authorship:
    kind: str  # contact | agent | system: the writer's kind
    id: int | None  # the writer's contact or agent id (None for the system)
    name: str
    on_behalf_of_id: int | None = None  # the contact written for, when not the writer
    on_behalf_of_name: str | None = None


def first_message_authorship(
    actor: Actor, requester_id: int | None, requester_name: str | None
) -> Authorship:
    """The first message filed by ``actor`` for the requester (a contact, or None when an
    agent files for an organisation without one)."""
    if actor.is_contact:
        own = requester_name if requester_id == actor.id and requester_name else actor.name
        return Authorship(actor.kind.value, actor.id, own)
    if requester_id is None:
        return Authorship(actor.kind.value, actor.id, actor.name)
    return Authorship(actor.kind.value, actor.id, actor.name, requester_id, requester_name or "")
