"""On call: the roster, its admin (members, overrides) and pages (docs/api.md "On call")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sladesk.api.schemas._base import Id, InputModel, Instant, OutputModel

ShiftName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class OnCallNow(OutputModel):
    """Who is on call at ``at``: ``agent_id`` null when the shift has no members."""

    at: datetime
    agent_id: int | None
    name: str | None
    email: str | None
    shift: str
    source: Literal["rotation", "override", "nobody"]


class RosterMemberPublic(OutputModel):
    shift: str
    position: int
    agent_id: int
    name: str
    email: str
    active: bool


class OverridePublic(OutputModel):
    id: int
    agent_id: int
    name: str
    shift: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime


class RosterEntryPublic(OutputModel):
    start: datetime
    end: datetime
    agent_id: int | None
    name: str | None
    shift: str
    source: str


class RosterPublic(OutputModel):
    policy: str
    rotation: Literal["weekly", "follow_the_sun"]
    timezone: str
    handoff: str
    repage_after_minutes: float
    phone: str | None
    shifts: tuple[tuple[str, str | None], ...]
    members: tuple[RosterMemberPublic, ...]
    overrides: tuple[OverridePublic, ...]
    now: OnCallNow
    entries: tuple[RosterEntryPublic, ...]


class MembersSet(InputModel):
    """The shift's people in turn order (replaces the list; empty clears it)."""

    agent_ids: list[Id] = Field(max_length=100)


class OverrideCreate(InputModel):
    agent_id: Id
    starts_at: Instant
    ends_at: Instant
    shift: ShiftName | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class PageCreate(InputModel):
    """Page whoever is on call about a ticket: a call came to the on-call number."""

    ticket_id: Id
    source: Literal["call", "phone", "agent"] = "call"
    caller: Annotated[str, StringConstraints(max_length=200)] | None = None
    note: Annotated[str, StringConstraints(max_length=1_000)] | None = None


class PagePublic(OutputModel):
    id: int
    ticket_id: int
    ticket_number: int
    attempt: int
    agent_id: int | None
    agent_name: str | None
    shift: str
    source: str
    status: Literal["waiting", "acknowledged", "repaged"]
    paged_at: datetime
    repage_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    superseded_at: datetime | None
    caller: str | None
