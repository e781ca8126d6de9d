"""PostgreSQL's connection pool: an idle connection the server dropped is replaced before it
is handed out; one in use just before is not pinged, so a request on it fails once and the
pool then starts afresh (the trade-off documented in ``sladesk/store/_engine.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from sladesk.store import _engine, make_engine

PG_URL = os.environ.get(
    "SLADESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def pg() -> Iterator[tuple[Engine, Engine]]:
    """A pooled engine under test and a second one to end its connections with."""
    engine, killer = make_engine(PG_URL, pool_size=1), make_engine(PG_URL, pool_size=1)
    try:
        with killer.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server: skip (or fail in CI)
        engine.dispose()
        killer.dispose()
        if os.environ.get("SLADESK_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL answers at {PG_URL}: {exc}")
    try:
        yield engine, killer
    finally:
        engine.dispose()
        killer.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(killer: Engine, pid: int) -> None:
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        conn.commit()


def test_an_idle_connection_the_server_dropped_is_replaced_unseen(
    pg: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, killer = pg
    first = _backend(engine)
    _terminate(killer, first)
    monkeypatch.setattr(_engine, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle long enough
    assert _backend(engine) != first


def test_a_connection_used_just_before_is_not_pinged(
    pg: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, killer = pg
    monkeypatch.setattr(_engine, "PING_AFTER_IDLE_SECONDS", 3600.0)
    first = _backend(engine)
    _terminate(killer, first)
    with pytest.raises(DBAPIError) as failed:
        _backend(engine)
    assert failed.value.connection_invalidated
    assert _backend(engine) != first  # the pool started afresh
