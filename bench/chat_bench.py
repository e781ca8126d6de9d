"""Live chat: N concurrent visitor WebSockets on `sladesk serve`, and how long a visitor's
message takes to reach the agent's screen (the agent's console socket).

    .venv/bin/python bench/chat_bench.py --connections 1000 --measured 200
    .venv/bin/python bench/chat_bench.py --engine postgresql --workers 2
    .venv/bin/python bench/chat_bench.py --engine postgresql --split

The server is real `sladesk serve` subprocesses: SQLite, one process, notices in its memory;
PostgreSQL, `--workers` API processes of one serve (the kernel spreads the sockets, so a
visitor's socket and the agent's are in different processes about half the time), or with
`--split` two serve processes, the visitors on one and the agent on the other, so every
message crosses processes through LISTEN/NOTIFY.

The bench opens N visitor sockets, each starting a chat; an agent signs in through the form,
loads /chats (every chat waiting), accepts `--measured` of them by form posts and opens one
console socket per accepted chat. Then (1) one message at a time, each from one of those
visitors, timed from its send until a frame containing it arrives on the agent's socket
(send -> the service's write -> the notice -> the agent socket's read -> the JSON frame);
(2) open loop: `--rate` messages a second for `--seconds`, round robin over the chats, timed
from each one's scheduled send (a late send counts against the server). The other sockets
stay open and idle throughout. Each phase prints its wall time and the servers' CPU time
(from /proc). Target (issue 16): p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


def server_cpu(sessions: list[int]) -> float:
    """CPU seconds (user + system) of every process of the servers' sessions (their workers
    too), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) in sessions:  # field 6 of stat: the session id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


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
        frame: dict[str, Any] = json.loads(await ws.recv())
        if predicate(frame):
            return frame


class Phases:
    """Prints each phase's wall time and the server's CPU time over it."""

    def __init__(self, sessions: list[int]) -> None:
        self.sessions = sessions
        self.wall, self.cpu = time.perf_counter(), server_cpu(sessions)

    def done(self, what: str) -> None:
        wall, cpu = time.perf_counter(), server_cpu(self.sessions)
        print(f"  {what}: {wall - self.wall:.1f} s wall, server CPU {cpu - self.cpu:.1f} s",
              flush=True)  # fmt: skip
        self.wall, self.cpu = wall, cpu


class AgentScreen:
    """Reads one agent socket all along and notes when each message body first shows on
    it (a chat frame containing it), so messages can be timed while others are in flight."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.shown: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[float]] = {}
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                if frame["type"] != "chat":
                    continue
                for m in frame["messages"]:
                    body = m["body"]
                    if body not in self.shown:
                        self.shown[body] = now
                        waiter = self.waiters.pop(body, None)
                        if waiter is not None and not waiter.done():
                            waiter.set_result(now)

    def when_shown(self, body: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if body in self.shown:
            future.set_result(self.shown[body])
        else:
            self.waiters[body] = future
        return future


async def run(
    visitor_base: str, agent_base: str, args: argparse.Namespace, sessions: list[int]
) -> dict[str, list[float]]:
    phases = Phases(sessions)
    visitors: list[Any] = []
    chat_ids: list[int] = []
    visitor_ws = visitor_base.replace("http://", "ws://")

    async def open_visitor(i: int) -> None:
        ws = await websockets.connect(f"{visitor_ws}/chat/ws?locale=en&tz=UTC", max_queue=None)
        await recv_until(ws, lambda f: f["type"] == "hello")
        await ws.send(json.dumps({"type": "start", "name": f"V{i}", "email": f"v{i}@bench.test",
                                  "message": f"hello {i}"}))  # fmt: skip
        started = await recv_until(ws, lambda f: f["type"] == "started")
        visitors.append(ws)
        chat_ids.append(started["chat"]["session"]["id"])

    for start in range(0, args.connections, 50):  # 50 handshakes at a time
        await asyncio.gather(
            *(open_visitor(i) for i in range(start, min(start + 50, args.connections)))
        )
    phases.done(f"{args.connections} visitor sockets open, chats started")

    async with httpx.AsyncClient(base_url=agent_base, timeout=60) as client:
        await sign_in(client)
        phases.done("agent signed in")
        page = await client.get("/chats")
        assert page.text.count('action="/chats/') >= args.connections, "not every chat waits"
        phases.done(f"/chats page with {args.connections} waiting")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        by_id = dict(zip(chat_ids, visitors, strict=True))
        picked = chat_ids[: args.measured]
        for chat_id in picked:
            r = await client.post(f"/chats/{chat_id}/accept", data={"csrf_token": csrf.group(1)})
            assert r.status_code == 303 and r.headers["location"] == f"/chats/{chat_id}", r.text
        phases.done(f"{len(picked)} chats accepted (form posts)")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    agent_ws = agent_base.replace("http://", "ws://")
    screens: dict[int, AgentScreen] = {}
    for chat_id in picked:
        ws = await websockets.connect(f"{agent_ws}/chats/{chat_id}/ws", max_queue=None,
                                      additional_headers={"Cookie": cookie})  # fmt: skip
        await recv_until(ws, lambda f: f["type"] == "chat")
        screens[chat_id] = AgentScreen(ws)
    phases.done(f"{len(screens)} agent sockets open")

    closed_loop = []  # one message at a time, the other sockets idle
    for n, chat_id in enumerate(picked):
        body = f"measure {n} of chat {chat_id}"
        sent = time.perf_counter()
        await by_id[chat_id].send(json.dumps({"type": "message", "body": body}))
        closed_loop.append((await screens[chat_id].when_shown(body) - sent) * 1000)
    phases.done(f"{len(closed_loop)} messages one at a time")

    open_loop: list[float] = []  # --rate messages a second, round robin over the chats
    total = int(args.rate * args.seconds)

    async def one(k: int, at: float) -> None:
        chat_id = picked[k % len(picked)]
        body = f"load {k} of chat {chat_id}"
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        await by_id[chat_id].send(json.dumps({"type": "message", "body": body}))
        shown = await asyncio.wait_for(screens[chat_id].when_shown(body), timeout=60)
        open_loop.append((shown - at) * 1000)  # from the scheduled send: no coordinated omission

    if total:
        t0 = time.perf_counter() + 0.2
        await asyncio.gather(*(one(k, t0 + k / args.rate) for k in range(total)))
        phases.done(f"{total} messages at {args.rate:g}/s")
    for ws in [*visitors, *(s.ws for s in screens.values())]:
        await ws.close()
    for screen in screens.values():
        screen.task.cancel()
    return {"one at a time": closed_loop, f"at {args.rate:g}/s": open_loop}


def report(name: str, lat: list[float]) -> None:
    if len(lat) < 2:
        return
    q = statistics.quantiles(lat, n=100, method="inclusive")
    print(f"  visitor -> agent screen, {name} ({len(lat)} messages): "
          f"p50 {statistics.median(lat):.1f} ms, p90 {q[89]:.1f} ms, p99 {q[98]:.1f} ms, "
          f"max {max(lat):.1f} ms (target p99 < 100 ms: {'met' if q[98] < 100 else 'NOT met'})",
          flush=True)  # fmt: skip


def wait_healthy(base: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not come up")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--connections", type=int, default=1000, help="visitor sockets")
    ap.add_argument("--measured", type=int, default=200,
                    help="chats accepted, each with an agent socket")  # fmt: skip
    ap.add_argument("--rate", type=float, default=50,
                    help="open-loop phase: visitor messages a second (0: none)")  # fmt: skip
    ap.add_argument("--seconds", type=float, default=10, help="open-loop phase's length")
    ap.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument(
        "--workers", type=int, default=2,
        help="PostgreSQL: API processes of one `sladesk serve --workers N`",
    )  # fmt: skip
    ap.add_argument(
        "--split", action="store_true",
        help="PostgreSQL: two `sladesk serve` processes, the visitors on one and the agent "
        "on the other (every message crosses LISTEN/NOTIFY)",
    )  # fmt: skip
    ap.add_argument(
        "--async-commit", action="store_true",
        help="PostgreSQL: the scratch database with synchronous_commit off (commits do not "
        "wait for the WAL flush), to see what the disk's fsync costs",
    )  # fmt: skip
    ap.add_argument("--db-prefix", default="chat_bench",
                    help="PostgreSQL: the scratch database's name prefix")  # fmt: skip
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    dbname = f"{args.db_prefix}_{os.getpid()}"
    admin = None
    if args.engine == "sqlite":
        url, workers, servers = f"sqlite:///{tmp / 'bench.db'}", 1, 1
    else:
        admin = make_engine(PG_URL, pool_size=1)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
            if args.async_commit:
                conn.execute(text(f'ALTER DATABASE "{dbname}" SET synchronous_commit = off'))
        url = PG_URL.rsplit("/", 1)[0] + f"/{dbname}"
        workers, servers = (1, 2) if args.split else (args.workers, 1)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        seed(url)
        env = {**os.environ, "SLADESK_SECRET_KEY": "chat-bench-secret-key-0123456789abcdef",
               "SLADESK_LOG_LEVEL": "WARNING"}  # fmt: skip
        sladesk = shutil.which("sladesk", path=str(Path(sys.executable).parent)) or "sladesk"
        bases = []
        for _ in range(servers):
            port = free_port()
            cmd = [sladesk, "serve", "--port", str(port), "--database-url", url, "--no-jobs",
                   "--workers", str(workers)]  # fmt: skip
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            procs.append(proc)
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_healthy(base)
        shape = ("2 serve processes (visitors on one, the agent on the other)" if args.split
                 else f"{workers} API process(es)")  # fmt: skip
        print(f"chat_bench: {args.engine}, {shape}, {args.connections} visitor sockets, "
              f"{args.measured} chats accepted; load average {os.getloadavg()[0]:.2f}",
              flush=True)  # fmt: skip
        cpu0 = time.process_time()
        results = asyncio.run(run(bases[0], bases[-1], args, [p.pid for p in procs]))
        for name, lat in results.items():
            report(name, lat)
        print(f"  bench client CPU {time.process_time() - cpu0:.1f} s; load average "
              f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    finally:
        for proc in procs:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
        if admin is not None:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
