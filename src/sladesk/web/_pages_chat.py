"""The console's live chat (agents):

- ``/chats``: the waiting chats, longest waiting first, with their wait time and first
  message, each with an Accept button; and the agent's own active chats. A socket
  (``/chats/ws``) reloads the list when a chat starts, is taken or ends.
- ``/chats/{id}``: one chat, live over ``/chats/{id}/ws`` (messages, the visitor typing,
  delivered/read marks), a box to answer, and Close, after which the transcript is the
  ticket's conversation (the page goes to the ticket).

The sockets are authenticated by the console's session cookie and refuse an ``Origin``
other than this site's; everything else is one service call, as on every console page.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from sladesk import services
from sladesk.channels.chat import Handled, Pump, chat_json, hub_for
from sladesk.services import Conflict, Forbidden, InvalidRequest, NotFound, TicketRuleError
from sladesk.web._context import Page, SignInRequired, WrongRole, page

router = APIRouter()
_REFUSED = (InvalidRequest, Conflict, NotFound, Forbidden, TicketRuleError)


def _wait(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


@router.get("/chats", response_class=HTMLResponse)
def chats(request: Request) -> Response:
    p = page(request, need="agent")
    waiting = services.waiting_chats(p.uow(), p.clock, p.actor)
    mine = services.active_chats(p.uow(), p.clock, p.actor)
    rows = [(w, _wait(w.wait.total_seconds())) for w in waiting]
    return p.render("chats.html", waiting=rows, mine=mine)


@router.post("/chats/{chat_id}/accept")
async def accept(request: Request, chat_id: int, csrf_token: str = Form("")) -> Response:
    p = await run_in_threadpool(page, request, need="agent")
    p.check_csrf(csrf_token)
    try:
        await run_in_threadpool(services.accept_chat, p.uow(), p.clock, p.actor, chat_id)
    except _REFUSED as exc:
        return p.redirect("/chats", str(exc))
    hub = hub_for(p.web.container)
    await hub.publish(f"chat:{chat_id}")
    await hub.publish("waiting")
    return p.redirect(f"/chats/{chat_id}")


@router.get("/chats/{chat_id}", response_class=HTMLResponse)
def chat(request: Request, chat_id: int) -> Response:
    p = page(request, need="agent")
    try:
        view = services.chat_as_agent(p.uow(), p.clock, p.actor, chat_id)
    except NotFound:
        return p.redirect("/chats", p._("There is no such chat."))
    return p.render("chat.html", chat=view.session, messages=view.messages)


@router.post("/chats/{chat_id}/close")
async def close(request: Request, chat_id: int, csrf_token: str = Form("")) -> Response:
    p = await run_in_threadpool(page, request, need="agent")
    p.check_csrf(csrf_token)
    try:
        view = await run_in_threadpool(services.close_chat, p.uow(), p.clock, p.actor, chat_id)
    except _REFUSED as exc:
        return p.redirect(f"/chats/{chat_id}", str(exc))
    hub = hub_for(p.web.container)
    await hub.publish(f"chat:{chat_id}")
    await hub.publish("waiting")
    if view.session.ticket_id is not None:
        return p.redirect(f"/tickets/{view.session.ticket_id}")
    return p.redirect("/chats")


async def _agent(ws: WebSocket) -> Page | None:
    """The signed-in agent of the socket, or None (the socket is then closed)."""
    origin = ws.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
        await ws.close(code=1008)
        return None
    try:
        return await run_in_threadpool(page, cast(Request, ws), need="agent")
    except (SignInRequired, WrongRole):
        await ws.close(code=1008)
        return None


@router.websocket("/chats/ws")
async def waiting_socket(ws: WebSocket) -> None:
    p = await _agent(ws)
    if p is None:
        return
    await ws.accept()

    async def handle(frame: dict[str, Any]) -> Handled:
        return Handled()

    async def redraw() -> dict[str, Any]:
        return {"type": "waiting"}

    await Pump(ws, hub_for(p.web.container), handle, redraw).run(["waiting"])


@router.websocket("/chats/{chat_id}/ws")
async def chat_socket(ws: WebSocket, chat_id: int) -> None:
    p = await _agent(ws)
    if p is None:
        return
    actor, c = p.actor, p.web.container
    try:
        first = await run_in_threadpool(services.chat_as_agent, c.uow(), c.clock, actor, chat_id)
    except NotFound:
        await ws.close(code=1008)
        return
    await ws.accept()
    await ws.send_json(chat_json(first, "agent"))

    async def redraw() -> dict[str, Any]:
        view = await run_in_threadpool(services.chat_as_agent, c.uow(), c.clock, actor, chat_id)
        return chat_json(view, "agent")

    def call(frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "message":
            body = frame.get("body")
            services.post_agent_message(c.uow(), c.clock, actor, chat_id,
                                        body if isinstance(body, str) else "")  # fmt: skip
        elif kind in ("typing", "read", "delivered"):
            up_to = frame.get("up_to")
            up = up_to if isinstance(up_to, int) and not isinstance(up_to, bool) else None
            services.mark_chat(c.uow(), c.clock, actor, chat_id, kind, up)
        else:
            raise InvalidRequest(f"unknown frame type {kind!r}", field="type")

    async def handle(frame: dict[str, Any]) -> Handled:
        try:
            await run_in_threadpool(call, frame)
        except _REFUSED as exc:
            return Handled({"type": "error", "field": getattr(exc, "field", None),
                            "message": str(exc)})  # fmt: skip
        return Handled(publish=(f"chat:{chat_id}",))

    await Pump(ws, hub_for(c), handle, redraw).run([f"chat:{chat_id}"])
