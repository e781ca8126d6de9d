"""Review calls proposed automatically (LiveAgent VIP: "Chamadas de Revisão"), as a runner
job: at most once per ``SLADESK_REVIEW_CALLS_INTERVAL_SECONDS`` (an hour by default), the
``propose_review_calls`` use case books each organisation's review call of the coming
period on its dedicated agent's calendar and invites both (services/_calls.py). Idempotent:
an organisation gets one review per period (a unique key), however many runners there are.
"""

from __future__ import annotations

import logging

from sladesk.jobs.runner import IntervalJob
from sladesk.services import propose_review_calls

__all__ = ["ReviewCallsJob"]

log = logging.getLogger("sladesk.jobs")


class ReviewCallsJob(IntervalJob):
    name = "review-calls"

    def run_once(self) -> int:
        now = self.clock.now()
        if not self.due(now):
            return 0
        proposed = propose_review_calls(self.uow, self.clock)
        if proposed:
            log.info("review calls: %d proposed", proposed)
        self._next = now + self.interval
        return proposed
