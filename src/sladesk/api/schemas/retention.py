"""Retention: what the next purge would take, and legal holds (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from sladesk.api.schemas._base import Id, InputModel, OutputModel


class RetentionItemPublic(OutputModel):
    ticket_id: int
    number: int
    closed_at: datetime
    expires_at: datetime
    held: bool


class RetentionPreviewPublic(OutputModel):
    """What ``sladesk retention purge`` (or the job) would purge now."""

    now: datetime
    policy: str | None
    due: tuple[RetentionItemPublic, ...]
    held: tuple[RetentionItemPublic, ...]
    next_expiry: datetime | None
    months: int | None
    declared: bool


class HoldCreate(InputModel):
    """A legal hold on one ticket (by number) or one organisation (by slug): exactly one."""

    ticket_number: Id | None = None
    organization: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why (a case reference): shown with the hold."
    )


class HoldPublic(OutputModel):
    id: int
    ticket_id: int | None
    ticket_number: int | None
    organization_id: int | None
    organization_slug: str | None
    reason: str
    set_by: str
    set_at: datetime


class HoldsCleared(OutputModel):
    cleared: int
