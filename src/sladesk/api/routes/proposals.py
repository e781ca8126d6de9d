"""``/proposals``: the feature-request space (docs/policies.md, "Feature requests"). Every
signed-in customer sees every proposal (not who proposed another organisation's); contacts
propose and subscribe; support changes the status with a public comment, turns a ticket into
a proposal or links one. Each route calls exactly one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id
from sladesk.api.schemas.proposals import (
    ProposalCreate,
    ProposalDetail,
    ProposalFromTicket,
    ProposalOut,
    ProposalPublic,
    ProposalStatusChange,
    StatusName,
    TicketLink,
    render_proposal,
)
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/proposals", tags=["proposals"], route_class=OneHopRoute)

Proposal = ProposalDetail | ProposalPublic


@router.get("", response_model=list[ProposalOut])
def list_proposals(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    status_: Annotated[list[StatusName] | None, Query(alias="status")] = None,
    order: Annotated[services.ProposalOrder, Query(description="subscribers or activity")] = (
        "subscribers"
    ),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Proposal]:
    """Every proposal, most subscribers first (``order=activity``: most recent activity
    first), optionally only those of the given statuses. No comments in the list."""
    views = services.list_proposals(uow, clock, actor, status=status_ or (), order=order,
                                    limit=limit, offset=offset)  # fmt: skip
    return [render_proposal(actor.is_staff, v) for v in views]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProposalOut)
def create_proposal(
    proposal: ProposalCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Proposal:
    """Propose a feature (a contact follows what they propose)."""
    view = services.create_proposal(uow, clock, actor, proposal.title, proposal.description)
    return render_proposal(actor.is_staff, view)


@router.post("/from-ticket", status_code=status.HTTP_201_CREATED, response_model=ProposalOut)
def proposal_from_ticket(
    body: ProposalFromTicket, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Proposal:
    """Support turns a ticket into a proposal (409 when the ticket is linked already)."""
    view = services.proposal_from_ticket(uow, clock, actor, body.ticket_id, body.title,
                                         body.description)  # fmt: skip
    return render_proposal(actor.is_staff, view)


@router.get("/{proposal_id}", response_model=ProposalOut)
def get_proposal(proposal_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Proposal:
    """One proposal with the vendor's public comments."""
    return render_proposal(actor.is_staff, services.get_proposal(uow, clock, actor, proposal_id))


@router.post("/{proposal_id}/subscription", response_model=ProposalOut)
def subscribe(proposal_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Proposal:
    """Follow (vote for) the proposal: one subscription per contact; again is a no-op."""
    view = services.subscribe_to_proposal(uow, clock, actor, proposal_id)
    return render_proposal(actor.is_staff, view)


@router.delete("/{proposal_id}/subscription", response_model=ProposalOut)
def unsubscribe(proposal_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Proposal:
    """Stop following the proposal."""
    view = services.unsubscribe_from_proposal(uow, clock, actor, proposal_id)
    return render_proposal(actor.is_staff, view)


@router.post("/{proposal_id}/status", response_model=ProposalOut)
def change_status(
    proposal_id: Id, change: ProposalStatusChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Proposal:
    """Support: a new status with a public comment (planned and released tell every
    subscriber, by mail and in the portal), or a comment alone."""
    view = services.change_proposal_status(uow, clock, actor, proposal_id, change.status,
                                           change.comment)  # fmt: skip
    return render_proposal(actor.is_staff, view)


@router.post("/{proposal_id}/tickets", response_model=ProposalOut)
def link_ticket(
    proposal_id: Id, link: TicketLink, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Proposal:
    """Support links a ticket to the proposal; its requester follows it."""
    view = services.link_ticket_to_proposal(uow, clock, actor, link.ticket_id, proposal_id)
    return render_proposal(actor.is_staff, view)
