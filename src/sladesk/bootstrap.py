"""The only wiring: settings -> engine -> unit-of-work factory, clock, caches.

Entry points (``sladesk serve``, ``sladesk worker``, tests) call :func:`bootstrap` once and
pass the :class:`Container` down; nothing is created at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from sladesk.config import Settings
from sladesk.services.clock import Clock, SystemClock
from sladesk.store import Caches, UnitOfWork, make_engine, make_sqlite_writer, upgrade


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    caches: Caches = field(default_factory=Caches)
    #: SQLite: the one connection this process writes through (``make_sqlite_writer``)
    writer: Engine | None = None

    def uow(self) -> UnitOfWork:
        """A fresh unit of work (one per request or per worker thread)."""
        return UnitOfWork(self.engine, self.caches, writer=self.writer)

    def dispose(self) -> None:
        if self.writer is not None:
            self.writer.dispose()
        self.engine.dispose()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    migrate: bool | None = None,
) -> Container:
    """Build the container. ``migrate`` defaults to ``settings.migrate_on_start``."""
    if engine is None:
        engine = make_engine(
            settings.database_url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            pool_size=settings.pool_size,
        )
    if settings.migrate_on_start if migrate is None else migrate:
        upgrade(engine)
    writer = make_sqlite_writer(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    return Container(settings=settings, engine=engine, clock=clock or SystemClock(), writer=writer)
