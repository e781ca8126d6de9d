"""Column types shared by both engines.

:class:`UTCDateTime` refuses naive datetimes on the way in and always hands back aware UTC
instants, also on SQLite (which stores text without an offset: we store UTC there, so text
order is time order). :data:`JSONData` is JSON on SQLite and JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from sladesk.errors import NaiveDatetimeError


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError("stored instant", value)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONData = JSON().with_variant(JSONB(), "postgresql")


def json_default(value: Any) -> Any:
    """Plain-data form for JSON columns (sets become sorted lists)."""
    if isinstance(value, set | frozenset):
        return sorted(value)
    return value
