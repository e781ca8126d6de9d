"""The agent console: the queue (open tickets by time left to breach) and the ticket page
(conversation, composer, status and priority, the SLA panel with each target's explain
timeline; assign, type, accept). Agents only: a contact who opens these URLs gets a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import nh3
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from sladesk import services
from sladesk.policy import Policy, Status
from sladesk.services import (
    Conflict,
    InvalidRequest,
    MessageView,
    TicketFilters,
    TicketRuleError,
    TicketSummary,
    TicketView,
)
from sladesk.services.console import current_policy, warned_tickets
from sladesk.sla import TargetResult
from sladesk.web._context import Page, page
from sladesk.web._i18n import zone
from sladesk.web._timeline import WIDTH, Layout, layout

router = APIRouter()

PAGE_SIZE = 50
STATUSES = tuple(s.value for s in Status)
#: what a state-changing handler may raise for bad input: shown to the agent as a notice
REFUSALS = (InvalidRequest, TicketRuleError, Conflict)


@dataclass(frozen=True)
class QueueRow:
    ticket: TicketSummary
    badge: str  # running | warned | paused | breached | met | none


def badge(t: TicketSummary, warned: set[int]) -> str:
    """The row's SLA badge. A running deadline already passed is shown breached before the
    sweep records it (seconds later, when the jobs run)."""
    state = t.sla_state or "none"
    if state == "running" and t.time_left is not None and t.time_left < timedelta(0):
        return "breached"
    if state == "running" and t.id in warned:
        return "warned"
    return state


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    mine: bool = False,
    unassigned: bool = False,
    status: str = "",
    priority: str = "",
    breached: bool = False,
    page_number: int = Query(1, alias="page"),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    number = max(page_number, 1)
    filters = TicketFilters(
        open_only=True,
        status=(status,) if status in STATUSES else (),
        priority=(priority,) if priority else (),
        assignee_id=actor.id if mine else None,
        unassigned=unassigned and not mine,
        sla_state=("breached",) if breached else (),
    )
    rows = services.list_tickets(
        p.uow(), p.clock, actor, filters, order_by_time_left=True,
        limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE,
    )  # fmt: skip
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    warned = warned_tickets(p.uow(), p.clock, actor, [t.id for t in rows])
    policy = current_policy(p.uow(), p.clock, actor)
    query = {
        "mine": mine, "unassigned": unassigned, "status": status, "priority": priority,
        "breached": breached,
    }  # fmt: skip
    return p.render(
        "queue.html",
        rows=[QueueRow(t, badge(t, warned)) for t in rows],
        query=query, page_number=number, more=more, statuses=STATUSES,
        priorities=_priorities(policy, p.language),
        link=lambda **changes: _link(query, changes),
    )  # fmt: skip


def _link(query: dict[str, object], changes: dict[str, object]) -> str:
    merged = {**query, **changes}
    parts = [
        f"{k}={'1' if v is True else v}" for k, v in merged.items() if v not in ("", False, None)
    ]
    return "/queue" + ("?" + "&".join(parts) if parts else "")


def _priorities(policy: Policy | None, language: str) -> list[tuple[str, str]]:
    if policy is None:
        return []
    return [(pr.key, _text(pr.label, language, pr.key)) for pr in policy.priorities]


def _types(policy: Policy | None, language: str) -> list[tuple[str, str]]:
    if policy is None:
        return []
    return [(key, _text(t.label, language, key)) for key, t in policy.types.items()]


def _text(text: Mapping[str, str], language: str, fallback: str) -> str:
    """A policy text in ``language``, else in English, else in any language it has."""
    found = text.get(language) or text.get("en") or next(iter(text.values()), "")
    return found or fallback


@dataclass(frozen=True)
class TargetPanel:
    target: TargetResult
    calendar_zone: str
    layout: Layout | None


def message_html(m: MessageView) -> Markup:
    """A message's body as safe HTML: its stored HTML cleaned again (nh3) or its text."""
    if m.body_html:
        return Markup(nh3.clean(m.body_html))  # noqa: S704 -- nh3 output is safe HTML
    return Markup("<p>") + m.body + Markup("</p>")


def sla_panels(view: TicketView, policy: Policy | None, now: datetime) -> list[TargetPanel]:
    """Each SLA target with its calendar's zone and its timeline laid out."""
    if view.sla is None:
        return []
    panels = []
    for t in view.sla.targets:
        cal = policy.calendars.get(t.calendar) if policy else None
        tz = cal.timezone.key if cal is not None else "UTC"
        panels.append(TargetPanel(t, tz, layout(t, now)))
    return panels


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket(request: Request, ticket_id: int) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.get_ticket(p.uow(), p.clock, actor, ticket_id)
    policy = current_policy(p.uow(), p.clock, actor)
    now = p.now()
    panels = sla_panels(view, policy, now)
    staff = services.list_agents(p.uow(), p.clock, actor)
    agents = {a.id: a.name for a in staff}
    teams = sorted({a.team for a in staff if a.team} | ({view.team} if view.team else set()))
    accepted = any(e.kind == "accepted" for e in view.history)
    requester = (
        services.get_contact(p.uow(), p.clock, actor, view.requester_id).name
        if view.requester_id is not None
        else None
    )
    whatsapp = services.whatsapp_window(p.uow(), p.clock, actor, ticket_id)
    incidents = services.incidents_of_ticket(p.uow(), p.clock, actor, ticket_id)
    pages = services.list_pages(p.uow(), p.clock, actor, ticket_id=ticket_id)
    files = services.list_attachments(p.uow(), p.clock, actor, ticket_id)
    causes = sorted(policy.closing.evidence_for) if policy and policy.closing else []
    return p.render(
        "ticket.html", ticket=view, panels=panels, now=now, width=WIDTH, incidents=incidents,
        whatsapp=whatsapp,
        message_html=message_html, statuses=STATUSES,
        priorities=_priorities(policy, p.language), agents=agents, requester=requester,
        active_agents=[(a.id, a.name) for a in staff if a.active], teams=teams,
        types=_types(policy, p.language), accepted=accepted,
        calendar_zone=lambda name: zone(name), pages=pages, files=files, causes=causes,
        proposal_id=services.proposal_for_ticket(p.uow(), p.clock, actor, ticket_id),
        on_call=policy is not None and policy.on_call is not None,
        back=f"/tickets/{ticket_id}",
        attributes_text="\n".join(f"{k}={v}" for k, v in sorted(view.attributes.items())),
    )  # fmt: skip


def _act(p: Page, csrf_token: str, ticket_id: int, action: Callable[[], object]) -> Response:
    """Run one state-changing service call for a form, then go back to the ticket."""
    p.check_csrf(csrf_token)
    try:
        action()
    except REFUSALS as exc:
        return p.redirect(f"/tickets/{ticket_id}", str(exc))
    return p.redirect(f"/tickets/{ticket_id}")


@router.post("/tickets/{ticket_id}/reply")
def reply(
    request: Request,
    ticket_id: int,
    body: str = Form(""),
    kind: str = Form("reply"),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    write = services.add_internal_note if kind == "note" else services.reply_publicly
    return _act(p, csrf_token, ticket_id,
                lambda: write(p.uow(), p.clock, actor, ticket_id, body))  # fmt: skip


@router.post("/tickets/{ticket_id}/status")
def status(
    request: Request,
    ticket_id: int,
    status: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.change_status(p.uow(), p.clock, actor, ticket_id, status,
                                               reason or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/priority")
def priority(
    request: Request,
    ticket_id: int,
    priority: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.change_priority(p.uow(), p.clock, actor, ticket_id, priority,
                                                 reason))  # fmt: skip


@router.post("/tickets/{ticket_id}/assign")
def assign(
    request: Request,
    ticket_id: int,
    assignee_id: str = Form(""),
    team: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    agent = int(assignee_id) if assignee_id.isdigit() else None
    return _act(p, csrf_token, ticket_id,
                lambda: services.assign_ticket(p.uow(), p.clock, actor, ticket_id,
                                               assignee_id=agent,
                                               team=team.strip() or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/type")
def change_type(
    request: Request,
    ticket_id: int,
    type: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.change_type(p.uow(), p.clock, actor, ticket_id, type,
                                             reason.strip() or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/accept")
def accept(request: Request, ticket_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.accept_ticket(p.uow(), p.clock, actor, ticket_id))  # fmt: skip


@router.post("/tickets/{ticket_id}/attributes")
def attributes(
    request: Request,
    ticket_id: int,
    tags: str = Form(""),
    attributes: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Tags (comma-separated, the whole set) and attributes (``key=value`` lines, merged)."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    pairs: dict[str, str] = {}
    for n, line in enumerate(attributes.splitlines(), 1):
        if line.strip():
            key, sep, value = line.partition("=")
            if not sep:
                p.check_csrf(csrf_token)
                return p.redirect(
                    f"/tickets/{ticket_id}",
                    p._("Write each attribute as name=value (line %(n)s).") % {"n": n},
                )
            pairs[key.strip()] = value.strip()
    return _act(
        p,
        csrf_token,
        ticket_id,
        lambda: services.change_attributes(
            p.uow(),
            p.clock,
            actor,
            ticket_id,
            tags=tag_list,
            attributes=pairs,
            reason=reason.strip() or None,
        ),
    )


@router.post("/tickets/{ticket_id}/call")
def call(
    request: Request,
    ticket_id: int,
    summary: str = Form(""),
    page_on_call: str = Form(""),
    caller: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Record a call; a call to the on-call number also pages whoever is on call."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(
        p,
        csrf_token,
        ticket_id,
        lambda: services.log_call(
            p.uow(),
            p.clock,
            actor,
            ticket_id,
            summary,
            page_on_call=page_on_call == "1",
            caller=caller.strip() or None,
        ),
    )


@router.post("/tickets/{ticket_id}/close")
def close(
    request: Request,
    ticket_id: int,
    cause: str = Form(""),
    reason: str = Form(""),
    evidence_attachment_ids: list[int] = Form([]),  # noqa: B008
    evidence_message_ids: list[int] = Form([]),  # noqa: B008
    csrf_token: str = Form(""),
) -> Response:
    """Close, with the cause and the evidence when the cause is one the policy closes with
    evidence (the service says what is missing)."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(
        p,
        csrf_token,
        ticket_id,
        lambda: services.close_ticket(
            p.uow(),
            p.clock,
            actor,
            ticket_id,
            reason.strip() or None,
            cause=cause or None,
            evidence_attachment_ids=evidence_attachment_ids,
            evidence_message_ids=evidence_message_ids,
        ),
    )
