"""The customer portal: a contact's organisation's tickets (and nothing else: the services
scope every read to the contact's organisation, so another organisation's ticket is a 404
whatever its URL), filing a ticket with a type and a priority chosen from the policy's own
definitions in the contact's language, the promise ("we will answer by …") in their time
zone, replying, saying the problem is solved or reopening, and the public history (each
status, priority and type change with the reason support gave).
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.policy import Metric, Policy
from sladesk.services import Forbidden, NewTicket, TicketFilters, TicketView
from sladesk.services.console import current_policy
from sladesk.web._context import page
from sladesk.web._forms import REFUSALS, answer
from sladesk.web._pages_console import message_html
from sladesk.web._policy_words import text as _text

router = APIRouter()


def promise(view: TicketView) -> object | None:
    """The first-response deadline the customer is promised, if one runs."""
    if view.sla is None:
        return None
    for t in view.sla.targets:
        if t.metric == Metric.FIRST_RESPONSE.value and t.due_at is not None:
            return t.due_at
    return None


def _choices(policy: Policy | None, language: str) -> tuple[list[tuple[str, str, str]], ...]:
    """(key, label, definition) of each type and each priority, in ``language``."""
    if policy is None:
        return [], []
    types = [
        (key, _text(t.label, language, key), _text(t.definition, language, ""))
        for key, t in policy.types.items()
    ]
    priorities = [
        (pr.key, _text(pr.label, language, pr.key), _text(pr.definition, language, ""))
        for pr in policy.priorities
    ]
    return types, priorities


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request) -> Response:
    p = page(request, need="contact")
    actor = p.person.actor  # type: ignore[union-attr]
    tickets = services.list_tickets(p.uow(), p.clock, actor, TicketFilters(), limit=100)
    schedule = services.maintenance_schedule(p.uow(), p.clock, actor, days=1)
    words = _text(schedule.text, p.language, "") if schedule.text else ""
    return p.render("portal.html", tickets=tickets, banner=schedule.banner, now=schedule.now,
                    banner_text=words)  # fmt: skip


@router.get("/portal/new", response_class=HTMLResponse)
def new_ticket(request: Request) -> Response:
    p = page(request, need="contact")
    policy = current_policy(p.uow(), p.clock, p.person.actor)  # type: ignore[union-attr]
    types, priorities = _choices(policy, p.language)
    return p.render(
        "portal_new.html", types=types, priorities=priorities, error=None, form={},
        default_priority=policy.default_priority if policy else "",
    )  # fmt: skip


@router.post("/portal/new", response_class=HTMLResponse)
def file_ticket(
    request: Request,
    subject: str = Form(""),
    body: str = Form(""),
    type: str = Form(""),
    priority: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    new = NewTicket(subject=subject, body=body, type=type or None, priority=priority or None,
                    channel="portal")  # fmt: skip

    def again(error: str) -> Response:
        policy = current_policy(p.uow(), p.clock, p.actor)
        types, priorities = _choices(policy, p.language)
        form = {"subject": subject, "body": body, "type": type, "priority": priority}
        return p.render(
            "portal_new.html", status=422, types=types, priorities=priorities, error=error,
            form=form, default_priority=priority,
        )  # fmt: skip

    return answer(
        p,
        lambda: services.create_ticket(p.uow(), p.clock, p.actor, new),
        back=again,
        done=lambda view: p.redirect(f"/portal/tickets/{view.id}?filed=1"),
        refusals=(*REFUSALS, Forbidden),
    )


@router.get("/portal/tickets/{ticket_id}", response_class=HTMLResponse)
def portal_ticket(
    request: Request, ticket_id: int, filed: bool = False, booked: bool = False
) -> Response:
    p = page(request, need="contact")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.get_ticket(p.uow(), p.clock, actor, ticket_id)
    policy = current_policy(p.uow(), p.clock, actor)
    types, priorities = _choices(policy, p.language)
    type_names = {key: label for key, label, _ in types}
    priority_names = {key: label for key, label, _ in priorities}
    changes = [e for e in view.history if e.kind in ("status", "priority", "type")]
    return p.render(
        "portal_ticket.html", ticket=view, promise=promise(view), filed=filed, booked=booked,
        calls=services.list_calls(p.uow(), actor, ticket_id),
        calls_offered=policy is not None and policy.calls is not None,
        message_html=message_html, changes=changes,
        type_name=lambda k: type_names.get(k, k), priority_name=lambda k: priority_names.get(k, k),
    )  # fmt: skip


@router.post("/portal/tickets/{ticket_id}/reply")
def portal_reply(
    request: Request, ticket_id: int, body: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.reply_publicly(p.uow(), p.clock, p.actor, ticket_id, body),
        back=f"/portal/tickets/{ticket_id}",
    )


@router.post("/portal/tickets/{ticket_id}/solve")
def portal_solve(request: Request, ticket_id: int, csrf_token: str = Form("")) -> Response:
    """The customer says their problem is solved."""
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.solve_ticket(p.uow(), p.clock, p.actor, ticket_id),
        back=f"/portal/tickets/{ticket_id}",
    )


@router.post("/portal/tickets/{ticket_id}/reopen")
def portal_reopen(
    request: Request, ticket_id: int, reason: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.reopen_ticket(
            p.uow(), p.clock, p.actor, ticket_id, reason.strip() or None
        ),
        back=f"/portal/tickets/{ticket_id}",
    )
