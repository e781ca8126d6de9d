"""Retry spacing for outbox delivery: exponential backoff with jitter.

The n-th retry waits ``min(cap, base * 2**(n-1))`` scaled by a random factor in
``[1 - jitter, 1]`` ("equal jitter" when ``jitter=0.5``), so many messages that failed
together (a receiver was down) do not all come back at the same instant. The random source
is an argument: tests pass a seeded ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)
    jitter: float = 0.5  # share of the delay that is randomised, in [0, 1]
    max_attempts: int = 12  # after this many failed attempts a message is dead

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts}")
        exponent = min(attempts - 1, 62)
        full = min(self.cap.total_seconds(), self.base.total_seconds() * (2.0**exponent))
        r = (rng or random).random()
        return timedelta(seconds=full * (1.0 - self.jitter * r))
