"""The chat channel's HTTP side, at ``/chat`` of the API's app (``mount_chat``):

- ``GET /chat/widget.js``: the widget, one script tag on the vendor's site or app page
  (``static/widget.js``; plain JavaScript served by sladesk, no CDN).
- ``WS /chat/ws?locale=..&tz=..[&token=..]``: the visitor's socket. It says first whether
  agents answer now (``hello``: open, or when the team is back, in the visitor's zone and
  language); then frames ``start`` (name, e-mail, the app's signature, first message),
  ``message``, ``typing``, ``read``/``delivered`` (up to a message id), ``email`` and
  ``close`` (also how a visitor leaves a message out of hours: the chat becomes a ticket).
  A signed-in customer's widget first sends ``identify`` (the e-mail and the app's
  signature): the answer ``direct`` names their dedicated agent while the VIP direct line is
  open (else ``line`` is null), and ``start`` with ``direct: true`` routes the chat to them.
  Until a chat starts the widget sends ``hours`` (answered like ``hello``'s open/back
  fields) and, signed in, ``identify`` again every ``direct_recheck_s`` seconds (``hello``;
  the ``chat_direct_recheck_seconds`` setting), so "start a chat" becomes "leave a message"
  when the team closes (and back), and the direct button comes and goes with the agent's
  availability, without a reload and keeping what the visitor typed. Asking again was
  chosen over pushing: hours and the line open and close with time (absences, calendars),
  which no write announces, and a re-ask needs no notice topic where availability changes.
  Every change is pushed as a ``chat`` frame. Everything goes over the socket, so a widget
  on another origin needs no CORS opening; the token (returned by ``start``) is the only
  key to the chat and is kept by the widget in the page's ``sessionStorage``.

The agents' side is the console's (``sladesk.web``: ``/chats``), which shares this hub.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket

from sladesk import services
from sladesk.channels.chat._hub import ChatHub, hub_for
from sladesk.channels.chat._live import Handled, Pump, chat_json
from sladesk.channels.chat._pg import PgRelay, libpq_url
from sladesk.config import Settings
from sladesk.services import Clock, Conflict, Forbidden, InvalidRequest, NotFound, TicketRuleError
from sladesk.store import UnitOfWork

__all__ = ["WIDGET", "back_label", "create_chat_app", "mount_chat"]

HERE = Path(__file__).parent
WIDGET = HERE / "static" / "widget.js"
LOCALES = ("en", "es", "pt")
_REFUSED = (InvalidRequest, Conflict, NotFound, Forbidden, TicketRuleError)


class ServiceContainer(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    def uow(self) -> UnitOfWork: ...


def _locale(value: str | None) -> str:
    base = (value or "en").replace("_", "-").split("-")[0].lower()
    return base if base in LOCALES else "en"


def _zone(value: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(value or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def back_label(at: datetime, locale: str, tz: str | None) -> str:
    """When the team is back, in the visitor's language and time zone."""
    zone = _zone(tz)
    return format_datetime(at, "EEEE HH:mm", tzinfo=zone, locale=_locale(locale)) + (
        f" ({zone.key})"
    )


def _error(exc: Exception) -> dict[str, Any]:
    return {"type": "error", "field": getattr(exc, "field", None), "message": str(exc)}


def create_chat_app(container: ServiceContainer) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    hub = hub_for(container)
    url = libpq_url(container.settings.database_url)
    if url is not None and hub.relay is None:  # N processes: PostgreSQL carries the notices
        hub.relay = PgRelay(hub, url)

    @app.get("/widget.js")
    def widget() -> Response:
        return FileResponse(WIDGET, media_type="text/javascript",
                            headers={"cache-control": "public, max-age=300",
                                     "x-content-type-options": "nosniff"})  # fmt: skip

    @app.websocket("/ws")
    async def visitor(ws: WebSocket) -> None:
        await ws.accept()
        await _Visitor(container, hub, ws).run()

    return app


class _Visitor:
    def __init__(self, container: ServiceContainer, hub: ChatHub, ws: WebSocket) -> None:
        self.c, self.hub, self.ws = container, hub, ws
        self.locale = _locale(ws.query_params.get("locale"))
        self.tz = ws.query_params.get("tz")
        self.token = ws.query_params.get("token") or None
        self.session_id: int | None = None

    async def run(self) -> None:
        await self.ws.send_json(await run_in_threadpool(self._hello))
        topics: list[str] = []
        if self.token is not None:
            try:
                view = await run_in_threadpool(
                    services.chat_as_visitor, self.c.uow(), self.c.clock, self.token
                )
            except NotFound:
                self.token = None
                await self.ws.send_json({"type": "forgotten"})
            else:
                self.session_id = view.session.id
                topics = [f"chat:{view.session.id}"]
                await self.ws.send_json(chat_json(view, "visitor"))
        await Pump(self.ws, self.hub, self._handle, self._redraw).run(topics)

    def _hello(self) -> dict[str, Any]:
        settings = self.c.settings
        return self._hours() | {"type": "hello", "locale": self.locale,
                "signed_identities": settings.chat_identity_secret is not None,
                "direct_recheck_s": settings.chat_direct_recheck_seconds}  # fmt: skip

    def _hours(self) -> dict[str, Any]:
        """Whether the team answers now, else when it is back (in the visitor's words)."""
        calendar = self.c.settings.chat_calendar
        state = services.chat_availability(self.c.uow(), self.c.clock, calendar)
        back = state.back_at
        return {"type": "hours", "open": state.open,
                "back_at": back.isoformat() if back else None,
                "back_label": back_label(back, self.locale, self.tz) if back else None}  # fmt: skip

    async def _redraw(self) -> dict[str, Any] | None:
        if self.token is None:
            return None
        view = await run_in_threadpool(
            services.chat_as_visitor, self.c.uow(), self.c.clock, self.token
        )
        return chat_json(view, "visitor")

    async def _handle(self, frame: dict[str, Any]) -> Handled:
        try:
            return await run_in_threadpool(self._call, frame)
        except _REFUSED as exc:
            return Handled(_error(exc))

    def _call(self, frame: dict[str, Any]) -> Handled:
        kind, c = frame["type"], self.c
        text = {k: v if isinstance(v, str) else None for k, v in frame.items()}
        secret_key = c.settings.chat_identity_secret
        secret = secret_key.get_secret_value() if secret_key is not None else None
        if kind == "hours":  # asked again before a chat starts: has the team opened or closed?
            return Handled(self._hours())
        if kind == "identify":  # a signed-in customer: is there a direct line to offer?
            line = services.chat_direct_line(
                c.uow(), c.clock, email=text.get("email") or "",
                signature=text.get("signature") or "", secret=secret,
                calendar=c.settings.chat_dedicated_calendar,
            )  # fmt: skip
            direct = {"agent": line.agent_name} if line is not None and line.open else None
            return Handled({"type": "direct", "line": direct})
        if kind == "start":
            if self.token is not None:
                raise Conflict("this socket already has a chat")
            token, view = services.start_chat(
                c.uow(), c.clock, name=text.get("name") or "", email=text.get("email") or None,
                locale=self.locale, signature=text.get("signature") or None, secret=secret,
                first_message=text.get("message"), direct=frame.get("direct") is True,
                direct_calendar=c.settings.chat_dedicated_calendar,
            )  # fmt: skip
            self.token, self.session_id = token, view.session.id
            answer = {"type": "started", "token": token} | {"chat": chat_json(view, "visitor")}
            # the agents' list is told, never watched by the visitor; nobody watches the
            # new chat yet but this socket, which has it in the answer
            return Handled(answer, publish=("waiting",), watch=(f"chat:{view.session.id}",))
        if self.token is None or self.session_id is None:
            raise InvalidRequest("start a chat first", field="type")
        topic, token = f"chat:{self.session_id}", self.token
        if kind == "message":
            services.post_visitor_message(c.uow(), c.clock, token, text.get("body") or "")
        elif kind in ("typing", "read", "delivered"):
            up_to = frame.get("up_to")
            up = up_to if isinstance(up_to, int) and not isinstance(up_to, bool) else None
            services.mark_chat_as_visitor(c.uow(), c.clock, token, kind, up)
        elif kind == "email":
            services.give_chat_email(c.uow(), c.clock, token, text.get("email") or "")
        elif kind == "close":
            services.close_chat_as_visitor(c.uow(), c.clock, token,
                                           email=text.get("email") or None)  # fmt: skip
            return Handled(publish=(topic, "waiting"))
        else:
            raise InvalidRequest(f"unknown frame type {kind!r}", field="type")
        return Handled(publish=(topic,))


def mount_chat(app: FastAPI, container: ServiceContainer) -> None:
    """Serve the chat channel at ``/chat`` of ``app`` (before the console's catch-all)."""
    app.mount("/chat", create_chat_app(container), name="chat")
