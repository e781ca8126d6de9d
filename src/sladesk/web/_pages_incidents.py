"""The console's incidents and maintenance pages (agents; scheduling is for admins).

- ``/incidents``: open and resolved incidents; a form opens one (kind, title, the ticket
  numbers to link).
- ``/incidents/{id}``: its linked tickets (status, whether it paused them), link more by
  number, unlink one, post a public update to all of them, pause or resume their clocks in one
  action, resolve it (with a last update).
- ``/maintenance``: the windows running or coming (the policy's recurring ones and the
  scheduled ones) beside the calendar they come from; admins schedule and cancel windows
  (start and end read in the admin's own time zone).

Each form is one service call; refusals come back as a notice on the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.services import Conflict, Forbidden, InvalidRequest, NotFound, TicketRuleError
from sladesk.web._context import Page, page
from sladesk.web._forms import answer

router = APIRouter()

#: what a form's service call may refuse with: shown as a notice
REFUSED = (InvalidRequest, TicketRuleError, Conflict, NotFound, Forbidden)
_NUMBER = re.compile(r"#?(\d{1,18})")


def ticket_numbers(text: str) -> list[int]:
    """``"#12, 15 20"`` -> ``[12, 15, 20]``; anything else in the text is refused."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    out = []
    for part in parts:
        m = _NUMBER.fullmatch(part)
        if m is None:
            raise InvalidRequest(f"{part!r} is not a ticket number", field="tickets")
        out.append(int(m.group(1)))
    return out


def _go(p: Page, csrf_token: str, to: str, action: Callable[[], object]) -> Response:
    """The form's service call, then back to ``to``, saying which tickets it left alone."""

    def done(result: object) -> Response:
        if isinstance(result, services.IncidentView) and result.skipped:
            left = ", ".join(f"{t}: {why}" for t, why in result.skipped)
            return p.redirect(to, p._("Left as they were: %(list)s") % {"list": left})
        return p.redirect(to)

    p.check_csrf(csrf_token)
    return answer(p, action, back=to, done=done, refusals=REFUSED)


@router.get("/incidents", response_class=HTMLResponse)
def incidents(request: Request) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    found = services.list_incidents(p.uow(), p.clock, actor)
    return p.render("incidents.html", incidents=found, kinds=tuple(services.INCIDENT_KINDS))


@router.post("/incidents")
def open_incident(
    request: Request,
    kind: str = Form(""),
    title: str = Form(""),
    tickets: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.create_incident(
            p.uow(), p.clock, p.actor, kind=kind, title=title, numbers=ticket_numbers(tickets)
        ),
        back="/incidents",
        done=lambda made: p.redirect(f"/incidents/{made.incident.id}"),
        refusals=REFUSED,
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident(request: Request, incident_id: int) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.get_incident(p.uow(), p.clock, actor, incident_id)
    return p.render("incident.html", view=view)


@router.post("/incidents/{incident_id}/link")
def link(
    request: Request, incident_id: int, tickets: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _go(p, csrf_token, f"/incidents/{incident_id}",
               lambda: services.link_tickets(p.uow(), p.clock, actor, incident_id,
                                             numbers=ticket_numbers(tickets)))  # fmt: skip


@router.post("/incidents/{incident_id}/unlink/{ticket_id}")
def unlink(
    request: Request, incident_id: int, ticket_id: int, csrf_token: str = Form("")
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _go(p, csrf_token, f"/incidents/{incident_id}",
               lambda: services.unlink_ticket(p.uow(), p.clock, actor, incident_id,
                                              ticket_id))  # fmt: skip


@router.post("/incidents/{incident_id}/update")
def update(
    request: Request, incident_id: int, body: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _go(p, csrf_token, f"/incidents/{incident_id}",
               lambda: services.post_incident_update(p.uow(), p.clock, actor, incident_id,
                                                     body))  # fmt: skip


@router.post("/incidents/{incident_id}/{action}")
def act(request: Request, incident_id: int, action: str, body: str = Form(""),
        csrf_token: str = Form("")) -> Response:  # fmt: skip
    """pause | resume | resolve"""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    uow, clock, to = p.uow(), p.clock, f"/incidents/{incident_id}"
    if action == "pause":
        return _go(p, csrf_token, to, lambda: services.pause_incident(uow, clock, actor,
                                                                       incident_id))  # fmt: skip
    if action == "resume":
        return _go(p, csrf_token, to, lambda: services.resume_incident(uow, clock, actor,
                                                                        incident_id))  # fmt: skip
    if action == "resolve":
        return _go(p, csrf_token, to,
                   lambda: services.resolve_incident(uow, clock, actor, incident_id,
                                                     body=body or None))  # fmt: skip
    raise NotFound("incident action", action)


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance(request: Request) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    schedule = services.maintenance_schedule(p.uow(), p.clock, actor, days=14)
    return p.render("maintenance.html", schedule=schedule, admin=actor.is_admin)


def _local(value: str, p: Page, field: str) -> datetime:
    """A ``datetime-local`` form value, read in the viewer's time zone."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(p._("Give a date and a time."), field=field) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=p.words.tz)


@router.post("/maintenance")
def schedule(
    request: Request,
    title: str = Form(""),
    starts_at: str = Form(""),
    ends_at: str = Form(""),
    description: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _go(p, csrf_token, "/maintenance",
               lambda: services.schedule_maintenance(
                   p.uow(), p.clock, actor, title=title,
                   starts_at=_local(starts_at, p, "starts_at"),
                   ends_at=_local(ends_at, p, "ends_at"), description=description))  # fmt: skip


@router.post("/maintenance/{window_id}/cancel")
def cancel(request: Request, window_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _go(p, csrf_token, "/maintenance",
               lambda: services.cancel_maintenance(p.uow(), p.clock, actor,
                                                   window_id))  # fmt: skip
