"""Nothing acknowledged is lost: ticket creations run against a real ``sladesk serve`` (SQLite;
PostgreSQL with ``--workers 2``), every process of it is killed with SIGKILL mid-load, it is
started again, and every ticket that was answered ``201`` is there — and none twice: the
requests that got no answer are retried with their ``Idempotency-Key`` (what a careful client
does), which answers the ticket they created if they did, and creates it if they did not.
Both happen: in most runs one to four of the eight requests cut off had committed before the
kill (so a retry without the key would have filed them twice).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa
from serve_process import Serve, contact_token
from test_cli_serve import PG_URL, pg_schema  # noqa: F401 - the fixture

from sladesk.store import make_engine

CLIENTS = 8
#: creations acknowledged before the kill: enough that some are surely in flight then
BEFORE_KILL = 150


@dataclass
class Client:
    """One client's requests, by Idempotency-Key: the ticket id of each answered 201, and
    the keys that got no answer (the connection died) or were refused (503: nothing done)."""

    n: int
    created: dict[str, int] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)

    def run(self, base: str, token: str, stop: threading.Event) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            j = 0
            while not stop.is_set():
                key = f"crash-{self.n}-{j}"
                j += 1
                try:
                    r = _create(http, token, key)
                except httpx.TransportError:
                    self.unanswered.append(key)
                    return  # the server is gone
                if r.status_code == 201:
                    self.created[key] = r.json()["id"]
                else:
                    assert r.status_code == 503, r.text
                    self.unanswered.append(key)


def _create(http: httpx.Client, token: str, key: str) -> httpx.Response:
    return http.post(
        "/api/v1/tickets",
        json={"subject": key, "body": "Help"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def _kill_mid_load_and_recover(url: str, workers: int, engine: sa.Engine) -> None:
    clients = [Client(i) for i in range(CLIENTS)]
    stop = threading.Event()
    with Serve(url, workers=workers) as first:
        token = contact_token(url)
        threads = [threading.Thread(target=c.run, args=(first.base, token, stop)) for c in clients]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while sum(len(c.created) for c in clients) < BEFORE_KILL:
            assert time.monotonic() < deadline, first.output()
            time.sleep(0.01)
        first.kill()  # SIGKILL to every process of it, while the clients keep sending
        stop.set()
        for t in threads:
            t.join(timeout=60)
    acknowledged = {k: v for c in clients for k, v in c.created.items()}
    unanswered = [k for c in clients for k in c.unanswered]
    assert len(acknowledged) >= BEFORE_KILL
    assert unanswered, "no request was cut off by the kill"

    with Serve(url, workers=workers) as second, httpx.Client(base_url=second.base) as http:
        retried = {}
        for key in unanswered:
            r = _create(http, token, key)
            assert r.status_code == 201, r.text
            retried[key] = r.json()["id"]
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, subject FROM tickets")).all()
    stored: dict[str, list[int]] = {}
    for ticket_id, subject in rows:
        stored.setdefault(subject, []).append(ticket_id)
    twice = {s: ids for s, ids in stored.items() if len(ids) > 1}
    assert not twice, f"created twice: {twice}"
    lost = {k: v for k, v in acknowledged.items() if stored.get(k) != [v]}
    assert not lost, f"answered 201 but not stored as answered: {lost}"
    assert all(stored.get(k) == [v] for k, v in retried.items())
    # nothing but what was sent: every ticket is one acknowledged or retried request
    assert set(stored) == set(acknowledged) | set(retried)


def test_nothing_acknowledged_is_lost_when_sqlite_serve_is_killed(tmp_path: object) -> None:
    path = f"{tmp_path}/sladesk.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url, pool_size=1)
    try:
        _kill_mid_load_and_recover(url, 1, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_nothing_acknowledged_is_lost_when_postgres_serve_is_killed(pg_schema: str) -> None:  # noqa: F811
    url = f"{PG_URL}?options=-csearch_path%3D{pg_schema}"
    engine = make_engine(url, pool_size=1)
    try:
        _kill_mid_load_and_recover(url, 2, engine)
    finally:
        engine.dispose()
