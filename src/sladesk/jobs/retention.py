"""The retention purge as a runner job (``SLADESK_RETENTION_PURGE_INTERVAL_SECONDS``).

Expiry moves slowly (calendar months), so the job looks for expired tickets at most once per
interval, then purges them one batch per round until none is left. The purge itself is the
``purge_expired`` use case (services/_retention.py), run as the system actor.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sladesk.jobs.runner import IntervalJob
from sladesk.services import Actor, purge_expired
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork

__all__ = ["RetentionJob"]

log = logging.getLogger("sladesk.jobs")
_ACTOR = Actor.system("retention")


class RetentionJob(IntervalJob):
    name = "retention-purge"

    def __init__(
        self, uow: UnitOfWork, clock: Clock, *, interval: timedelta, batch: int = 100
    ) -> None:
        super().__init__(uow, clock, interval=interval)
        self.batch = batch

    def run_once(self) -> int:
        now = self.clock.now()
        if not self.due(now):
            return 0
        run = purge_expired(self.uow, self.clock, _ACTOR, limit=self.batch)
        if run.purged:
            log.info("retention: %d tickets purged, %d held", len(run.purged), run.held)
        # more left: come back next round; done: wait for the interval
        self._next = None if run.remaining else now + self.interval
        return len(run.purged)
