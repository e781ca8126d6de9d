"""Maintenance notices as a runner job: at most once per interval
(``SLADESK_MAINTENANCE_NOTICE_INTERVAL_SECONDS``, 60 s) it runs the
``send_maintenance_notices`` use case as the system actor, which records each due notice once
(``maintenance_notices``' unique key) and queues its mail in the outbox; delivery sends it.
"""

from __future__ import annotations

import logging

from sladesk.jobs.runner import IntervalJob
from sladesk.services import Actor, send_maintenance_notices

__all__ = ["MaintenanceNoticeJob"]

log = logging.getLogger("sladesk.jobs")
_ACTOR = Actor.system("maintenance")


class MaintenanceNoticeJob(IntervalJob):
    name = "maintenance-notices"

    def run_once(self) -> int:
        now = self.clock.now()
        if not self.due(now):
            return 0
        self._next = now + self.interval
        run = send_maintenance_notices(self.uow, self.clock, _ACTOR)
        if run.notices:
            log.info("maintenance: %d notices, %d messages queued", len(run.notices), run.messages)
        return run.messages
