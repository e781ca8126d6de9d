"""The feature-request space (Aivo's "web space for registration and follow-up of orders"):
proposals, their status, who may do what, and what a customer sees of them. Pure.

A proposal has no SLA and no dates (Aivo: "does not guarantee the execution ... nor is it
obliged to issue implementation dates"), only a status that support moves::

    proposed ──> under_review ──> planned ──> released
        │              │             │
        └──────────────┴──> declined <┘        declined ──> under_review (reconsidered)
                                               under_review ──> proposed (back to the pile)

- Customers (contacts) propose, subscribe and unsubscribe (one subscription per person);
  only support staff move a status or write the vendor's public comments.
- Declining needs a comment saying why: the subscribers read it.
- ``released`` is final: a released feature is not un-released (a new proposal is).
- Reaching ``planned`` ("approved", the seed's word) or ``released`` tells every subscriber
  (:data:`NOTIFY_ON`).
- A customer sees every organisation's proposals, but never who proposed it when it was
  another organisation: only "a customer" (:func:`proposer_label`). The vendor's comments are
  public; agents see everything, the linked tickets included.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sladesk.tickets._actor import Actor
from sladesk.tickets._errors import Forbidden, InvalidRequest, TicketRuleError

__all__ = [
    "NOTIFY_ON",
    "PROPOSAL_TRANSITIONS",
    "ProposalStatus",
    "StatusDecision",
    "check_proposal_text",
    "decide_proposal_status",
    "proposer_label",
]

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_COMMENT = 5_000


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    RELEASED = "released"
    DECLINED = "declined"


_S = ProposalStatus

#: status -> the statuses support may move it to
PROPOSAL_TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    _S.PROPOSED: frozenset({_S.UNDER_REVIEW, _S.PLANNED, _S.DECLINED}),
    _S.UNDER_REVIEW: frozenset({_S.PROPOSED, _S.PLANNED, _S.DECLINED}),
    _S.PLANNED: frozenset({_S.UNDER_REVIEW, _S.RELEASED, _S.DECLINED}),
    _S.RELEASED: frozenset(),
    _S.DECLINED: frozenset({_S.UNDER_REVIEW}),
}

#: reaching one of these tells every subscriber (mail and portal)
NOTIFY_ON = frozenset({_S.PLANNED, _S.RELEASED})


@dataclass(frozen=True, slots=True)
class StatusDecision:
    """What a status change (or a comment alone, ``to`` unchanged) records."""

    before: ProposalStatus
    to: ProposalStatus
    comment: str | None
    notify: bool  # tell the subscribers


def _status(value: str, field: str = "status") -> ProposalStatus:
    try:
        return ProposalStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in ProposalStatus)
        raise InvalidRequest(f"unknown proposal status {value!r} (one of {allowed})",
                             field=field) from None  # fmt: skip


def check_proposal_text(title: str, description: str) -> tuple[str, str]:
    """The title and description, trimmed; InvalidRequest naming the field otherwise."""
    title, description = title.strip(), description.strip()
    if not title:
        raise InvalidRequest("a proposal needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidRequest(f"the title is longer than {MAX_TITLE} characters", field="title")
    if not description:
        raise InvalidRequest("say what the proposal is for", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidRequest(f"the description is longer than {MAX_DESCRIPTION} characters",
                             field="description")  # fmt: skip
    return title, description


def decide_proposal_status(
    actor: Actor, current: str, to: str | None, comment: str | None
) -> StatusDecision:
    """A status change by ``actor`` from ``current`` to ``to`` (None: a comment alone), with
    an optional public comment. Contacts may not; a move not in
    :data:`PROPOSAL_TRANSITIONS` is a rule error; declining needs a comment."""
    if not actor.is_staff:
        raise Forbidden("only support changes a proposal's status or comments on it")
    before = _status(current)
    text = (comment or "").strip() or None
    if text is not None and len(text) > MAX_COMMENT:
        raise InvalidRequest(f"the comment is longer than {MAX_COMMENT} characters",
                             field="comment")  # fmt: skip
    if to is None or to == before.value:
        if text is None:
            raise InvalidRequest("a comment without a status change needs a text",
                                 field="comment")  # fmt: skip
        return StatusDecision(before, before, text, False)
    after = _status(to)
    if after not in PROPOSAL_TRANSITIONS[before]:
        allowed = ", ".join(sorted(s.value for s in PROPOSAL_TRANSITIONS[before])) or "none"
        raise TicketRuleError(
            f"a {before.value} proposal cannot become {after.value} (allowed: {allowed})",
            code="proposal.transition", field="status",
        )  # fmt: skip
    if after is _S.DECLINED and text is None:
        raise InvalidRequest("declining a proposal needs a comment saying why", field="comment")
    return StatusDecision(before, after, text, after in NOTIFY_ON)


def proposer_label(viewer: Actor, proposer_organization_id: int | None,
                   proposer_name: str | None) -> str | None:  # fmt: skip
    """Who proposed it, as ``viewer`` may see it: the name for staff and for the proposer's
    own organisation; None ("a customer") for everyone else, and for a proposal support
    wrote (``proposer_name`` None)."""
    if proposer_name is None:
        return None
    if viewer.is_staff:
        return proposer_name
    if proposer_organization_id is not None and viewer.organization_id == proposer_organization_id:
        return proposer_name
    return None
