"""Chat notices across processes on PostgreSQL: ``NOTIFY sladesk_chat, '<topic>'`` from the
process where a chat changed, ``LISTEN sladesk_chat`` in every API process, each delivering
to its own hub's sockets (``ChatHub.deliver``). PostgreSQL is the broker; nothing else runs.

Two connections of psycopg's async API per process (one listens, one sends), opened on first
use on the API's event loop. A notice is a topic only (``chat:12``, ``waiting``), never a
message's text; receivers read the chat through the services. A lost listener connection is
reopened; notices sent meanwhile are lost, and the sockets redraw on their next one (the
widget also redraws on reconnect)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import psycopg
from psycopg import sql

from sladesk.channels.chat._hub import ChatHub

__all__ = ["CHANNEL", "PgRelay", "libpq_url"]

log = logging.getLogger(__name__)
CHANNEL = "sladesk_chat"
_NOTIFY = "SELECT pg_notify(%s, t) FROM unnest(%s::text[]) AS t"


def libpq_url(database_url: str) -> str | None:
    """The libpq form of a SQLAlchemy PostgreSQL URL; None for another database."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
        return None
    return f"postgresql://{rest}"


class PgRelay:
    """``hub.relay = PgRelay(hub, url)``: the hub then publishes through PostgreSQL."""

    def __init__(self, hub: ChatHub, url: str) -> None:
        self.hub, self.url = hub, url
        self._sender: psycopg.AsyncConnection[object] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: set[str] = set()
        self._listening = asyncio.Event()

    async def ready(self) -> None:
        """Listening (on this loop) from now on."""
        if self._listener is None or self._listener.done():
            self._listening.clear()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        await asyncio.wait_for(self._listening.wait(), timeout=10)

    async def __call__(self, topic: str) -> None:
        """Send ``topic``; returns once it is sent. Topics published while a send is under
        way go together in the next one (one statement): the sender is one connection, and
        one statement per notice made its round trip a queue under load (at 50 messages a
        second, a 20 ms round trip on a busy machine is the whole second)."""
        await self.ready()
        self._pending.add(topic)
        async with self._lock:
            if not self._pending:
                return  # the send before this one carried it
            topics, self._pending = sorted(self._pending), set()
            if self._sender is None or self._sender.closed:
                self._sender = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            try:
                await self._sender.execute(_NOTIFY, (CHANNEL, topics))
            except psycopg.OperationalError:
                await self._sender.close()
                self._sender = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                await self._sender.execute(_NOTIFY, (CHANNEL, topics))

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    self._listening.set()
                    async for notice in conn.notifies():
                        self.hub.deliver(notice.payload)
            except asyncio.CancelledError:
                raise
            except psycopg.Error as exc:
                log.warning("chat LISTEN connection lost (%s); reconnecting", exc)
                self._listening.clear()
                await asyncio.sleep(1)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self._sender is not None:
            await self._sender.close()
