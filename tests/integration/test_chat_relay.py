"""Chat notices: in one process through the in-memory hub, and across processes through
PostgreSQL's LISTEN/NOTIFY (two hubs, each with its own connections, stand for two API
processes: a change published on one reaches the sockets watching on the other)."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import pytest
from desk_fixtures import PG_URL

from sladesk.channels.chat import ChatHub, PgRelay, libpq_url


def test_the_in_memory_hub_wakes_only_the_watchers_of_a_topic() -> None:
    async def run() -> None:
        hub = ChatHub()
        a, b = hub.queue(), hub.queue()
        with hub.subscribe(a, "chat:1", "waiting"), hub.subscribe(b, "chat:2"):
            await hub.publish("chat:1")
            assert a.get_nowait() == "chat:1" and b.empty()
            await hub.publish("waiting")
            assert a.get_nowait() == "waiting"
        assert hub.watching("chat:1") == 0  # the socket went: nobody is left subscribed
        await hub.publish("chat:1")  # nobody listens: nothing happens
        assert a.empty()

    asyncio.run(run())


def test_notices_for_a_subscriber_fold_into_one_pending_redraw() -> None:
    async def run() -> None:
        hub = ChatHub()
        q = hub.queue()
        with hub.subscribe(q, "chat:1", "waiting"):
            for _ in range(5):
                await hub.publish("chat:1")
            await hub.publish("waiting")
            assert q.qsize() == 1  # one redraw reads everything the six notices said
            q.get_nowait()  # the redraw starts: a notice from now on is a new redraw
            await hub.publish("chat:1")
            assert q.qsize() == 1

    asyncio.run(run())


def test_libpq_url() -> None:
    assert libpq_url("postgresql+psycopg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
    assert libpq_url("sqlite:///x.db") is None


def test_a_change_in_one_process_reaches_the_sockets_of_another_through_postgresql() -> None:
    url = libpq_url(PG_URL)
    assert url is not None

    async def run() -> None:
        one, two = ChatHub(), ChatHub()
        one.relay, two.relay = PgRelay(one, url), PgRelay(two, url)
        try:
            try:
                await two.ready()
            except Exception as exc:  # noqa: BLE001 - the same skip as the engine fixture's
                pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
            watcher = two.queue()
            with two.subscribe(watcher, "chat:7"):
                await one.publish("chat:7")
                assert await asyncio.wait_for(watcher.get(), timeout=5) == "chat:7"
                await one.publish("chat:8")  # another chat: not this watcher's
                await one.publish("chat:7")
                assert await asyncio.wait_for(watcher.get(), timeout=5) == "chat:7"
                assert watcher.empty()
            # many at once: those published while a send is under way go in the next one,
            # and each reaches its watchers
            queues = {f"chat:{i}": two.queue() for i in range(100, 130)}
            with ExitStack() as stack:
                for topic, q in queues.items():
                    stack.enter_context(two.subscribe(q, topic))
                await asyncio.gather(*(one.publish(topic) for topic in queues))
                for topic, q in queues.items():
                    assert await asyncio.wait_for(q.get(), timeout=5) == topic
        finally:
            await one.relay.close()
            await two.relay.close()

    asyncio.run(run())
