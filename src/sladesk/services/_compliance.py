"""Compliance reporting over the stored SLA projections."""

from __future__ import annotations

from datetime import datetime

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor


def compliance_summary(
    uow: UnitOfWork, clock: Clock, actor: Actor, start: datetime, end: datetime
) -> ComplianceSummary:
    raise NotImplementedError
