"""Who is watching which chat, in one process: the in-memory broker of live chat.

A topic is ``chat:<id>`` (the visitor and the agent of one chat) or ``waiting`` (the
console's list of waiting chats). A notice carries no data: whoever receives one reads the
chat again through the services, so a notice lost or doubled changes nothing but a redraw,
and the same notices can come from PostgreSQL's LISTEN/NOTIFY across processes
(:mod:`sladesk.channels.chat._pg`). Every subscriber is an ``asyncio.Queue`` of the API's
event loop; :meth:`ChatHub.publish` is called on that loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["ChatHub", "hub_for"]

#: notices a subscriber may have pending: one. A notice carries no data and a redraw reads
#: everything, so a second notice arriving before the pending one is taken changes nothing
#: (it folds into it); one arriving while a redraw is under way is queued and redraws again
#: after it, so the last change is always drawn. A larger backlog only redraws the same
#: chat several times in a row under a burst.
_BACKLOG = 1


class ChatHub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = {}
        #: called with each topic published here (the PostgreSQL bridge sends it on)
        self.relay: Any = None

    @staticmethod
    def queue() -> asyncio.Queue[str]:
        return asyncio.Queue(_BACKLOG)

    @contextmanager
    def subscribe(self, queue: asyncio.Queue[str], *topics: str) -> Iterator[None]:
        """``queue`` receives the notices of ``topics`` inside the block."""
        for topic in topics:
            self._subscribers.setdefault(topic, set()).add(queue)
        try:
            yield
        finally:
            for topic in topics:
                subs = self._subscribers.get(topic)
                if subs is not None:
                    subs.discard(queue)
                    if not subs:
                        del self._subscribers[topic]

    async def ready(self) -> None:
        """Before subscribing: the relay (if any) listens, so no notice is missed."""
        if self.relay is not None:
            await self.relay.ready()

    def deliver(self, topic: str) -> None:
        """Wake this process's subscribers of ``topic``."""
        for queue in list(self._subscribers.get(topic, ())):
            if queue.full():
                continue  # a redraw is already pending: this notice folds into it
            queue.put_nowait(topic)

    async def publish(self, topic: str) -> None:
        """Wake every subscriber of ``topic``: here, and in the other processes when a
        relay (LISTEN/NOTIFY) is set."""
        if self.relay is not None:
            await self.relay(topic)  # comes back through LISTEN to every process, this one too
        else:
            self.deliver(topic)

    def watching(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))


_HUBS: dict[int, ChatHub] = {}


def hub_for(container: object) -> ChatHub:
    """The one hub of ``container`` (the chat channel's app and the console share it); it
    goes with the container."""
    key = id(container)
    hub = _HUBS.get(key)
    if hub is None:
        hub = _HUBS[key] = ChatHub()
        weakref.finalize(container, _HUBS.pop, key, None)
    return hub
