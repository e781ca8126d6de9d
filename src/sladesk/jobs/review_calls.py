"""Review calls proposed automatically (LiveAgent VIP: "Chamadas de Revisão"), as a runner
job: at most once per ``SLADESK_REVIEW_CALLS_INTERVAL_SECONDS`` (an hour by default), the
``propose_review_calls`` use case books each organisation's review call of the coming
period on its dedicated agent's calendar and invites both (services/_calls.py). Idempotent:
an organisation gets one review per period (a unique key), however many runners there are.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sladesk.services import propose_review_calls
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork

__all__ = ["ReviewCallsJob"]

log = logging.getLogger("sladesk.jobs")


class ReviewCallsJob:
    name = "review-calls"

    def __init__(self, uow: UnitOfWork, clock: Clock, *, interval: timedelta) -> None:
        self.uow = uow
        self.clock = clock
        self.interval = interval
        self._next: datetime | None = None

    def run_once(self) -> int:
        now = self.clock.now()
        if self._next is not None and now < self._next:
            return 0
        proposed = propose_review_calls(self.uow, self.clock)
        if proposed:
            log.info("review calls: %d proposed", proposed)
        self._next = now + self.interval
        return proposed
