"""The job runner: claim -> run -> commit, over and over, until told to stop.

A *job* is anything with a ``name`` and a ``run_once() -> int`` that claims one batch of due
work, does it and commits, answering how many items it handled (0: nothing was due). The
runner calls its jobs in turn; while any of them finds work it keeps going, and when a whole
round finds none it sleeps ``idle`` seconds (or until stopped).

Where it runs:

- ``sladesk serve`` (SQLite, the embedded default): one runner in a background thread of the
  API process, started and stopped with the app's lifespan. SQLite allows one writer at a
  time, so there is exactly one runner.
- ``sladesk worker`` (PostgreSQL, scale-out): the runner in the main thread, stopped by
  SIGTERM/SIGINT after the batch in hand. Any number of workers may run side by side; they
  coordinate only through the database (``SELECT ... FOR UPDATE SKIP LOCKED`` claims, leases
  in ``claimed_until``, unique keys for milestones and outbox rows). See docs/deployment.md.

An error in one batch is logged and the job backs off for ``idle`` seconds; the transaction of
that batch was rolled back, so nothing half-done stays behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork

__all__ = ["IntervalJob", "Job", "Runner"]

log = logging.getLogger("sladesk.jobs")


class Job(Protocol):
    @property
    def name(self) -> str: ...

    def run_once(self) -> int:
        """Claim one batch of due work, do it, commit; return how many items were handled."""
        ...


class IntervalJob:
    """The base of a job whose work is looked for at most once per ``interval`` (maintenance
    notices, review calls, the retention purge): its ``run_once`` returns 0 unless
    :meth:`due`, and sets ``_next`` (when to look again; None: next round)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, *, interval: timedelta) -> None:
        self.uow = uow
        self.clock = clock
        self.interval = interval
        self._next: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self._next is None or now >= self._next


class Runner:
    def __init__(self, jobs: Sequence[Job], idle: float = 1.0) -> None:
        self.jobs = tuple(jobs)
        self.idle = idle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0  # failed batches in the last round

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_round(self) -> int:
        """Run every job once; the number of items handled in total. Errors are logged."""
        total = 0
        self.failures = 0
        for job in self.jobs:
            if self._stop.is_set():
                break
            try:
                total += job.run_once()
            except Exception:
                self.failures += 1
                log.exception("job %s failed; its batch was rolled back", job.name)
        return total

    def drain(self, max_rounds: int = 1_000_000, max_failed_rounds: int = 3) -> int:
        """Run rounds until one finds nothing to do and nothing fails (tests and
        ``worker --once``); gives up after ``max_failed_rounds`` failing rounds in a row."""
        total = 0
        failed_rounds = 0
        for _ in range(max_rounds):
            done = self.run_round()
            total += done
            failed_rounds = failed_rounds + 1 if self.failures else 0
            if self._stop.is_set() or failed_rounds >= max_failed_rounds:
                break
            if done == 0 and not self.failures:
                break
        return total

    def run_forever(self) -> None:
        """Loop until :meth:`stop`; sleeps ``idle`` seconds after a round with no work."""
        log.info("job runner started: %s", ", ".join(j.name for j in self.jobs))
        while not self._stop.is_set():
            if self.run_round() == 0:
                self._stop.wait(self.idle)
        log.info("job runner stopped")

    def start(self) -> None:
        """Run :meth:`run_forever` in a daemon thread (``sladesk serve``)."""
        if self._thread is not None:
            raise RuntimeError("runner already started")
        self._thread = threading.Thread(target=self.run_forever, name="sladesk-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the loop to stop after the batch in hand, and wait for the thread if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
