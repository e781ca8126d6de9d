"""The compliance summary: per metric, how many targets were met, breached, still running."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sladesk.api.schemas._base import OutputModel


class MetricCompliancePublic(OutputModel):
    metric: str
    with_target: int
    met: int
    breached: int
    running: int
    paused: int
    compliance: float | None


class CompliancePublic(OutputModel):
    """Tickets created in ``[start, end)`` within the caller's scope."""

    start: datetime
    end: datetime
    tickets: int
    without_sla: int
    metrics: tuple[MetricCompliancePublic, ...]
    by_priority: Mapping[str, tuple[MetricCompliancePublic, ...]]
    #: false: the policy's targets are non-binding goals (``targets_are: goals``)
    binding: bool
    targets_are: str
