"""One WebSocket's life, for either side of a chat: frames from the client are handled one
at a time (each a service call on a worker thread), and each hub notice on the socket's
topics redraws it (a read through the services, sent as JSON)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import ExitStack, suppress
from datetime import datetime
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from sladesk.channels.chat._hub import ChatHub
from sladesk.services import ChatMessageRecord, ChatView

__all__ = ["MAX_FRAME", "Pump", "chat_json"]

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


class Pump:
    """``await Pump(ws, hub, handle, redraw).run(topics)``: ``handle(frame)`` answers a
    client frame (a dict, or None to send nothing) and may return topics to publish and to
    watch from then on; ``redraw()`` is the JSON sent on a notice (None: nothing)."""

    def __init__(
        self,
        ws: WebSocket,
        hub: ChatHub,
        handle: Callable[[dict[str, Any]], Awaitable[tuple[dict[str, Any] | None, list[str]]]],
        redraw: Callable[[], Awaitable[dict[str, Any] | None]],
    ) -> None:
        self.ws, self.hub, self.handle, self.redraw = ws, hub, handle, redraw

    async def run(self, topics: list[str]) -> None:
        await self.hub.ready()
        watched: set[str] = set()
        queue = self.hub.queue()
        with ExitStack() as stack:

            def watch(new: list[str]) -> None:
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
                        answer, publish = await self._frame(text)
                        if answer is not None:
                            await self.ws.send_json(answer)
                        watch(publish)
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

    async def _frame(self, text: str) -> tuple[dict[str, Any] | None, list[str]]:
        if len(text) > MAX_FRAME:
            return {"type": "error", "field": None, "message": "frame too large"}, []
        try:
            frame = json.loads(text)
        except ValueError:
            return {"type": "error", "field": None, "message": "a frame is a JSON object"}, []
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return {"type": "error", "field": None, "message": "a frame needs a type"}, []
        return await self.handle(frame)
