"""The only place sladesk reads the system clock.

Use cases read ``clock.now()`` once and pass the instant down; the pure core never reads the
clock. Tests and the demo inject a :class:`FixedClock` to travel in time (pretix's "time
machine" lesson: a clock read deep inside a service cannot be tested).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sladesk.errors import NaiveDatetimeError


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move: ``set(at)`` or ``advance(delta)``."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at = _aware_utc(at)

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = _aware_utc(at)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._at += delta
            return self._at


def _aware_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError("FixedClock instant", at)
    return at.astimezone(UTC)
