"""Under a burst, ``sladesk serve --workers 2`` on PostgreSQL keeps a fixed number of database
connections: never more backends than ``SLADESK_POOL_SIZE`` per process, and none opened and
closed on the way (each would be a new PostgreSQL backend). Every request is answered, 201
or — past ``SLADESK_MAX_IN_FLIGHT`` — 503 with Retry-After."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
import sqlalchemy as sa
from serve_process import Serve, contact_token
from test_cli_serve import PG_URL, pg_schema  # noqa: F401 - the fixture

from sladesk.store import make_engine

POOL = 3
WORKERS = 2
CLIENTS = 48
EACH = 10


@pytest.mark.postgres
def test_a_burst_never_opens_more_connections_than_the_pools_hold(pg_schema: str) -> None:  # noqa: F811
    name = f"sladesk-{uuid.uuid4().hex[:10]}"
    url = f"{PG_URL}?options=-csearch_path%3D{pg_schema}&application_name={name}"
    watcher = make_engine(PG_URL, pool_size=1)
    seen: set[int] = set()
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        # autocommit: within a transaction PostgreSQL answers one snapshot of its statistics
        with watcher.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not stop.is_set():
                pids = set(
                    conn.execute(
                        sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"),
                        {"n": name},
                    ).scalars()
                )
                seen.update(pids)
                peak = max(peak, len(pids))
                stop.wait(0.02)

    statuses: list[int] = []
    lock = threading.Lock()

    def client(token: str, base: str, i: int) -> None:
        mine = []
        with httpx.Client(base_url=base, timeout=60) as http:
            for j in range(EACH):
                r = http.post(
                    "/api/v1/tickets",
                    json={"subject": f"burst {i}-{j}", "body": "Help"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                if r.status_code == 503:
                    assert r.headers["Retry-After"] == "1"
                mine.append(r.status_code)
        with lock:
            statuses.extend(mine)

    try:
        with Serve(url, workers=WORKERS, SLADESK_POOL_SIZE=str(POOL)) as serve:
            token = contact_token(url)
            watching = threading.Thread(target=watch)
            watching.start()
            try:
                threads = [
                    threading.Thread(target=client, args=(token, serve.base, i))
                    for i in range(CLIENTS)
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(timeout=120)
            finally:
                stop.set()
                watching.join()
            output = serve.output()
        with watcher.connect() as conn:
            created = conn.execute(
                sa.text(f'SELECT count(*) FROM "{pg_schema}".tickets')
            ).scalar_one()
    finally:
        watcher.dispose()
    assert len(statuses) == CLIENTS * EACH
    assert set(statuses) <= {201, 503}, (sorted(set(statuses)), output)
    assert created == statuses.count(201)
    # the API processes' pools and the supervisor's (its job runner): POOL each, fixed
    bound = (WORKERS + 1) * POOL
    assert peak <= bound, (peak, seen)
    assert len(seen) <= bound, f"{len(seen)} backends over the run for {bound} connections"
