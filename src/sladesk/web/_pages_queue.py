"""The agent's queue: open tickets by time left to breach, filtered (mine, unassigned, team,
status, priority, type, organisation, breached, paused, channel) and searched (subjects and
message bodies, the services' full-text search), 50 a page; the agent's saved views (named
filters, listed in the navigation); and ``/queue/changes``, the cheap "has any ticket
changed since?" that ``static/queue.js`` polls to redraw the queue without a reload.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sladesk import services
from sladesk.policy import Status
from sladesk.services import InvalidRequest, TicketFilters, TicketSummary
from sladesk.services.console import (
    QUEUE_FILTERS,
    delete_saved_view,
    queue_change_mark,
    queue_page,
    save_view,
)
from sladesk.web._context import page, queue_link
from sladesk.web._forms import answer
from sladesk.web._policy_words import priorities, types

router = APIRouter()

PAGE_SIZE = 50
STATUSES = tuple(s.value for s in Status)
OPEN_STATUSES = tuple(s for s in STATUSES if s not in ("solved", "closed"))
#: how often the queue asks whether anything changed (static/queue.js), in seconds
POLL_SECONDS = 5
_FLAGS = ("mine", "unassigned", "breached", "paused")


@dataclass(frozen=True)
class QueueRow:
    ticket: TicketSummary
    badge: str  # running | warned | paused | breached | met | none


def badge(t: TicketSummary, warned: Set[int]) -> str:
    """The row's SLA badge. A running deadline already passed is shown breached before the
    sweep records it (seconds later, when the jobs run)."""
    state = t.sla_state or "none"
    if state == "running" and t.time_left is not None and t.time_left < timedelta(0):
        return "breached"
    if state == "running" and t.id in warned:
        return "warned"
    return state


def read_query(request: Request) -> dict[str, str]:
    """The queue's filters from the URL: known names only, flags as "1", blanks dropped."""
    query: dict[str, str] = {}
    for name in QUEUE_FILTERS:
        value = request.query_params.get(name, "").strip()
        if name in _FLAGS:
            value = "1" if value in ("1", "true", "on") else ""
        if value:
            query[name] = value
    return query


def filters_of(query: dict[str, str], agent_id: int) -> TicketFilters:
    """The services' filters for a queue query (bad values are the services' to refuse)."""
    states = tuple(s for s, flag in (("breached", "breached"), ("paused", "paused"))
                   if query.get(flag))  # fmt: skip
    org = query.get("organization", "")
    return TicketFilters(
        open_only=True,
        status=(query["status"],) if "status" in query else (),
        priority=(query["priority"],) if "priority" in query else (),
        type=(query["type"],) if "type" in query else (),
        organization_id=int(org) if org.isdigit() else (-1 if org else None),
        team=query.get("team"),
        channel=query.get("channel"),
        assignee_id=agent_id if query.get("mine") else None,
        unassigned=bool(query.get("unassigned")) and not query.get("mine"),
        sla_state=states,
        search=query.get("q"),
    )


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, page_number: int = Query(1, alias="page")) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    number = max(page_number, 1)
    query = read_query(request)
    q = queue_page(p.uow(), p.clock, actor, filters_of(query, actor.id or 0),
                   page_size=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)  # fmt: skip
    p.keep_saved_views(q.saved_views)
    policy = q.policy
    return p.render(
        "queue.html",
        rows=[QueueRow(t, badge(t, q.warned)) for t in q.rows], error=q.error,
        search_capped_at=q.search_capped_at,
        query=query, page_number=number, more=q.more, statuses=OPEN_STATUSES,
        priorities=priorities(policy, p.language), types=types(policy, p.language),
        teams=q.teams,
        organizations=sorted(((o.id, o.name) for o in q.organizations),
                             key=lambda o: o[1].lower()),
        organization_names={o.id: o.name for o in q.organizations},
        channels=sorted(policy.channels) if policy is not None else [],
        link=lambda **changes: queue_link(query, **changes),
        mark=q.mark, poll_seconds=POLL_SECONDS,
    )  # fmt: skip


@router.get("/queue/changes")
def changes(request: Request, since: int = 0) -> Response:
    """``{"mark": M, "changed": bool}``: whether any ticket changed after mark ``since``."""
    p = page(request, need="agent")
    mark = queue_change_mark(p.uow(), p.clock, p.person.actor)  # type: ignore[union-attr]
    return JSONResponse({"mark": mark, "changed": mark > since})


@router.post("/views")
def create_view(
    request: Request,
    name: str = Form(""),
    csrf_token: str = Form(""),
    mine: str = Form(""),
    unassigned: str = Form(""),
    team: str = Form(""),
    status: str = Form(""),
    priority: str = Form(""),
    type: str = Form(""),
    organization: str = Form(""),
    breached: str = Form(""),
    paused: str = Form(""),
    channel: str = Form(""),
    q: str = Form(""),
) -> Response:
    """Save the queue's filters (sent as the form's hidden fields) under ``name``."""
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    given = {"mine": mine, "unassigned": unassigned, "team": team, "status": status,
             "priority": priority, "type": type, "organization": organization,
             "breached": breached, "paused": paused, "channel": channel, "q": q}  # fmt: skip
    query = {k: v.strip() for k, v in given.items() if v.strip()}
    return answer(
        p,
        lambda: save_view(p.uow(), p.clock, p.actor, name, query),
        back=queue_link(query),
        done=lambda view: p.redirect(queue_link(view.filters), p._("View saved.")),
        refusals=(InvalidRequest, services.Conflict),
    )


@router.post("/views/{view_id}/delete")
def remove_view(request: Request, view_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    delete_saved_view(p.uow(), p.clock, p.person.actor, view_id)  # type: ignore[union-attr]
    return p.redirect("/queue", p._("View deleted."))
