"""The feature-request space in the portal and the console.

Portal (contacts): every proposal (most subscribers first, or most recent activity; by
status), the notices of proposals they follow that were approved or released, proposing,
one proposal with the vendor's comments, subscribing and unsubscribing. Another
organisation's proposer is "a customer": the services never hand a contact the name.

Console (agents): the same list to review, one proposal with who proposed and follows it and
its linked tickets, changing its status with a public comment; and, from a ticket, turning it
into a proposal or linking it to one.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.services import PROPOSAL_ORDERS, Forbidden, InvalidRequest, NotFound
from sladesk.tickets import ProposalStatus
from sladesk.web._context import page
from sladesk.web._forms import REFUSALS, answer

router = APIRouter()

STATUSES = tuple(s.value for s in ProposalStatus)


def _filters(status: str, order: str) -> tuple[tuple[str, ...], str]:
    return ((status,) if status in STATUSES else ()), (
        order if order in PROPOSAL_ORDERS else "subscribers"
    )


# -- portal ----------------------------------------------------------------------------------


@router.get("/portal/proposals", response_class=HTMLResponse)
def portal_proposals(request: Request, status: str = "", order: str = "") -> Response:
    p = page(request, need="contact")
    actor = p.person.actor  # type: ignore[union-attr]
    statuses, chosen = _filters(status, order)
    proposals = services.list_proposals(p.uow(), p.clock, actor, status=statuses, order=chosen)
    notices = services.list_proposal_notices(p.uow(), p.clock, actor)
    return p.render(
        "proposals.html", proposals=proposals, notices=notices, statuses=STATUSES,
        chosen_status=statuses[0] if statuses else "", order=chosen, base="/portal/proposals",
    )  # fmt: skip


@router.get("/portal/proposals/new", response_class=HTMLResponse)
def portal_new_proposal(request: Request) -> Response:
    p = page(request, need="contact")
    return p.render("proposal_new.html", error=None, form={})


@router.post("/portal/proposals/new", response_class=HTMLResponse)
def portal_propose(
    request: Request,
    title: str = Form(""),
    description: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    form = {"title": title, "description": description}
    return answer(
        p,
        lambda: services.create_proposal(p.uow(), p.clock, p.actor, title, description),
        back=lambda error: p.render("proposal_new.html", status=422, error=error, form=form),
        done=lambda view: p.redirect(
            f"/portal/proposals/{view.id}", p._("Your proposal is registered.")
        ),
        refusals=(*REFUSALS, Forbidden),
    )


@router.get("/portal/proposals/{proposal_id}", response_class=HTMLResponse)
def portal_proposal(request: Request, proposal_id: int) -> Response:
    p = page(request, need="contact")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.get_proposal(p.uow(), p.clock, actor, proposal_id)
    notices = [
        n for n in services.list_proposal_notices(p.uow(), p.clock, actor)
        if n.proposal_id == proposal_id
    ]  # fmt: skip
    return p.render("proposal.html", proposal=view, notices=notices, staff=False,
                    statuses=STATUSES)  # fmt: skip


def _follow(request: Request, proposal_id: int, csrf_token: str, *, follow: bool) -> Response:
    """Subscribe to the proposal (``follow``) or unsubscribe, then back to its page."""
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    if follow:
        use_case = services.subscribe_to_proposal
        notice = p._("You follow this proposal: we will tell you when it is approved or released.")
    else:
        use_case = services.unsubscribe_from_proposal
        notice = p._("You no longer follow this proposal.")
    return answer(p, lambda: use_case(p.uow(), p.clock, p.actor, proposal_id),
                  back=f"/portal/proposals/{proposal_id}", notice=notice)  # fmt: skip


@router.post("/portal/proposals/{proposal_id}/subscribe")
def portal_subscribe(request: Request, proposal_id: int, csrf_token: str = Form("")) -> Response:
    return _follow(request, proposal_id, csrf_token, follow=True)


@router.post("/portal/proposals/{proposal_id}/unsubscribe")
def portal_unsubscribe(request: Request, proposal_id: int, csrf_token: str = Form("")) -> Response:
    return _follow(request, proposal_id, csrf_token, follow=False)


@router.post("/portal/proposals/{proposal_id}/seen")
def portal_seen(request: Request, proposal_id: int, csrf_token: str = Form("")) -> Response:
    """The contact has read the news of this proposal: its notices go."""
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    actor = p.person.actor  # type: ignore[union-attr]
    services.mark_proposal_notices_seen(p.uow(), p.clock, actor, proposal_id)
    return p.redirect("/portal/proposals")


# -- console ---------------------------------------------------------------------------------


@router.get("/proposals", response_class=HTMLResponse)
def console_proposals(request: Request, status: str = "", order: str = "") -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    statuses, chosen = _filters(status, order)
    proposals = services.list_proposals(p.uow(), p.clock, actor, status=statuses, order=chosen)
    return p.render(
        "proposals.html", proposals=proposals, notices=[], statuses=STATUSES,
        chosen_status=statuses[0] if statuses else "", order=chosen, base="/proposals",
    )  # fmt: skip


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
def console_proposal(request: Request, proposal_id: int) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.get_proposal(p.uow(), p.clock, actor, proposal_id)
    return p.render("proposal.html", proposal=view, notices=[], staff=True, statuses=STATUSES)


@router.post("/proposals/{proposal_id}/status")
def console_proposal_status(
    request: Request,
    proposal_id: int,
    status: str = Form(""),
    comment: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.change_proposal_status(
            p.uow(), p.clock, p.actor, proposal_id, status or None, comment.strip() or None
        ),
        back=f"/proposals/{proposal_id}",
    )


@router.post("/tickets/{ticket_id}/proposal")
def ticket_to_proposal(
    request: Request,
    ticket_id: int,
    title: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Turn the ticket into a proposal (its subject and first message unless titled)."""
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.proposal_from_ticket(
            p.uow(), p.clock, p.actor, ticket_id, title.strip() or None
        ),
        back=f"/tickets/{ticket_id}",
        done=lambda view: p.redirect(f"/proposals/{view.id}"),
    )


@router.post("/tickets/{ticket_id}/proposal/link")
def ticket_link_proposal(
    request: Request,
    ticket_id: int,
    proposal_id: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Link the ticket to an existing proposal (by its number)."""
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    wanted = proposal_id.strip().lstrip("P#")
    if not wanted.isdigit():
        return p.redirect(f"/tickets/{ticket_id}", p._("Give the proposal's number."))

    def link() -> None:
        try:
            services.link_ticket_to_proposal(p.uow(), p.clock, p.actor, ticket_id, int(wanted))
        except NotFound:
            raise InvalidRequest(p._("There is no such proposal.")) from None

    return answer(
        p, link, back=f"/tickets/{ticket_id}", notice=p._("The ticket is linked to the proposal.")
    )
