"""Canned replies (``/canned``): every agent sees them (and inserts them from a ticket's
composer); leads and admins write, change and delete them. The role check is the services'."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk.services import Conflict, InvalidRequest, Role
from sladesk.services.console import (
    CANNED_PLACEHOLDERS,
    delete_canned_reply,
    list_canned_replies,
    save_canned_reply,
)
from sladesk.web._context import page
from sladesk.web._forms import answer

router = APIRouter()


@router.get("/canned", response_class=HTMLResponse)
def canned(request: Request) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return p.render(
        "canned.html", replies=list_canned_replies(p.uow(), p.clock, actor),
        may_edit=actor.has_role(Role.LEAD), placeholders=CANNED_PLACEHOLDERS,
    )  # fmt: skip


@router.post("/canned")
def save(
    request: Request,
    title: str = Form(""),
    body: str = Form(""),
    reply_id: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: save_canned_reply(
            p.uow(),
            p.clock,
            p.actor,
            title,
            body,
            reply_id=int(reply_id) if reply_id.isdigit() else None,
        ),
        back="/canned",
        notice=p._("Canned reply saved."),
        refusals=(InvalidRequest, Conflict),
    )


@router.post("/canned/{reply_id}/delete")
def delete(request: Request, reply_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    p.check_csrf(csrf_token)
    delete_canned_reply(p.uow(), p.clock, p.person.actor, reply_id)  # type: ignore[union-attr]
    return p.redirect("/canned", p._("Canned reply deleted."))
