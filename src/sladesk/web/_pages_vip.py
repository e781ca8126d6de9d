"""The dedicated agent in the web (LiveAgent VIP): the customer books a call in the portal
among the dedicated agent's free slots (shown in the customer's time zone, by day); the
agent sets their availability and absences in the console, sees the calls booked on a
ticket and records each one's written summary after it.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby

from babel.dates import format_datetime
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.services import Forbidden, NotFound
from sladesk.web._context import page
from sladesk.web._forms import REFUSALS, answer

router = APIRouter()


@router.get("/portal/tickets/{ticket_id}/call", response_class=HTMLResponse)
def portal_call(request: Request, ticket_id: int) -> Response:
    """The free slots of the dedicated agent, by day in the customer's zone."""
    p = page(request, need="contact")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.get_ticket(p.uow(), p.clock, actor, ticket_id)
    calls = services.list_calls(p.uow(), actor, ticket_id)
    try:
        offer = services.call_slots(p.uow(), p.clock, actor, ticket_id)
    except REFUSALS as exc:
        return p.render("portal_call.html", ticket=view, calls=calls, offer=None, days=[],
                        error=str(exc))  # fmt: skip
    tz = p.words.tz
    days = []
    for day, group in groupby(offer.slots, key=lambda s: s.starts_at.astimezone(tz).date()):
        slots = [(s.starts_at.isoformat(),
                  format_datetime(s.starts_at, "HH:mm", tzinfo=tz, locale=p.language))
                 for s in group]  # fmt: skip
        first = datetime.fromisoformat(slots[0][0])
        days.append((day.isoformat(),
                     format_datetime(first, "EEEE d MMMM", tzinfo=tz, locale=p.language),
                     slots))  # fmt: skip
    minutes = int(offer.length.total_seconds() // 60)
    return p.render("portal_call.html", ticket=view, calls=calls, offer=offer, days=days,
                    minutes=minutes, error=None)  # fmt: skip


@router.post("/portal/tickets/{ticket_id}/call")
def portal_book_call(
    request: Request, ticket_id: int, starts_at: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="contact")
    p.check_csrf(csrf_token)
    try:
        when = datetime.fromisoformat(starts_at)
    except ValueError:
        return p.redirect(f"/portal/tickets/{ticket_id}/call", p._("Pick a time for the call."))
    return answer(
        p,
        lambda: services.book_call(p.uow(), p.clock, p.actor, ticket_id, when),
        back=f"/portal/tickets/{ticket_id}/call",
        done=f"/portal/tickets/{ticket_id}?booked=1",
    )


# -- the console -------------------------------------------------------------------------


@router.get("/availability", response_class=HTMLResponse)
def availability(request: Request) -> Response:
    """The signed-in agent's availability switch and absences."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    view = services.agent_availability(p.uow(), p.clock, actor, actor.id or 0)
    return p.render("availability.html", me=view, today=p.now().astimezone(p.words.tz).date(),
                    zone_name=p.words.tz.key)  # fmt: skip


@router.post("/availability")
def set_availability(
    request: Request, available: str = Form(""), csrf_token: str = Form("")
) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    actor = p.person.actor  # type: ignore[union-attr]
    services.set_availability(p.uow(), p.clock, actor, actor.id or 0, available == "1")
    return p.redirect("/availability")


@router.post("/availability/absences")
def add_absence(
    request: Request, starts_on: str = Form(""), ends_on: str = Form(""),
    time_zone: str = Form(""), reason: str = Form(""), csrf_token: str = Form(""),
) -> Response:  # fmt: skip
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    actor = p.actor
    try:
        first, last = date.fromisoformat(starts_on), date.fromisoformat(ends_on or starts_on)
    except ValueError:
        return p.redirect("/availability", p._("Give the first and last day away."))
    return answer(
        p,
        lambda: services.add_absence(p.uow(), p.clock, actor, actor.id or 0, starts_on=first,
                                     ends_on=last, time_zone=time_zone.strip(), reason=reason),
        back="/availability",
    )  # fmt: skip


@router.post("/availability/absences/{absence_id}/delete")
def remove_absence(request: Request, absence_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    actor = p.actor
    return answer(
        p,
        lambda: services.remove_absence(p.uow(), p.clock, actor, actor.id or 0, absence_id),
        back="/availability",
        refusals=(NotFound,),
    )


@router.post("/tickets/{ticket_id}/booked-calls/{call_id}/summary")
def record_summary(
    request: Request, ticket_id: int, call_id: int, summary: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:  # fmt: skip
    """After the call, its written summary: the ticket's call record."""
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.record_call_summary(p.uow(), p.clock, p.actor, call_id, summary),
        back=f"/tickets/{ticket_id}",
        refusals=(*REFUSALS, Forbidden),
    )
