"""On call in the console: the roster page (who is on call, the next two weeks, overrides,
the latest pages with their acknowledge buttons; admins set members and overrides), and the
acknowledgement link a page carries (``/oncall/pages/<id>/ack?token=…``), which works without
signing in: the token is the page's secret. A GET only shows the button (mail scanners
follow links); the POST acknowledges."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.services import Forbidden, InvalidRequest, NotFound, TicketRuleError
from sladesk.web._context import page
from sladesk.web._forms import answer

router = APIRouter()

REFUSALS = (InvalidRequest, TicketRuleError, Forbidden, NotFound)


@router.get("/oncall", response_class=HTMLResponse)
def roster(request: Request) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    try:
        r = services.get_on_call_roster(p.uow(), p.clock, actor, days=14)
    except InvalidRequest as exc:
        return p.render(
            "oncall.html",
            roster=None,
            problem=str(exc),
            pages=[],
            agents=[],
            zone=None,
            admin=False,
        )
    pages = services.list_pages(p.uow(), p.clock, actor, limit=20)
    agents = [(a.id, a.name) for a in services.list_agents(p.uow(), p.clock, actor) if a.active]
    members = {
        shift: ", ".join(str(m.agent_id) for m in r.members if m.shift == shift)
        for shift, _ in r.shifts
    }
    return p.render(
        "oncall.html",
        roster=r,
        problem=None,
        pages=pages,
        agents=agents,
        zone=ZoneInfo(r.timezone),
        members=members,
        admin=actor.is_admin,
    )


@router.post("/oncall/members")
def set_members(
    request: Request, shift: str = Form(""), agent_ids: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    actor = p.person.actor  # type: ignore[union-attr]
    parts = [x.strip() for x in agent_ids.replace(";", ",").split(",") if x.strip()]
    if not all(x.isdigit() for x in parts):
        return p.redirect("/oncall", p._("Agent ids are numbers, separated by commas."))
    return answer(
        p,
        lambda: services.set_on_call_members(
            p.uow(), p.clock, actor, shift, [int(x) for x in parts]
        ),
        back="/oncall",
        refusals=REFUSALS,
    )


@router.post("/oncall/overrides")
def add_override(
    request: Request,
    agent_id: str = Form(""),
    starts_at: str = Form(""),
    ends_at: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """``starts_at``/``ends_at`` are local times (``datetime-local``) in the rotation's zone."""
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    actor = p.person.actor  # type: ignore[union-attr]
    try:
        tz = ZoneInfo(services.get_on_call_roster(p.uow(), p.clock, actor, days=1).timezone)
        start = datetime.fromisoformat(starts_at).replace(tzinfo=tz)
        end = datetime.fromisoformat(ends_at).replace(tzinfo=tz)
        if not agent_id.isdigit():
            raise InvalidRequest("choose the agent", field="agent_id")
        services.add_on_call_override(
            p.uow(),
            p.clock,
            actor,
            agent_id=int(agent_id),
            starts_at=start,
            ends_at=end,
            reason=reason,
        )
    except ValueError:
        return p.redirect("/oncall", p._("Give the start and the end as dates and times."))
    except REFUSALS as exc:
        return p.redirect("/oncall", str(exc))
    return p.redirect("/oncall")


@router.post("/oncall/overrides/{override_id}/delete")
def remove_override(request: Request, override_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.remove_on_call_override(p.uow(), p.clock, p.actor, override_id),
        back="/oncall",
        refusals=REFUSALS,
    )


@router.get("/oncall/pages/{page_id}/ack", response_class=HTMLResponse)
def ack_link(request: Request, page_id: int, token: str = "") -> Response:
    p = page(request)
    return p.render("oncall_ack.html", page_id=page_id, token=token, done=None)


@router.post("/oncall/pages/{page_id}/ack")
def acknowledge(
    request: Request,
    page_id: int,
    token: str = Form(""),
    back: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """With ``token`` (the page's link): acknowledged by whoever holds the link. Without:
    a signed-in agent's button (CSRF-checked), then back to ``back`` (a console path)."""
    if token:
        p = page(request)
        try:
            done = services.acknowledge_page_with_token(p.uow(), p.clock, page_id, token)
        except NotFound:
            return p.render("oncall_ack.html", status=404, page_id=page_id, token="", done=None)
        return p.render("oncall_ack.html", page_id=page_id, token="", done=done)
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    target = back if back.startswith("/") and not back.startswith("//") else "/oncall"
    return answer(
        p,
        lambda: services.acknowledge_page(p.uow(), p.clock, p.actor, page_id),
        back=target,
        notice=p._("Page acknowledged."),
        refusals=REFUSALS,
    )
