"""Live chat: N concurrent visitor WebSockets on one `sladesk serve`, and how long a
visitor's message takes to reach the agent's screen (the agent's console socket).

    .venv/bin/python bench/chat_bench.py --connections 1000 --measured 200
    .venv/bin/python bench/chat_bench.py --engine postgresql --workers 2

The server is a real `sladesk serve` subprocess (SQLite: one process, notices in memory;
PostgreSQL: `--workers` processes, notices over LISTEN/NOTIFY, so a visitor's socket and the
agent's are often in different processes). The bench opens N visitor sockets, each starting
a chat; an agent signs in through the form, accepts `--measured` of them and opens one
console socket per accepted chat; then, one after another, a visitor sends a message and the
time until a frame containing it arrives on the agent's socket is recorded (send -> the
service's write -> the notice -> the agent socket's read -> the JSON frame). The other
connections stay open and idle. Target (issue 16): p99 < 100 ms. Prints p50/p90/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from sqlalchemy import text

from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, NewAgent, Role, create_agent, publish_policy
from sladesk.store import make_engine

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "policies" / "infraspeak.yaml"
PASSWORD = "bench-password-123"
PG_URL = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str) -> str:
    c = bootstrap(Settings(database_url=url, jobs_in_process=False), migrate=True)
    try:
        system = Actor.system("bench")
        admin = create_agent(c.uow(), c.clock, system, NewAgent("root@bench.test", "Root", "admin"))
        create_agent(c.uow(), c.clock, system,
                     NewAgent("agent@bench.test", "Bench Agent", password=PASSWORD))  # fmt: skip
        old = "channels: [portal, app, email, whatsapp]"
        policy = POLICY.read_text().replace(old, old[:-1] + ", chat]")
        publish_policy(c.uow(), c.clock, Actor.agent(admin.id, Role.ADMIN), policy, source="bench")
        return "agent@bench.test"
    finally:
        c.dispose()


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = await client.post("/sign-in", data={"email": "agent@bench.test", "password": PASSWORD,
                                             "csrf_token": token.group(1)})  # fmt: skip
    if r.status_code != 303:
        raise RuntimeError(f"sign-in: {r.status_code} {r.text[:200]}")


async def recv_until(ws: Any, predicate: Any) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.recv())
        if predicate(frame):
            return frame


def _has(frame: dict[str, Any], body: str) -> bool:
    return frame["type"] == "chat" and any(m["body"] == body for m in frame["messages"])


async def run(base: str, connections: int, measured: int) -> list[float]:
    ws_base = base.replace("http://", "ws://")
    visitors: list[Any] = []
    chat_ids: list[int] = []

    async def open_visitor(i: int) -> None:
        ws = await websockets.connect(f"{ws_base}/chat/ws?locale=en&tz=UTC", max_queue=None)
        await recv_until(ws, lambda f: f["type"] == "hello")
        await ws.send(json.dumps({"type": "start", "name": f"V{i}", "email": f"v{i}@bench.test",
                                  "message": f"hello {i}"}))  # fmt: skip
        started = await recv_until(ws, lambda f: f["type"] == "started")
        visitors.append(ws)
        chat_ids.append(started["chat"]["session"]["id"])

    t0 = time.perf_counter()
    for start in range(0, connections, 50):  # 50 handshakes at a time
        await asyncio.gather(*(open_visitor(i) for i in range(start, min(start + 50, connections))))
    print(
        f"  {connections} visitor sockets open, chats started, in {time.perf_counter() - t0:.1f} s"
    )

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await sign_in(client)
        print("  agent signed in", flush=True)
        page = await client.get("/chats")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        by_id = dict(zip(chat_ids, visitors, strict=True))
        picked = chat_ids[:measured]
        for chat_id in picked:
            r = await client.post(f"/chats/{chat_id}/accept", data={"csrf_token": csrf.group(1)})
            assert r.status_code == 303 and r.headers["location"] == f"/chats/{chat_id}", r.text
        print(f"  {len(picked)} chats accepted", flush=True)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    agents = {}
    for chat_id in picked:
        ws = await websockets.connect(f"{ws_base}/chats/{chat_id}/ws", max_queue=None,
                                      additional_headers={"Cookie": cookie})  # fmt: skip
        await recv_until(ws, lambda f: f["type"] == "chat")
        agents[chat_id] = ws
    print(f"  {len(agents)} agent sockets open", flush=True)
    await asyncio.sleep(0.5)
    for chat_id in picked:  # drain what arrived meanwhile (the accepts' redraws)
        while True:
            try:
                await asyncio.wait_for(agents[chat_id].recv(), timeout=0.05)
            except TimeoutError:
                break
    latencies = []
    for n, chat_id in enumerate(picked):
        body = f"measure {n} of chat {chat_id}"
        sent = time.perf_counter()
        await by_id[chat_id].send(json.dumps({"type": "message", "body": body}))
        await recv_until(agents[chat_id], lambda f, b=body: _has(f, b))
        latencies.append((time.perf_counter() - sent) * 1000)
    for ws in [*visitors, *agents.values()]:
        await ws.close()
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--measured", type=int, default=200)
    ap.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    dbname = f"chat_bench_{os.getpid()}"
    if args.engine == "sqlite":
        url, workers = f"sqlite:///{tmp / 'bench.db'}", 1
    else:
        admin = make_engine(PG_URL, pool_size=1)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        url, workers = PG_URL.rsplit("/", 1)[0] + f"/{dbname}", args.workers or 2
    seed(url)
    port = free_port()
    env = {**os.environ, "SLADESK_SECRET_KEY": "chat-bench-secret-key-0123456789abcdef",
           "SLADESK_LOG_LEVEL": "WARNING"}  # fmt: skip
    sladesk = shutil.which("sladesk", path=str(Path(sys.executable).parent)) or "sladesk"
    cmd = [sladesk, "serve", "--port", str(port), "--database-url", url, "--no-jobs",
           "--workers", str(workers)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(f"chat_bench: {args.engine}, {workers} process(es), {args.connections} visitor "
              f"sockets, {args.measured} measured visitor -> agent messages")  # fmt: skip
        lat = asyncio.run(run(base, args.connections, args.measured))
        q = statistics.quantiles(lat, n=100, method="inclusive")
        p50 = statistics.median(lat)
        print(f"  visitor -> agent screen: p50 {p50:.1f} ms, p90 {q[89]:.1f} ms, "
              f"p99 {q[98]:.1f} ms, max {max(lat):.1f} ms (target p99 < 100 ms: "
              f"{'met' if q[98] < 100 else 'NOT met'})")  # fmt: skip
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
        if args.engine == "postgresql":
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
