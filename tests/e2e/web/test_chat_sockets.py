"""Live chat's sockets over real HTTP (no browser): who watches what. A visitor's widget
watches its own chat only: starting or accepting a chat tells the agents' waiting list and
must not redraw every open widget (with 1,000 open widgets it did, and each accept cost about
a second of server CPU: docs/performance.md, "Live chat")."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import httpx
from web_world import PASSWORD, LiveServer, World, sign_in
from websockets.sync.client import ClientConnection, connect

from sladesk.channels.chat import hub_for


def _until(ws: ClientConnection, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=30))
        if predicate(frame):
            return frame


def _start(
    sockets: ExitStack, server: LiveServer, name: str, message: str
) -> tuple[ClientConnection, int]:
    url = server.url.replace("http://", "ws://") + "/chat/ws?locale=en&tz=UTC"
    ws = sockets.enter_context(connect(url))
    _until(ws, lambda f: f["type"] == "hello")
    ws.send(json.dumps({"type": "start", "name": name, "email": f"{name}@visitor.example",
                        "message": message}))  # fmt: skip
    started = _until(ws, lambda f: f["type"] == "started")
    return ws, int(started["chat"]["session"]["id"])


def test_a_widget_watches_its_own_chat_only_and_the_agents_list_watches_the_waiting(
    server: LiveServer, world: World, browser_client: httpx.Client
) -> None:
    hub = hub_for(world.container)
    with ExitStack() as sockets:
        one, one_id = _start(sockets, server, "una", "first visitor")
        _, two_id = _start(sockets, server, "dos", "second visitor")
        # subscriptions are in place before the "started" answer is sent
        assert hub.watching(f"chat:{one_id}") == 1 and hub.watching(f"chat:{two_id}") == 1
        assert hub.watching("waiting") == 0  # widgets tell the waiting list, never watch it

        # the second start did not redraw the first widget: its next frame is its own message
        one.send(json.dumps({"type": "message", "body": "still here"}))
        frame = _until(one, lambda f: f["type"] == "chat")
        assert [m["body"] for m in frame["messages"]] == ["first visitor", "still here"]

        assert sign_in(browser_client, world.agent_email, PASSWORD).status_code == 303
        cookie = "; ".join(f"{k}={v}" for k, v in browser_client.cookies.items())
        base = server.url.replace("http://", "ws://")
        with connect(f"{base}/chats/ws", additional_headers={"Cookie": cookie}) as console:
            deadline = time.monotonic() + 30
            while hub.watching("waiting") != 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert hub.watching("waiting") == 1  # the agent's list does watch
            _start(sockets, server, "tres", "third visitor")
            assert _until(console, lambda f: True) == {"type": "waiting"}
