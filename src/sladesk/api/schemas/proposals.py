"""The feature-request space: proposals as a customer sees them (``ProposalPublic``: no other
organisation's names, no tickets) and as support does (``ProposalDetail``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sladesk.api.schemas._base import Id, InputModel, OutputModel
from sladesk.services import ProposalView

StatusName = Literal["proposed", "under_review", "planned", "released", "declined"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Comment = Annotated[str, StringConstraints(max_length=5_000)]


class ProposalCreate(InputModel):
    """A new proposal: a contact proposes for their organisation (and follows it)."""

    title: Title
    description: Description


class ProposalFromTicket(InputModel):
    """Support turns a ticket into a proposal: the ticket's subject and first public message
    unless a title and description are given; its requester follows the proposal."""

    ticket_id: Id
    title: Title | None = None
    description: Description | None = None


class TicketLink(InputModel):
    """Support links a ticket to this proposal; its requester follows the proposal."""

    ticket_id: Id


class ProposalStatusChange(InputModel):
    """A new status with the vendor's public comment, or (``status`` left out) a comment
    alone. Declining needs a comment."""

    status: StatusName | None = None
    comment: Comment | None = Field(default=None, description="Public: every customer reads it.")


class ProposalCommentPublic(OutputModel):
    id: int
    author_name: str
    body: str | None
    status_from: StatusName
    status_to: StatusName
    at: datetime


class LinkedTicketPublic(OutputModel):
    ticket_id: int
    number: int
    subject: str


class ProposalPublic(OutputModel):
    """A proposal as a customer sees it: ``proposed_by`` only when it is their own
    organisation's (null: "a customer", or support)."""

    audience: Literal["contact"] = "contact"
    id: int
    title: str
    description: str
    status: StatusName
    proposed_by: str | None
    own_organization: bool
    by_support: bool
    created_at: datetime
    activity_at: datetime
    subscribers: int
    subscribed: bool
    comments: tuple[ProposalCommentPublic, ...]


class ProposalDetail(ProposalPublic):
    """A proposal as support sees it: who, which organisation, who follows, which tickets."""

    audience: Literal["staff"] = "staff"  # type: ignore[assignment]
    organization_name: str | None
    subscriber_names: tuple[str, ...]
    tickets: tuple[LinkedTicketPublic, ...]


ProposalOut = Annotated[ProposalDetail | ProposalPublic, Field(discriminator="audience")]


def render_proposal(staff: bool, view: ProposalView) -> ProposalDetail | ProposalPublic:
    if staff:
        return ProposalDetail.model_validate(view)
    return ProposalPublic.model_validate(view)
