"""Maintenance windows (anyone signed in reads; admins schedule) and major incidents
(support staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sladesk.api.schemas._base import Id, InputModel, Instant, OutputModel, Text
from sladesk.api.schemas.tickets import BusinessTime


class MaintenanceWindowPublic(OutputModel):
    key: str
    starts_at: datetime
    ends_at: datetime
    recurring: bool
    title: str
    description: str
    scheduled_id: int | None


class MaintenanceSchedulePublic(OutputModel):
    """The windows running now or starting within ``days``: the policy's recurring windows
    (its maintenance calendar) and the ones admins scheduled, soonest first."""

    now: datetime
    windows: tuple[MaintenanceWindowPublic, ...]
    banner: MaintenanceWindowPublic | None = Field(
        description="What the portal's banner shows now: a window running, else the next one "
        "starting within notice_before."
    )
    notice_before: BusinessTime = Field(
        description="How long before a window customers are told (clock time, e.g. PT24H)."
    )
    text: dict[str, str]
    calendar: str | None
    calendar_zone: str | None
    calendar_hours: str | None
    mail_recurring: bool
    notify_at_start: bool


class MaintenanceCreate(InputModel):
    """A one-off maintenance window (admins): customers are told ``notice_before`` ahead and
    at its start, as for the policy's windows."""

    title: Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    starts_at: Instant
    ends_at: Instant
    description: Annotated[Text, StringConstraints(max_length=5000)] = ""


class MaintenanceCancelled(OutputModel):
    cancelled: int


class IncidentSummary(OutputModel):
    id: int
    kind: str
    title: str
    status: str
    paused: bool
    created_by: str
    created_at: datetime
    resolved_at: datetime | None
    tickets: int


class IncidentLinkPublic(OutputModel):
    ticket_id: int
    number: int
    subject: str
    status: str
    status_reason: str | None
    linked_at: datetime
    paused_status: str | None


class IncidentUpdatePublic(OutputModel):
    id: int
    body: str
    author: str
    author_name: str
    created_at: datetime
    tickets: int


class IncidentSkip(OutputModel):
    ticket_id: int
    why: str


class IncidentPublic(OutputModel):
    """An incident with its linked tickets and public updates; ``changed``/``skipped``: what
    the action just taken did to each linked ticket."""

    incident: IncidentSummary
    links: tuple[IncidentLinkPublic, ...]
    updates: tuple[IncidentUpdatePublic, ...]
    changed: tuple[int, ...] = ()
    skipped: tuple[IncidentSkip, ...] = ()


class IncidentCreate(InputModel):
    kind: Literal["partner_outage", "platform_incident"]
    title: Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    ticket_ids: list[Id] = Field(default_factory=list, max_length=1000)


class IncidentLinks(InputModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=1000)


class IncidentUpdateCreate(InputModel):
    body: Annotated[Text, StringConstraints(min_length=1, max_length=20000)]


class IncidentResolve(InputModel):
    body: Annotated[Text, StringConstraints(max_length=20000)] | None = Field(
        default=None, description="A last public update posted on every linked ticket."
    )
