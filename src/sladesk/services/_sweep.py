"""The SLA sweep's transaction: wake due tickets, record milestones exactly once, escalate."""

from __future__ import annotations

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork


def sweep_sla(uow: UnitOfWork, clock: Clock, *, limit: int = 500) -> SweepReport:
    raise NotImplementedError
