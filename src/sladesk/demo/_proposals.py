"""The demo's feature-request space (a policy with a ``feature_request`` type: Aivo's): a few
proposals from the customers in every status, with followers from several organisations,
the vendor's public comments, and one proposal made from a customer's ticket; the
subscribers of those planned or released have their news (mail queued, portal notice)."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from sladesk.demo._people import Cast
from sladesk.services import (
    Actor,
    FixedClock,
    NewTicket,
    change_proposal_status,
    create_proposal,
    create_ticket,
    proposal_from_ticket,
    subscribe_to_proposal,
)
from sladesk.store import UnitOfWork

__all__ = ["seed_proposals"]

#: (title, description, the statuses it went through with the vendor's comment, followers)
_PROPOSALS: tuple[tuple[str, str, tuple[tuple[str, str | None], ...], int], ...] = (
    ("Export conversation reports as CSV",
     "Our analysts want the monthly conversation report as a CSV file, not only as a PDF.",
     (("under_review", "We are looking at how many teams need this."),
      ("planned", "Approved: it is in the reporting team's plan. No date yet.")), 5),
    ("WhatsApp templates in the bot editor",
     "Let us write and preview WhatsApp message templates from the virtual assistant editor.",
     (("under_review", None), ("planned", "Approved."),
      ("released", "Available to every account since version 7.4.")), 4),
    ("Dark mode for the Live agent console",
     "Our agents work night shifts; a dark theme would help.",
     (("under_review", "Collecting feedback from more customers first."),), 3),
    ("Single sign-on with our own identity provider",
     "We would like agents to sign in with SAML through our IdP.", (), 2),
    ("Send the whole chat history to our CRM every minute",
     "A live copy of every conversation in our CRM.",
     (("declined", "Not planned: the CRM integration already syncs each conversation when it "
       "ends, and a per-minute copy would exceed the CRM's API limits."),), 1),
)  # fmt: skip


def seed_proposals(uow: UnitOfWork, clock: FixedClock, cast: Cast, rng: Random,
                   now: datetime) -> int:  # fmt: skip
    """Create the proposals (between two days and one hour before ``now``); how many."""
    contacts = [c for org in cast.organizations for c in cast.contacts.get(org.id, [])]
    if not contacts:
        return 0
    actors = [Actor.contact(c.id, c.organization_id, name=c.name) for c in contacts]
    lead = next((a for a in cast.agents if a.role == "lead"), cast.admin)
    support = Actor.agent(lead.id, lead.role, name=lead.name)
    clock.set(now - timedelta(days=2))
    made = 0
    for i, (title, description, moves, followers) in enumerate(_PROPOSALS):
        author = actors[i % len(actors)]
        view = create_proposal(uow, clock, author, title, description)
        others = [a for a in actors if a.organization_id != author.organization_id]
        for follower in rng.sample(others, min(followers - 1, len(others))):
            clock.set(clock.now() + timedelta(minutes=rng.randint(5, 90)))
            subscribe_to_proposal(uow, clock, follower, view.id)
        for status, comment in moves:
            clock.set(clock.now() + timedelta(minutes=rng.randint(30, 180)))
            change_proposal_status(uow, clock, support, view.id, status, comment)
        made += 1
    # a customer asked for a feature in a ticket; support made it a proposal
    asker = actors[-1]
    ticket = create_ticket(uow, clock, asker, NewTicket(
        "Could the bot answer in Catalan?",
        "Many of our customers write in Catalan; could the virtual assistant answer in it?",
        type="feature_request", channel="portal",
    ))  # fmt: skip
    clock.set(clock.now() + timedelta(minutes=40))
    view = proposal_from_ticket(uow, clock, support, ticket.id, "Catalan in the virtual assistant")
    change_proposal_status(uow, clock, support, view.id, "under_review",
                           "Thanks: we are checking the language models available.")  # fmt: skip
    clock.set(now)
    return made + 1
