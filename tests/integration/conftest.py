"""Integration fixtures (see desk_fixtures.py): ``engine`` over a real SQLite file and a real
PostgreSQL, ``uow``, a ``FixedClock``, and ``desk`` (people and a published policy)."""

from desk_fixtures import caches, clock, desk, engine, uow

__all__ = ["caches", "clock", "desk", "engine", "uow"]
