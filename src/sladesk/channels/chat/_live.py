"""One WebSocket's life, for either side of a chat: frames from the client are handled one
at a time (each a service call on a worker thread), and each hub notice on the socket's
topics redraws it (a read through the services, sent as JSON).

What a socket *tells* (publishes) and what it *watches* are kept apart: a visitor who starts
a chat tells the agents' ``waiting`` list, but must not watch it, or every chat started or
accepted redraws every open widget (a database read and a frame per socket: with 1,000
sockets, each accept cost about a second of server CPU; see docs/performance.md)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import ExitStack, suppress
from datetime import datetime
from typing import Any, NamedTuple

from starlette.websockets import WebSocket, WebSocketDisconnect

from sladesk.channels.chat._hub import ChatHub
from sladesk.services import ChatMessageRecord, ChatView

__all__ = ["MAX_FRAME", "Handled", "Pump", "chat_json"]

log = logging.getLogger(__name__)
MAX_FRAME = 16_384


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def chat_json(view: ChatView, side: str) -> dict[str, Any]:
    """What one side sees of a chat (the visitor never sees agent ids or the ticket id)."""
    s = view.session
    session: dict[str, Any] = {"id": s.id, "status": s.status, "identity": s.identity,
                               "has_email": bool(s.email), "name": s.name}  # fmt: skip
    if side == "agent":
        session |= {"email": s.email, "agent_id": s.agent_id, "ticket_id": s.ticket_id,
                    "locale": s.locale, "started_at": _at(s.started_at)}  # fmt: skip
    messages = [_message(m) for m in view.messages]
    typing = view.agent_typing if side == "visitor" else view.visitor_typing
    return {"type": "chat", "session": session, "messages": messages, "typing": typing}


def _message(m: ChatMessageRecord) -> dict[str, Any]:
    return {"id": m.id, "author": m.author, "body": m.body, "at": _at(m.created_at),
            "delivered": m.delivered_at is not None, "read": m.read_at is not None}  # fmt: skip


class Handled(NamedTuple):
    """What handling one client frame gives: the ``answer`` sent back (None: nothing), the
    topics to ``publish`` (others redraw), and the topics this socket ``watch``-es from now
    on (its own chat once started)."""

    answer: dict[str, Any] | None = None
    publish: tuple[str, ...] = ()
    watch: tuple[str, ...] = ()


class Pump:
    """``await Pump(ws, hub, handle, redraw).run(topics)``: ``handle(frame)`` answers a
    client frame (:class:`Handled`); ``redraw()`` is the JSON sent on a notice (None:
    nothing). Notices that arrive while a redraw is pending fold into it."""

    def __init__(
        self,
        ws: WebSocket,
        hub: ChatHub,
        handle: Callable[[dict[str, Any]], Awaitable[Handled]],
        redraw: Callable[[], Awaitable[dict[str, Any] | None]],
    ) -> None:
        self.ws, self.hub, self.handle, self.redraw = ws, hub, handle, redraw

    async def run(self, topics: list[str]) -> None:
        await self.hub.ready()
        watched: set[str] = set()
        queue = self.hub.queue()
        with ExitStack() as stack:

            def watch(new: Iterable[str]) -> None:
                fresh = [t for t in new if t not in watched]
                if fresh:
                    watched.update(fresh)
                    stack.enter_context(self.hub.subscribe(queue, *fresh))

            watch(topics)
            receive = asyncio.ensure_future(self.ws.receive_text())
            notice: asyncio.Future[str] | None = None
            try:
                while True:
                    if notice is None:
                        notice = asyncio.ensure_future(queue.get())
                    waits: set[asyncio.Future[Any]] = {receive}
                    if notice is not None:
                        waits.add(notice)
                    done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    if notice is not None and notice in done:
                        notice = None
                        view = await self.redraw()
                        if view is not None:
                            await self.ws.send_json(view)
                    if receive in done:
                        text = receive.result()
                        receive = asyncio.ensure_future(self.ws.receive_text())
                        answer, publish, watching = await self._frame(text)
                        watch(watching)  # before the answer: no notice after it is missed
                        if answer is not None:
                            await self.ws.send_json(answer)
                        for topic in publish:
                            await self.hub.publish(topic)
            except WebSocketDisconnect:
                pass
            finally:
                for task in (receive, notice):
                    if task is not None:
                        task.cancel()
                        with suppress(asyncio.CancelledError, Exception):
                            await task

    async def _frame(self, text: str) -> Handled:
        if len(text) > MAX_FRAME:
            return Handled({"type": "error", "field": None, "message": "frame too large"})
        try:
            frame = json.loads(text)
        except ValueError:
            return Handled({"type": "error", "field": None, "message": "a frame is a JSON object"})
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return Handled({"type": "error", "field": None, "message": "a frame needs a type"})
        return await self.handle(frame)
