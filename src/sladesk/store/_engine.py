"""Engines for the two supported databases, built on demand (never at import).

**A fixed pool.** Each engine keeps ``pool_size`` connections and never opens more
(``max_overflow=0``; SQLite's readers too). SQLAlchemy's overflow connections are opened when
the pool is empty and *closed* when handed back to a full one: under a burst on PostgreSQL
that was a new backend (a fork, authentication, cold catalog caches: milliseconds of CPU on
both sides) for a good share of the requests, 60–125 new backends in 20 s at 300 creations a
second, which made each request dearer exactly when the server was short of CPU. A thread
that finds every connection taken now waits for one (the API runs no more route threads than
there are connections, ``http/_one_hop.py``, so its routes never do); the number of
PostgreSQL backends is at most ``pool_size`` per process, whatever the load
(``tests/e2e/test_serve_overload.py``).

SQLite (the embedded default) gets WAL, foreign keys, a busy timeout, and explicit
``BEGIN IMMEDIATE`` for write transactions so that two writers queue on the lock instead of
failing on a lock upgrade. PostgreSQL goes through psycopg 3 with a pooled engine.

A pooled PostgreSQL connection that has sat unused for :data:`PING_AFTER_IDLE_SECONDS` is
pinged (``SELECT 1``) when it is taken from the pool, and replaced if the server does not
answer (after a restart, a failover, a firewall that dropped idle connections). One used
within that time is not: under load every connection is reused within milliseconds, and a
ping per checkout (SQLAlchemy's ``pool_pre_ping``) was one more round trip for every unit of
work, two per API request. The cost of the window: a request on a connection that was busy
just before the server went away fails, and SQLAlchemy then discards every connection of the
pool opened before that failure.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

#: a pooled PostgreSQL connection unused for longer is pinged before it is handed out
PING_AFTER_IDLE_SECONDS = 2.0

#: the execution option a unit of work sets on its connection to choose SQLite's BEGIN form
SQLITE_BEGIN = "sladesk_sqlite_begin"


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = 5000,
    pool_size: int = 10,
    search_path: str | None = None,
    echo: bool = False,
) -> Engine:
    """An engine for ``url``: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.
    ``search_path`` (PostgreSQL) puts every table in that schema; tests use it."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql" or parsed.drivername == "postgres":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        # readers keep ``pool_size`` connections open, like PostgreSQL's pool: with SQLAlchemy's
        # default of 5, a sixth concurrent request opened a connection (file, PRAGMAs, a cold
        # page cache) and closed it again on return, request after request
        sqlite_url = parsed.render_as_string(hide_password=False)
        pool = {} if _in_memory(sqlite_url) else {"pool_size": pool_size, "max_overflow": 0}
        return _sqlite_engine(sqlite_url, busy_timeout_ms, echo, **pool)
    connect_args: dict[str, Any] = {}
    if search_path:
        connect_args["options"] = f"-csearch_path={search_path}"
    engine = create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=0,  # see the module docstring: a fixed pool, no churn
        connect_args=connect_args,
        echo=echo,
    )
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a connection on checkout only when it has been idle (see the module docstring):
    the pessimistic check of SQLAlchemy's pool events, raising ``DisconnectionError`` so that
    the pool replaces the connection and retries."""

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")  # None: just opened (the dict is per connection)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_conn.rollback()  # hand the connection out as it was: no transaction open
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def make_sqlite_writer(engine: Engine, *, busy_timeout_ms: int = 5000) -> Engine | None:
    """For a SQLite file, an engine of the same database with **one** connection, through
    which a process's write transactions go (``UnitOfWork(..., writer=...)``); None for
    PostgreSQL and in-memory SQLite.

    Why: under WAL, a connection that starts a transaction after *another* connection wrote
    drops its whole page cache and reads the pages again. Writers queue on one lock per
    process anyway (``store/uow.py``), so one connection can serve them all and keep its
    cache: a create cost 0.25 ms more of CPU when writes rotated over four pooled connections
    than over one (in-process, interleaved). Reads keep the pool: under WAL they never wait
    for the writer."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "sqlite" or _in_memory(url):
        return None
    return _sqlite_engine(
        url,
        busy_timeout_ms,
        bool(engine.echo),
        # the write lock lets one thread at a time ask for it; the timeout only matters to a
        # thread that opens a second write transaction inside its first (a bug), which fails
        # after the busy timeout as it would have waiting for SQLite's lock
        pool_size=1,
        max_overflow=0,
        pool_timeout=busy_timeout_ms / 1000,
    )


def _in_memory(url: str) -> bool:
    return ":memory:" in url or url in ("sqlite://", "sqlite:///")


def _sqlite_engine(url: str, busy_timeout_ms: int, echo: bool, **pool: Any) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        echo=echo,
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # let SQLAlchemy, not the driver, say when a transaction begins (see _on_begin)
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not _in_memory(url):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # None: no transaction (a unit of work of one read: one statement, one snapshot).
        # Sent on the driver's connection: through ``exec_driver_sql`` it cost ~30 µs of
        # SQLAlchemy's statement machinery per transaction for a constant string
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if mode is not None:
            conn.connection.driver_connection.execute(f"BEGIN {mode}")

    return engine
