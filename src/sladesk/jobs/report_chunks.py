"""The compliance report's packed columns kept fresh as a runner job
(``SLADESK_REPORT_CHUNKS_INTERVAL_SECONDS``, 300 s): at most once per interval it runs
``refresh_report_chunks`` (services/_reports.py), which builds the missing chunks, rebuilds
the changed ones and moves the marks of the unchanged ones (docs/reports.md "How it is
computed"). A report never waits for it: what changed since a chunk was built is read live.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sladesk.jobs.runner import IntervalJob
from sladesk.services import refresh_report_chunks
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork

__all__ = ["ReportChunksJob"]

log = logging.getLogger("sladesk.jobs")


class ReportChunksJob(IntervalJob):
    name = "report-chunks"

    def __init__(
        self, uow: UnitOfWork, clock: Clock, *, interval: timedelta, batch: int = 4
    ) -> None:
        super().__init__(uow, clock, interval=interval)
        self.batch = batch

    def run_once(self) -> int:
        now = self.clock.now()
        if not self.due(now):
            return 0
        built = refresh_report_chunks(self.uow, self.clock, limit=self.batch)
        if built:
            log.info("report chunks: %d built", built)
        # a full batch: more may be due, come back next round
        self._next = None if built >= self.batch else now + self.interval
        return built
