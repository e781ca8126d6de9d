"""Retention: when a closed ticket's content has been kept long enough to be purged.

A policy keeps a closed ticket's conversation for ``retention_months`` calendar months
(per plan, or the policy's own value; docs/policies.md "Retention"). Pure: the caller gives
the closing instant, the hold flags and ``now``; the purge service (``services/_retention.py``)
reads and deletes.

Calendar-month arithmetic is done on the UTC instant: the same day of the month N months
later, at the same time of day; a day the target month lacks becomes its last day (closed
31 January 10:00 UTC, kept 1 month: expires 28 February 10:00 UTC, 29 in a leap year). A
ticket is expired from that instant on (``now >= expires_at``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

from sladesk.policy import Policy


def retention_months(policy: Policy, plan: str | None) -> int | None:
    """The months a closed ticket of ``plan`` is kept under ``policy``: the plan's
    ``retention_months``, else the policy's; ``None`` when neither sets one (kept for ever).
    A plan the policy no longer defines takes the policy's value."""
    declared = policy.plans.get(plan) if plan is not None else None
    if declared is not None and declared.retention_months is not None:
        return declared.retention_months
    return policy.retention_months


def add_months(at: datetime, months: int) -> datetime:
    """``at`` (aware) plus ``months`` calendar months, in UTC, clamped to the month's end."""
    if at.tzinfo is None:
        raise ValueError("add_months needs an aware datetime")
    if months < 0:
        raise ValueError("months must not be negative")
    utc = at.astimezone(UTC)
    index = utc.year * 12 + (utc.month - 1) + months
    year, month = divmod(index, 12)
    day = min(utc.day, calendar.monthrange(year, month + 1)[1])
    return utc.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True, slots=True)
class RetentionCandidate:
    """A closed ticket as the purge sees it."""

    ticket_id: int
    plan: str | None
    closed_at: datetime
    held: bool = False  # a legal hold on the ticket or its organisation


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    ticket_id: int
    expires_at: datetime | None  # None: kept for ever
    expired: bool
    held: bool


def decide_retention(
    policy: Policy, candidate: RetentionCandidate, *, now: datetime
) -> RetentionDecision:
    """Whether ``candidate``'s content is due for purging at ``now``: its retention has run
    out and no legal hold stops it (``held`` decisions are expired but not to be purged)."""
    months = retention_months(policy, candidate.plan)
    if months is None:
        return RetentionDecision(candidate.ticket_id, None, False, candidate.held)
    expires_at = add_months(candidate.closed_at, months)
    return RetentionDecision(candidate.ticket_id, expires_at, now >= expires_at, candidate.held)


def purgeable(decision: RetentionDecision) -> bool:
    return decision.expired and not decision.held
